import { describe, expect, it } from "vitest";
import type { Cause } from "../classify/causes.ts";
import { Progress } from "../core/progress.ts";
import type { FaultEvent } from "../events/events.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import type { Target } from "./define-target.ts";
import { loadTarget } from "./load-target.ts";

/** A second app, written for the tests: its own module and config paths, health path, env names, schema and pool. */
const ledger = await loadTarget("harness/testing/apps/ledger/ledger.target.json");
/** The same app declared with build and health alone: no hooks it promises, no variable of its own the harness sets. */
const ledgerBare = await loadTarget("harness/testing/apps/ledger/ledger-bare.target.json");

async function runOn(target: Target, name: string): Promise<RunResult> {
  const result = await runScenario(await loadScenario(name), {
    progress: new Progress(process.stderr, true),
    signal: new AbortController().signal,
    target,
  });
  expect(result.error).toBeUndefined();
  expect(result.stack.target.name).toBe(target.name);
  return result;
}
const runOnLedger = (name: string) => runOn(ledger, name);

const causeByPid = (result: RunResult) => Object.fromEntries(result.observed.deaths.map((d) => [d.pid, d.cause]));
const faults = (result: RunResult) => result.observed.events.filter((e): e is FaultEvent => e.kind === "fault");
const failedExpectations = (result: RunResult) => result.expectations.filter((e) => !e.pass).map((e) => e.name);

/** An app that declares no banner owes none: every expectation holds, and the banner row says so. */
function expectPassedWithNoBannerDeclared(result: RunResult): void {
  expect(failedExpectations(result)).toEqual([]);
  expect(result.observed.banners.declared).toEqual([]);
  expect(result.expectations.find((e) => e.name === "banners")).toMatchObject({ expected: "none declared", pass: true });
}

