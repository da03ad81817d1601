import { describe, expect, it } from "vitest";
import type { BannerKind } from "../classify/banners.ts";
import { loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { loadScenario } from "./catalogue.ts";
import { expectationsFor } from "./define-scenario.ts";
import { type Expectations, evaluateExpectations, type Observed } from "./expectations.ts";

const NO_BANNER =
  "no INTERRUPT or ABORT banner printed at all: under UvicornWorker, gunicorn's worker_int and worker_abort hooks never run";
const ALL: BannerKind[] = ["interrupt", "abort", "kill"];
const timeoutRun = loadRunResult(runFixtureFile(RECORDED_RUNS[0]));
const judge = (expectations: Expectations, observed: Partial<Observed> = {}) =>
  evaluateExpectations(expectations, { ...timeoutRun.observed, ...observed });
const only = (expectations: Expectations, observed: Partial<Observed> = {}) => {
  const [result, ...rest] = judge(expectations, observed);
  expect(rest).toEqual([]);
  return result!;
};

describe("expectations, judged again on runs recorded from the real stack", () => {
  it.each(RECORDED_RUNS)("$scenario on $suite ($config): the same observations give the same verdicts", async (recorded) => {
    const run = loadRunResult(runFixtureFile(recorded));
    const scenario = await loadScenario(recorded.scenario);
    expect(evaluateExpectations(expectationsFor(scenario, recorded.suite), run.observed)).toEqual(run.expectations);
  });

  it("fails expectations that contradict the run, saying what was seen instead", () => {
    const [deaths, completed] = judge({ deaths: { causes: { crash: 1 } }, requests: { thresholds: { "requests.completed": "< 0" } } });
    const pid = timeoutRun.observed.deaths[0]!.pid;
    expect(deaths).toEqual({
      name: "deaths",
      expected: "1 crash (critical)",
      observed: `1 timeout (critical; pid ${pid}) — 1 crash expected, 0 seen; 1 unexpected timeout (critical)`,
      pass: false,
    });
    expect(completed).toMatchObject({ name: "requests.completed", expected: "< 0", pass: false });
    expect(Number(completed!.observed)).toBe(timeoutRun.observed.load!.completed);
  });
});

describe("each kind of expectation", () => {
  const pid = timeoutRun.observed.deaths[0]!.pid;

  it("deaths: exact counts, every booted worker, ranges; {} means no worker dies", () => {
    expect(only({ deaths: { causes: { timeout: 1 } } }).pass).toBe(true);
    expect(only({ deaths: { causes: { timeout: { min: 1, max: 2 } } } }).pass).toBe(true);
    expect(only({ deaths: { causes: { timeout: { min: 2 } } } })).toMatchObject({ expected: "2+ timeout (critical)", pass: false });
    expect(only({ deaths: { causes: { timeout: "all-booted" } } })).toMatchObject({ pass: false });
    expect(only({ deaths: { causes: {} } })).toMatchObject({ expected: "no worker dies", pass: false });
    expect(only({ deaths: { causes: {} } }, { deaths: [] })).toMatchObject({ observed: "no worker died", pass: true });
  });

  it("banners: each death's banner for its pid, the blocking call the ABORT banner names", () => {
    const results = judge({ banners: { asDue: true, blockingCall: "block_event_loop" } });
    expect(results).toMatchObject([
      { name: "banners", expected: `ABORT for ${pid}`, observed: "each printed, for its pid", pass: true },
      { name: "ABORT banner names the blocking call", expected: "block_event_loop", pass: true },
    ]);
    expect(judge({ banners: { asDue: true, blockingCall: "some_other_function" } })[1]!.pass).toBe(false);
  });

  it("banners: a missing banner and an absent ABORT banner are reported as such", () => {
    const withoutBanners = timeoutRun.observed.events.filter((e) => e.kind !== "banner");
    const missing = timeoutRun.observed.banners.checks.map((c) => ({ ...c, seen: [], missing: c.expected }));
    const results = judge(
      { banners: { asDue: true, blockingCall: "block_event_loop" } },
      { events: withoutBanners, banners: { declared: ALL, checks: missing, unexpected: [], seen: [] } },
    );
    expect(results).toMatchObject([
      { name: "banners", observed: `missing: ABORT for ${pid} (${NO_BANNER})`, pass: false },
      { name: "ABORT banner names the blocking call", observed: "no ABORT banner", pass: false },
    ]);
    // Under gunicorn's asgi worker the reason differs: worker_int runs on SIGINT/SIGQUIT only, worker_abort never on a blocked loop.
    const underAsgi = judge(
      { banners: { asDue: true } },
      { events: withoutBanners, banners: { declared: ALL, checks: missing, unexpected: [], seen: [] }, workerClass: "asgi" },
    );
    expect(underAsgi[0]!.observed).toBe(
      `missing: ABORT for ${pid} (no INTERRUPT or ABORT banner printed at all: under gunicorn's asgi worker, SIGTERM does not call worker_int ` +
        "(only SIGINT/SIGQUIT do), and a worker whose event loop is blocked never runs worker_abort)",
    );
    // When some banner printed, the missing one is only missing.
    const partly = judge(
      { banners: { asDue: true } },
      { banners: { declared: ALL, checks: missing, unexpected: [], seen: timeoutRun.observed.banners.seen } },
    );
    expect(partly[0]!.observed).toBe(`missing: ABORT for ${pid}`);
  });

  it("banners: one printed for a pid that did not call for it is unexpected", () => {
    const result = only(
      { banners: { asDue: true } },
      {
        banners: {
          declared: ALL,
          checks: [],
          unexpected: [{ pid: 99, kind: "kill", title: "x" }],
          seen: timeoutRun.observed.banners.seen,
        },
      },
    );
    expect(result).toMatchObject({ observed: "unexpected: SIGKILL/OOM for 99", pass: false });
  });

  it("banners: an app that declares none owes none; the row says so, with advice on gunicorn's hooks, and passes", () => {
    const none = {
      declared: [],
      checks: timeoutRun.observed.banners.checks.map((c) => ({ ...c, expected: [], missing: [] })),
      unexpected: [],
      seen: [],
    };
    expect(only({ banners: { asDue: true } }, { banners: none })).toEqual({
      name: "banners",
      expected: "none declared",
      observed:
        "none declared (advice: gunicorn's design calls worker_abort for 1 here; under UvicornWorker it runs neither hook: " +
        "the drop-in docker/dropin/uvicorn_worker_hooks.py makes them run (docs/banners.md))",
      pass: true,
    });
    expect(only({ banners: { asDue: true } }, { banners: none, deaths: [] }).observed).toBe("none declared");
  });

  it("banners: what a banner says is judged only where the target declares that banner (the seed declares no SIGKILL one)", () => {
    const seedLike = { declared: ["interrupt", "abort"] as BannerKind[], checks: [], unexpected: [], seen: [] };
    expect(judge({ banners: { asDue: true, oomConfirmed: true } }, { banners: seedLike, deaths: [] }).map((r) => r.name)).toEqual([
      "banners",
    ]);
    const interruptOnly = { ...seedLike, declared: ["interrupt"] as BannerKind[] };
    expect(judge({ banners: { asDue: true, blockingCall: "f" } }, { banners: interruptOnly, deaths: [] }).map((r) => r.name)).toEqual([
      "banners",
    ]);
  });

  it("banners: a missing SIGKILL banner is the drop-in's, not a gunicorn hook's", () => {
    const killed = [{ pid: 7, expected: ["kill" as const], seen: [], missing: ["kill" as const] }];
    const result = only({ banners: { asDue: true } }, { banners: { declared: ALL, checks: killed, unexpected: [], seen: [] } });
    expect(result.observed).toBe(
      "missing: SIGKILL/OOM for 7 (no SIGKILL banner printed: it comes from the drop-in's child_exit " +
        "(docker/dropin/uvicorn_worker_hooks.py), so check that the config ends with install(globals()))",
    );
    expect(result.observed).not.toMatch(/worker_int|worker_abort/);
  });

  it("keep-alive race: a run whose load missed the race is inconclusive, neither a pass nor a failure", () => {
    const load = timeoutRun.observed.load!;
    const clean = { ...load, errors: { timeout: 0, reset: 0, refused: 0, closed: 0, other: 0 }, non2xx: 0, noResponse: [] };
    const result = only({ keepaliveRace: true }, { keepalive: { gunicornS: 1, balancerIdleS: 30 }, load: clean, events: [] });
    expect(result).toMatchObject({ name: "keep-alive race", pass: false, inconclusive: true });
    expect(result.observed).toMatch(/^none lost: the race was not hit/);
    // With the fix, none lost is the pass it always was.
    expect(only({ keepaliveRace: true }, { keepalive: { gunicornS: 35, balancerIdleS: 30 }, load: clean, events: [] })).toMatchObject({
      observed: "none lost",
      pass: true,
    });
  });

  it("requests: k6-style thresholds on what users saw, and a clear failure when no load ran", () => {
    const load = timeoutRun.observed.load!;
    expect(only({ requests: { thresholds: { "requests.completed": `== ${load.completed}` } } }).pass).toBe(true);
    expect(judge({ requests: { thresholds: { "latency.p99": ["> 0", "< 0"] } } }).map((r) => r.pass)).toEqual([true, false]);
    expect(only({ requests: { thresholds: { "errors.timeout": "== 0" } } }, { load: undefined })).toEqual({
      name: "errors.timeout",
      expected: "== 0",
      observed: "no load ran",
      pass: false,
    });
  });

  it("recovery: workers and /health within the bound, or why not", () => {
    const expectation = { recovery: { workers: "configured" as const, withinS: 5 } };
    expect(only(expectation, { recovery: { workers: 2, healthy: true, afterS: 0.4 } })).toMatchObject({
      observed: "2 workers, the health path answering after 0.4 s",
      pass: true,
    });
    expect(only(expectation, { recovery: { workers: 1, healthy: false, afterS: undefined } })).toMatchObject({
      observed: "1 workers, the health path failing at 5 s",
      pass: false,
    });
    expect(only(expectation, { recovery: undefined })).toMatchObject({ observed: "not checked (the app was gone)", pass: false });
  });

  it("boot: must fail within the bound, saying why", () => {
    const boot = { boot: { fails: true as const, withinS: 5, reason: "database unreachable" } };
    expect(only(boot)).toMatchObject({ observed: "it booted", pass: false });
    expect(only(boot, { bootFailure: { afterS: 3.2, message: "The app did not become ready: database unreachable" } })).toMatchObject({
      observed: "failed after 3.2 s: The app did not become ready: database unreachable",
      pass: true,
    });
    expect(only(boot, { bootFailure: { afterS: 9, message: "database unreachable" } }).pass).toBe(false);
    expect(only(boot, { bootFailure: { afterS: 1, message: "it crashed" } }).observed).toBe("failed after 1.0 s, but nothing said why");
  });

  it("workers booted, an exit line for every worker, the master's shutdown", () => {
    const { booted } = timeoutRun.observed.roster;
    expect(only({ workersBooted: "configured" })).toMatchObject({ expected: "2 distinct pids", pass: true });
    expect(only({ workersBooted: 3 }).pass).toBe(false);
    const everyExit = only({ everyWorkerExited: true });
    expect(everyExit.pass).toBe(false);
    expect(everyExit.observed).toMatch(new RegExp(`^1 \\(none for ${booted.filter((p) => p !== pid).join(", ")}\\)$`));
    expect(only({ masterShutdown: false })).toMatchObject({ observed: "not logged", pass: true });
    expect(only({ masterShutdown: true }).pass).toBe(false);
  });
});
