import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../core/poll-until.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { type ResultJson, resultSchema } from "../scenario/result-json.ts";
import { Stack } from "../stack/stack.ts";
import { REPO_ROOT, runCliToEnd, startCli } from "../testing/run-command.ts";
import { newRunContext, OWNER_LABEL, ROLE_LABEL, RUN_LABEL } from "./run-context.ts";
import { sweepStaleContainers } from "./sweep.ts";

async function containers(filter: (labels: Record<string, string>) => boolean) {
  const all = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) });
  return all.filter((c) => filter(c.Labels));
}

function waitForOutput(stream: NodeJS.ReadableStream | null, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; saw:\n${seen}`)), timeoutMs);
    stream?.on("data", (chunk: Buffer) => {
      seen += stripVTControlCharacters(chunk.toString());
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

/** What `docker ps -a` lists of process `pid` right now: the containers with its owner label, and its reaper by name. */
async function leftBehindBy(pid: number): Promise<string[]> {
  const docker = dockerClient();
  const [owned, reapers] = await Promise.all([
    docker.listContainers({ all: true, filters: JSON.stringify({ label: [OWNER_LABEL] }) }),
    docker.listContainers({ all: true, filters: JSON.stringify({ name: [`chaos-reaper-${pid}-`] }) }),
  ]);
  const mine = owned.filter((c) => c.Labels[OWNER_LABEL]?.split(":")[1] === String(pid));
  return [...new Set([...mine, ...reapers].map((c) => `${c.Names[0]} (${c.State})`))];
}

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Starts smoke, SIGKILLs it after `ms`, and returns the names of its containers still there 15 s later. */
async function killAt(ms: number): Promise<string[]> {
  const reports = mkdtempSync(join(tmpdir(), "killed-"));
  const { child, done } = startCli("scenario", ["smoke"], { CHAOS_REPORTS_DIR: reports });
  const pid = String(child.pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill("SIGKILL");
  await done;
  const mine = (labels: Record<string, string>) => labels[OWNER_LABEL]?.split(":")[1] === pid;
  const gone = await pollUntil(async () => ((await containers(mine)).length === 0 ? true : undefined), {
    timeoutMs: 15_000,
    intervalMs: 500,
  });
  rmSync(reports, { recursive: true, force: true });
  return gone ? [] : (await containers(mine)).map((c) => `${c.Names[0]} (${c.State})`);
}

describe("nothing leaks", () => {
  it("sweeps the containers of a run whose process was killed, and leaves live runs alone", async () => {
    await using live = await new Stack({ workers: 1 }).start({ run: newRunContext("cleanup-live") });
    // The sweep is the second line of defence: the reaper, off here, is the first (tested below).
    const { child, done } = startCli("../testing/hold-stack", [], { CHAOS_REAPER: "off" });
    const [, runId] = await waitForOutput(child.stdout, /READY (\S+)/, 90_000);
    child.kill("SIGKILL");
    await done;
    expect(await containers((l) => l[RUN_LABEL] === runId)).toHaveLength(2);

    const swept = await sweepStaleContainers();
    expect(swept.runs).toContain(runId);
    expect(await containers((l) => l[RUN_LABEL] === runId)).toEqual([]);
    expect(await containers((l) => l[RUN_LABEL] === live.runId)).toHaveLength(2);
  });

  it("SIGKILLed at any point of a run, leaves no container 15 s later, without another run starting (the reaper)", async () => {
    // Spread over the start, the boot and the load of smoke (about 9 s), two runs at a time, jittered.
    const points = Array.from({ length: 10 }, (_, i) => Math.round(600 + i * 800 + Math.random() * 400));
    for (let i = 0; i < points.length; i += 2) {
      const left = await Promise.all(points.slice(i, i + 2).map((ms) => killAt(ms)));
      for (const [j, containersLeft] of left.entries())
        expect(containersLeft, `containers left 15 s after SIGKILL at ${points[i + j]} ms`).toEqual([]);
    }
  });

  it("under npm run, SIGTERM ends npm only once the harness has torn down (its scripts exec node)", async () => {
    const reports = mkdtempSync(join(tmpdir(), "npm-term-"));
    const npm = spawn("npm", ["run", "-s", "scenario", "smoke"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CHAOS_REPORTS_DIR: reports },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise<number | null>((resolve) => npm.on("close", (code) => resolve(code)));
    await waitForOutput(npm.stderr, /▸ load:/, 90_000);
    const harness = childrenOf(npm.pid!);
    expect(harness, "npm's child is the harness itself (exec), not a shell").toHaveLength(1);
    npm.kill("SIGTERM");
    expect(await closed).toBe(143);
    // The moment npm has exited, the harness has removed what it started, its reaper included.
    expect(await leftBehindBy(harness[0]!)).toEqual([]);
    expect(JSON.parse(readFileSync(join(reports, "latest", "result.json"), "utf8"))).toMatchObject({ status: "aborted" });
    rmSync(reports, { recursive: true, force: true });
  });

  it("two scenarios and a classify at once do not disturb each other: own ports, own containers, own report folders", async () => {
    const reports = mkdtempSync(join(tmpdir(), "concurrent-"));
    const runs = ["smoke", "scale-down"].map((name) => startCli("scenario", [name], { CHAOS_REPORTS_DIR: reports }));
    const classify = runCliToEnd("classify", ["harness/classify/corpus/timeout.trixie.default.log", "--json"]);
    await Promise.all(runs.map(({ child }) => waitForOutput(child.stderr, /▸ load:/, 120_000)));
    // Both are under load now: every port each one's containers were given is its own.
    const ports = await Promise.all(
      runs.map(async ({ child }) => {
        const mine = await containers((l) => l[OWNER_LABEL]?.split(":")[1] === String(child.pid) && l[ROLE_LABEL] !== "reaper");
        const env = await Promise.all(mine.map(async (c) => (await dockerClient().getContainer(c.Id).inspect()).Config.Env));
        return env.flat().flatMap((v) => /^(?:PORT|PGPORT|DATABASE_URL)=.*?(\d{4,5})\b/.exec(v)?.slice(1) ?? []);
      }),
    );
    expect(ports[0]!.length).toBeGreaterThan(0);
    expect(ports[1]!.length).toBeGreaterThan(0);
    expect(ports[0]!.filter((p) => ports[1]!.includes(p))).toEqual([]);
    const [first, second] = await Promise.all(runs.map((r) => r.done));
    for (const result of [first!, second!]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/left by killed runs/);
    }
    expect((await classify).code).toBe(0);
    const folders = readdirSync(reports).filter((name) => /^\d{8}T\d{6}Z-/.test(name));
    expect(folders.map((f) => f.replace(/^\d{8}T\d{6}Z-|-[0-9a-f]{4}$/g, "")).sort()).toEqual(["scale-down", "smoke"]);
    rmSync(reports, { recursive: true, force: true });
  });

  it("Ctrl-C during the load tears down, leaves a readable result.json (aborted), and exits 130", async () => {
    const reports = mkdtempSync(join(tmpdir(), "interrupted-"));
    const { child, done } = startCli("scenario", ["smoke"], { CHAOS_REPORTS_DIR: reports });
    await waitForOutput(child.stderr, /▸ load:/, 90_000);
    const ownerPid = child.pid;
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/ABORTED smoke/);
    const json = JSON.parse(readFileSync(join(reports, "latest", "result.json"), "utf8")) as ResultJson;
    expect(resultSchema.parse(json).status).toBe("aborted");
    expect(json.error?.message).toBe("Interrupted by SIGINT");
    expect(json.events.filter((e) => e.kind === "worker-boot")).toHaveLength(4);
    expect(json.load.outcome).toMatchObject({ stoppedBy: "aborted" });
    // The moment it has exited, neither its containers nor its reaper are there: it waited for their removal.
    expect(await leftBehindBy(ownerPid!)).toEqual([]);
    rmSync(reports, { recursive: true, force: true });
  });

  // A CI step that lists leftovers right after the command must find none, whatever the exit code. (A pass takes the same
  // path as a failure: the installed package's pass and failure are checked in harness/cli/chaos-harness.docker.test.ts.)
  it.each([
    {
      code: 1,
      how: "a failed expectation (the seed config never prints the INTERRUPT banner a deploy owes)",
      args: ["smoke", "--config", "seed"],
    },
    { code: 143, how: "SIGTERM during the load", args: ["smoke"], signal: "SIGTERM" as const },
  ])("exit $code ($how): the moment the process has exited, no container of it and no reaper is left", async ({ code, args, signal }) => {
    const reports = mkdtempSync(join(tmpdir(), "exit-"));
    const { child, done } = startCli("scenario", args, { CHAOS_REPORTS_DIR: reports });
    await waitForOutput(child.stderr, /▸ load:/, 90_000);
    // Under load, its stack and its reaper are there: what must be gone at the exit.
    const during = await leftBehindBy(child.pid!);
    expect(during.filter((name) => /^\/chaos-reaper-\d+-\d+ \(running\)$/.test(name))).toHaveLength(1);
    expect(during.length).toBeGreaterThan(2);
    if (signal) child.kill(signal);
    const result = await done;
    const left = await leftBehindBy(child.pid!);
    expect(result.code, result.stderr).toBe(code);
    expect(left).toEqual([]);
    rmSync(reports, { recursive: true, force: true });
  });
});