describe("the generic scenarios on an app declared by build and health alone", () => {
  it.each([
    ["stray-sigterm", "signal-worker", "unexpected-sigterm"],
    ["worker-freeze", "worker-freeze", "timeout"],
    ["memory-squeeze", "memory-squeeze", "oom-kill"],
  ] as Array<[string, FaultEvent["action"], Cause]>)(
    "%s: the worker the fault hit dies of %s, and the run passes",
    async (name, action, cause) => {
      const result = await runOn(ledgerBare, name);
      const [fault] = faults(result);
      expect(fault).toMatchObject({ action, target: "worker", pid: expect.any(Number) });
      expect(causeByPid(result)).toEqual({ [(fault as { pid: number }).pid]: cause });
      expectPassedWithNoBannerDeclared(result);
    },
  );

  it("deploy: every booted worker shuts down (normal), with the settings gunicorn took from GUNICORN_CMD_ARGS over the app's own", async () => {
    const result = await runOn(ledgerBare, "deploy");
    const booted = result.observed.bootedBeforeFaults;
    expect(booted).toHaveLength(3);
    expect(causeByPid(result)).toEqual(Object.fromEntries(booted.map((pid) => [pid, "shutdown"])));
    expectPassedWithNoBannerDeclared(result);
    // The ledger's config reads APP_WORKERS, APP_TIMEOUT, APP_GRACEFUL (2, 30, 10 by default); the scenario's values won.
    expect(result.stack.gunicorn?.settings).toMatchObject({ workers: 3, timeout: 3, graceful_timeout: 2, max_requests: 0 });
    expect(result.stack.gunicorn?.settings.bind).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
  });

  // scale-down (SIGTTOU to the master) runs on the demo in the catalogue; on this app, the master's reload is the one whose
  // outcome depends on the app's own config being read again.
  it.each([["rolling-restart", ["reload", "reload", "reload"]]])(
    "%s: every death as injected, and the run passes",
    async (name, causes) => {
      const result = await runOn(ledgerBare, name);
      expect(Object.values(causeByPid(result))).toEqual(causes);
      expectPassedWithNoBannerDeclared(result);
    },
  );

  it("max-requests: workers recycle after their 2000th request, the setting passed through GUNICORN_CMD_ARGS", async () => {
    const result = await runOn(ledgerBare, "max-requests");
    const causes = Object.values(causeByPid(result));
    expect(causes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(causes)).toEqual(new Set(["max-requests"]));
    expect(result.stack.gunicorn?.settings.max_requests).toBe(2000);
    expect(failedExpectations(result)).toEqual([]);
  });

  it("a setting the app's command line pins is refused, naming it and why, before any fault", async () => {
    const pinned: Target = {
      ...ledgerBare,
      command: ["gunicorn", "ledger_service.api:api", "--config", "deploy/gunicorn_conf.py", "--timeout", "30"],
    };
    const result = await runScenario(await loadScenario("stray-sigterm"), {
      progress: new Progress(process.stderr, true),
      signal: new AbortController().signal,
      target: pinned,
    });
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({ code: "SETTING_NOT_APPLIED" });
    expect(result.error!.message).toMatch(/timeout is 30, not 3: the app's command line sets it \(--timeout 30\)/);
    expect(faults(result)).toEqual([]);
  });
});

describe("the same app with its banners declared, and its database", () => {
  // deploy with the banners declared (they never print, and that alone fails): the installed package runs it on this app,
  // harness/cli/chaos-harness.docker.test.ts.
  it("a db path that fails from boot is refused before any fault, naming the path and its answer", async () => {
    const wrongPath: Target = { ...ledger, paths: { db: "/entries/nope" } };
    const result = await runScenario(await loadScenario("db-latency"), {
      progress: new Progress(process.stderr, true),
      signal: new AbortController().signal,
      target: wrongPath,
    });
    expect(result.error).toMatchObject({ code: "PATH_NOT_SERVING" });
    expect(result.error!.message).toMatch(/^Before any fault, GET \/entries\/nope answers 404: /);
    expect(faults(result)).toEqual([]);
  });

  it("db-latency: the proxy delays the ledger's queries for the window; users wait, no worker dies", async () => {
    const result = await runOnLedger("db-latency");
    expect(faults(result).map((f) => f.action)).toEqual(["db-latency", "db-restored"]);
    expect(result.observed.deaths).toEqual([]);
    expect(result.observed.load!.latencyMs.max).toBeGreaterThanOrEqual(500);
    // Its 2 s acquire timeout can run out while its 6 pooled connections pay 600 ms a query: then it answers 503 (one run
    // in two here), its own answer, which the generic scenario counts against it. Nothing else may fail.
    expect(failedExpectations(result).filter((name) => name !== "requests.5xx")).toEqual([]);
    expect(Object.keys(result.observed.load!.status).filter((status) => status.startsWith("5") && status !== "503")).toEqual([]);
  });

  it("slow-db: the lock on the target's own table makes its requests wait out its timeouts; no worker dies", async () => {
    const result = await runOnLedger("slow-db");
    expect(faults(result).map((f) => f.action)).toEqual(["table-lock", "table-unlock"]);
    expect(faults(result)[0]).toMatchObject({ target: "database", detail: "ledger_entries locked for 4 s" });
    expect(result.observed.deaths).toEqual([]);
    // The ledger answers 503 when its 2 s acquire or query timeout runs out; the demo's own checks do not apply to it.
    expect(result.observed.load!.status["503"]).toBeGreaterThan(0);
    expect(result.observed.load!.latencyMs.max).toBeGreaterThanOrEqual(1_900);
    expect(result.expectations.map((e) => e.name)).not.toContain("app.db-pool-timeout");
    expect(failedExpectations(result)).toEqual([]);
  });

  it("db-outage: Postgres stops and starts again; requests fail meanwhile, no worker dies, the app recovers", async () => {
    const result = await runOnLedger("db-outage");
    expect(faults(result).map((f) => f.action)).toEqual(["db-outage", "db-restored"]);
    expect(result.observed.deaths).toEqual([]);
    expect(result.status).toBe("passed");
  });
});

describe("the drop-in, proven on a backend shaped like the seed's", () => {
  const seed = loadTarget("examples/seed-backend/seed-backend.target.ts");
  const run = async (name: string, config: string) =>
    runScenario(await loadScenario(name), {
      progress: new Progress(process.stderr, true),
      signal: new AbortController().signal,
      target: await seed,
      overrides: { config },
    });

  it("deploy and worker-freeze: with the drop-in, the seed's own banners print for the right pids", async () => {
    for (const name of ["deploy", "worker-freeze"]) {
      const result = await run(name, "dropin");
      expect(result.error).toBeUndefined();
      expect(failedExpectations(result), name).toEqual([]);
      for (const check of result.observed.banners.checks) expect(check.missing, `${name}: pid ${check.pid}`).toEqual([]);
      expect(result.observed.banners.seen.length).toBeGreaterThan(0);
    }
  });
});
