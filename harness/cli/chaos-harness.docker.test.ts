// The package as a team gets it: `npm pack` of this repository, `npm i -D` of the tarball in an empty folder
// holding an app other than the demo (the tests' ledger service), then init, scenario, doctor and classify through
// `npx chaos-harness`, with no file of this repository needed: each command runs from the folder's
// node_modules/chaos-harness (compiled JavaScript), with the folder as its working directory.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_LABEL } from "../cleanup/run-context.ts";
import { type Finished, REPO_ROOT, runCommand } from "../core/run-command.ts";
import { dockerClient } from "../engine/docker-client.ts";

const LEDGER = join(REPO_ROOT, "harness/testing/apps/ledger");
const team = mkdtempSync(join(tmpdir(), "team-repo-"));
const bin = join(team, "node_modules/.bin/chaos-harness");
// The child's environment as a developer's shell has it: no report folder chosen for it, CI as the runner says.
const { CHAOS_REPORTS_DIR: _reports, ...environment } = process.env;

function npx(args: string[]): Promise<Finished> {
  return runCommand("npx", ["--no-install", "chaos-harness", ...args], { cwd: team, env: environment });
}

/** Containers any harness run left on the engine (the docker tests run one file at a time: none should be there). */
async function harnessContainers(): Promise<string[]> {
  const listed = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [OWNER_LABEL] }) });
  const reapers = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ name: ["chaos-reaper-"] }) });
  return [...listed, ...reapers].map((c) => `${c.Names[0]} (${c.State})`);
}

