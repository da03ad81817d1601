import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { OWNER_LABEL, ROLE_LABEL, RUN_LABEL } from "../harness/cleanup/run-context.ts";
import { Progress } from "../harness/core/progress.ts";
import { dockerClient } from "../harness/engine/docker-client.ts";
import { SUITE_NAMES } from "../harness/images/suites.ts";
import { loadScenario } from "../harness/scenario/catalogue.ts";
import { type ResultJson, resultSchema } from "../harness/scenario/result-json.ts";
import { runScenario } from "../harness/scenario/run-scenario.ts";
import { startCli } from "../harness/testing/run-command.ts";

// rolling-deploy with the render profile and lb-keepalive as declared run in the catalogue (catalogue.docker.test.ts), on both suites.

const reports = mkdtempSync(join(tmpdir(), "replicas-"));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

async function containersOf(pid: number | undefined) {
  const all = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) });
  return all.filter((c) => c.Labels[OWNER_LABEL]?.split(":")[1] === String(pid) && c.Labels[ROLE_LABEL] !== "reaper");
}

const latest = (dir: string) => resultSchema.parse(JSON.parse(readFileSync(join(dir, "latest", "result.json"), "utf8"))) as ResultJson;

describe.each(SUITE_NAMES)("npm run scenario rolling-deploy -- --replicas 3 --profile naive, on %s", (suite) => {
  it("fails (exit 1) on lost requests alone, each traced to the SIGTERM of a replica the balancer still routed to; nothing is left", async () => {
    const dir = join(reports, `naive-${suite}`);
    const { child, done } = startCli("scenario", ["rolling-deploy", "--replicas", "3", "--profile", "naive", "--suite", suite], {
      CHAOS_REPORTS_DIR: dir,
    });
    const result = await done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/FAIL rolling-deploy .* 1 of 4 expectations failed/);
    expect(result.stdout).toMatch(/3 replicas behind HAProxy × 2 workers .* deploy profile naive/);

    const json = latest(dir);
    expect(json.expectations.filter((e) => e.verdict === "fail").map((e) => e.name)).toEqual(["lost requests"]);
    const lost = json.expectations.find((e) => e.name === "lost requests")!.observed;
    expect(lost).toMatch(/^\d+ lost: \d+ in round 1, at "SIGTERM to web-1's master \(the router still sends it requests\)" \(on web-1\)/);
    expect(json.deploy?.lost.total).toBeGreaterThan(0);
    expect(json.deploy?.lost.untraced).toBe(0);
    expect(new Set(json.deploy?.lost.byStep.map((s) => s.action))).toEqual(new Set(["sigterm"]));
    // Every old replica's workers stopped with a shutdown (normal), each named by its replica.
    expect(json.deaths.map((d) => `${d.instance}/${d.cause}`).sort()).toEqual(
      ["web-1", "web-1", "web-2", "web-2", "web-3", "web-3"].map((r) => `${r}/shutdown`),
    );
    expect(await containersOf(child.pid)).toEqual([]);
  });
});

describe("an interrupted rolling deploy", () => {
  it("Ctrl-C in the middle of a round tears down every replica and HAProxy, exits 130, and says aborted", async () => {
    const dir = join(reports, "interrupted");
    const { child, done } = startCli("scenario", ["rolling-deploy"], { CHAOS_REPORTS_DIR: dir });
    let seen = "";
    const midway = new Promise<void>((resolve) =>
      child.stderr?.on("data", (chunk: Buffer) => {
        seen += stripVTControlCharacters(chunk.toString());
        if (/deploy round 2: start a new replica/.test(seen)) resolve();
      }),
    );
    await midway;
    const running = await containersOf(child.pid);
    // Replicas web-1…web-3, web-4 (the first new one), web-5 starting, HAProxy and Postgres: each labelled for the reaper and the sweep.
    expect(running.map((c) => c.Labels[ROLE_LABEL]).sort()).toEqual(expect.arrayContaining(["app", "db", "lb"]));
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/ABORTED rolling-deploy/);
    expect(latest(dir).status).toBe("aborted");
    expect(await containersOf(child.pid)).toEqual([]);
  });
});

describe("lb-keepalive with the fix: gunicorn's keepalive above the balancer's idle timeout", () => {
  it("loses no request under the same bursts (--keepalive 35)", async () => {
    const scenario = await loadScenario("lb-keepalive");
    const result = await runScenario(scenario, {
      progress: new Progress(process.stderr, true),
      signal: new AbortController().signal,
      overrides: { keepaliveS: 35 },
    });
    expect(result.error).toBeUndefined();
    expect(result.expectations.find((e) => e.name === "keep-alive race")).toMatchObject({
      expected: "no request lost (keepalive 35 s ≥ the balancer's 30 s idle timeout)",
      observed: "none lost",
      pass: true,
    });
    expect(result.observed.load?.completed).toBeGreaterThan(500);
    expect(result.status).toBe("passed");
  });
});