function explain(run: Finished): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`;
}

beforeAll(async () => {
  const packed = await runCommand("npm", ["pack", "--pack-destination", team, "--silent"], { env: environment });
  expect(packed.code, explain(packed)).toBe(0);
  const tarball = join(team, packed.stdout.trim().split("\n").at(-1)!);
  for (const entry of ["Dockerfile", "deploy", "ledger_service", "schema.sql"])
    cpSync(join(LEDGER, entry), join(team, entry), { recursive: true });
  // A repository of its own: the target search stops at its root.
  mkdirSync(join(team, ".git"));
  writeFileSync(join(team, "package.json"), `${JSON.stringify({ name: "ledger", private: true }, null, 2)}\n`);
  // The dependencies come from npm's cache when `npm ci` filled it; the registry otherwise.
  const installed = await runCommand("npm", ["install", "--save-dev", "--prefer-offline", "--no-audit", "--no-fund", tarball], {
    cwd: team,
    env: environment,
  });
  expect(installed.code, explain(installed)).toBe(0);
}, 300_000);

afterAll(() => rmSync(team, { recursive: true, force: true }));

describe("the installed package, in a team's repository", () => {
  it("init reads the repository and writes chaos.target.ts; scenario --list finds it and the team's own scenario", async () => {
    const init = await npx(["init"]);
    expect(init.code, explain(init)).toBe(0);
    const target = readFileSync(join(team, "chaos.target.ts"), "utf8");
    expect(target).toMatch(/import \{ defineTarget \} from "chaos-harness";/);
    expect(target).toMatch(/health: "\/healthz"/);
    expect(target).toMatch(/urlEnv: "LEDGER_DB_URL"/);
    expect(target).toMatch(/interrupt: "LEDGER WORKER STOPPING pid=\(\\\\d\+\)"/);
    expect(init.stdout).toMatch(/npx chaos-harness scenario smoke/);

    mkdirSync(join(team, "chaos/scenarios"), { recursive: true });
    writeFileSync(
      join(team, "chaos/scenarios/ledger-deploy.ts"),
      [
        'import { defineScenario } from "chaos-harness";',
        "",
        "export default defineScenario({",
        '  name: "ledger-deploy",',
        '  description: "Our deploy: SIGTERM to the master while clients read the health path.",',
        "  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },",
        '  load: { durationS: 3, connections: 2, requests: [{ role: "health" }] },',
        '  faults: [{ action: "signal-master", at: 1, signal: "TERM" }],',
        "  settle: { untilAppExits: true, maxS: 10 },",
        '  expect: { deaths: { causes: { shutdown: "all-booted" } }, masterShutdown: true },',
        "});",
        "",
      ].join("\n"),
    );
    const list = await npx(["scenario", "--list"]);
    expect(list.code, explain(list)).toBe(0);
    expect(list.stdout).toMatch(/^ledger-deploy\s+Our deploy: SIGTERM to the master/m);
    expect(list.stdout).toMatch(/^deploy\s+SIGTERM to the master under load.*INTERRUPT banner \(declared by ledger\)/m);
    expect(list.stdout).toMatch(/^slow-db\s+\(not on ledger: needs the role "db" /m);
  });

  it("scenario deploy runs the team's app, and finds the banners its hooks promise missing: they never run under UvicornWorker", async () => {
    const run = await npx(["scenario", "deploy"]);
    expect(run.code, explain(run)).toBe(1);
    const result = JSON.parse(readFileSync(join(team, "chaos-reports/latest/result.json"), "utf8"));
    expect(result.stack.target).toEqual({ name: "ledger", file: "chaos.target.ts" });
    expect(result.deaths.length).toBeGreaterThanOrEqual(2);
    expect(result.deaths.every((d: { cause: string }) => d.cause === "shutdown")).toBe(true);
    const failed = result.expectations.filter((e: { verdict: string }) => e.verdict !== "pass").map((e: { name: string }) => e.name);
    expect(failed).toEqual(["banners"]);
    // Every worker that stopped owed its INTERRUPT banner, and none printed one.
    expect(result.banners.seen).toEqual([]);
    expect(result.banners.missing.map((m: { pid: number; kind: string }) => [m.pid, m.kind]).sort()).toEqual(
      result.deaths.map((d: { pid: number }) => [d.pid, "interrupt"]).sort(),
    );
    expect(result.expectations.find((e: { name: string }) => e.name === "banners").observed).toMatch(
      /no INTERRUPT or ABORT banner printed at all: under UvicornWorker, gunicorn's worker_int and worker_abort hooks never run/,
    );
    expect(run.stdout).toMatch(/report: chaos-reports\/[^/]+\/report\.html/);
    // The compiled package removes what it started (its containers, its reaper) before it exits, as the sources do.
    expect(await harnessContainers()).toEqual([]);
    expect(existsSync(join(REPO_ROOT, "chaos-reports"))).toBe(false);
  });

  it("doctor reads the team's resolved gunicorn config and names the risks, with the scenario that proves each", async () => {
    const doctor = await npx(["doctor", "--platform", "alb", "--cpus", "1", "--json"]);
    expect(doctor.code, explain(doctor)).toBe(1);
    const report = JSON.parse(doctor.stdout);
    // deploy/gunicorn_conf.py as it ships, not a scenario's settings: keepalive 5, APP_GRACEFUL's default 10, APP_WORKERS' 2.
    expect(report.gunicorn.settings).toMatchObject({
      keepalive: 5,
      graceful_timeout: 10,
      timeout: 30,
      workers: 2,
      worker_class: "uvicorn.workers.UvicornWorker",
    });
    expect(report.versions.gunicorn).toMatch(/^\d+\.\d+/);
    expect(report.platform).toMatchObject({ name: "alb", idleTimeoutS: 60, terminationGraceS: 30 });
    // Its 2 workers are fixed, not this machine's CPUs: told one more CPU, gunicorn still resolves 2.
    expect(report.cpu.probe).toEqual({ cpus: report.cpu.hostCpus + 1, workers: 2 });
    // keepalive below the ALB's 60 s idle timeout; the hooks' banners under a worker class that never calls them.
    expect(report.risks.map((r: { id: string }) => r.id)).toEqual([
      "keepalive-not-above-idle-timeout",
      "interrupt-banner-never-prints",
      "abort-banner-never-prints",
    ]);
    expect(report.risks[0].what).toContain("keepalive = 5 s is not above alb's idle timeout of 60 s");
    // Each risk names the scenario that proves it, and what the ledger's target lacks to run it.
    const risk = (id: string) => report.risks.find((r: { id: string }) => r.id === id);
    expect(risk("interrupt-banner-never-prints")).toMatchObject({ proof: "npx chaos-harness scenario deploy" });
    expect(risk("interrupt-banner-never-prints").proofNeeds).toBeUndefined();
    expect(risk("abort-banner-never-prints")).toMatchObject({
      proof: "npx chaos-harness scenario worker-timeout",
      proofNeeds: expect.stringMatching(/block-event-loop/),
    });
  });

  it("classify explains the deploy's own log, with the banners chaos.target.ts declares", async () => {
    // A run's log is app.log, or app.log.gz above 1 MiB (a fast machine's deploy logs that many access lines); classify reads both.
    const log = ["app.log", "app.log.gz"].map((name) => `chaos-reports/latest/${name}`).find((file) => existsSync(join(team, file)));
    expect(log).toBeDefined();
    const classify = await npx(["classify", log!, "--json"]);
    expect(classify.code, explain(classify)).toBe(0);
    const { deaths } = JSON.parse(classify.stdout);
    expect(deaths.length).toBeGreaterThanOrEqual(2);
    expect(deaths.every((d: { cause: string; severity: string }) => d.cause === "shutdown" && d.severity === "normal")).toBe(true);
  });

  it("scenario --list starts within 0.3 s of node's own start (medians of runs interleaved on this machine)", async () => {
    const node: number[] = [];
    const list: number[] = [];
    for (let i = 0; i < 7; i++) {
      node.push((await runCommand(process.execPath, ["-e", "0"], { cwd: team, env: environment })).ms);
      const run = await runCommand(process.execPath, [bin, "scenario", "--list"], { cwd: team, env: environment });
      expect(run.code, explain(run)).toBe(0);
      list.push(run.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const gap = median(list) - median(node);
    process.stderr.write(
      `startup: node -e 0 ${median(node).toFixed(0)} ms, chaos-harness scenario --list ${median(list).toFixed(0)} ms (+${gap.toFixed(0)} ms)\n`,
    );
    expect(gap).toBeLessThanOrEqual(300);
  });
});
