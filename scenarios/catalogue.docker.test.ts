import { describe, expect, it } from "vitest";
import { BANNER_CALLED_FOR } from "../harness/classify/banners.ts";
import type { Cause } from "../harness/classify/causes.ts";
import { Progress } from "../harness/core/progress.ts";
import { type SuiteName, suiteWorkerLabel, type WorkerClass } from "../harness/images/suites.ts";
import { loadScenario, scenarioNames } from "../harness/scenario/catalogue.ts";
import { expectationsFor, type Scenario } from "../harness/scenario/define-scenario.ts";
import { type Expectations, evaluateExpectations } from "../harness/scenario/expectations.ts";
import { type RunScenarioOptions, runScenario } from "../harness/scenario/run-scenario.ts";

const quiet = (): Omit<RunScenarioOptions, "overrides"> => ({
  progress: new Progress(process.stderr, true),
  signal: new AbortController().signal,
});
const names = scenarioNames();

function failures(result: Awaited<ReturnType<typeof runScenario>>) {
  return result.expectations.filter((e) => !e.pass).map((e) => `${e.name}: expected ${e.expected}, observed ${e.observed}`);
}

/** Expectations that contradict what the run showed: every one must fail, naming what it saw instead. */
function wrongExpectations(expect: Expectations): Expectations {
  const causes = Object.keys(expect.deaths?.causes ?? {}) as Cause[];
  const other: Cause = causes.includes("crash") ? "unknown" : "crash";
  return {
    deaths: { causes: causes.length ? { [other]: 1 } : { timeout: 1 } },
    requests: { thresholds: { "requests.completed": "< 0" } },
  };
}

/**
 * What `npm test` runs, to stay under 20 minutes as the catalogue grows (docs/testing.md): every scenario on the default
 * suite (trixie, UvicornWorker), and on the other suites a fixed subset, one scenario per way a worker dies plus the
 * database path: bookworm (gunicorn 20) with UvicornWorker, sid (gunicorn 26) with gunicorn's own asgi worker, the one the
 * others cannot run. The nightly runs every scenario on every suite and worker class (`npm run nightly`).
 */
const EVERY_SUITE = ["worker-timeout", "oom", "stray-sigterm", "deploy", "slow-db"];
const SUITE_WORKERS: { suite: SuiteName; worker: WorkerClass; scenarios: string[] }[] = [
  { suite: "trixie", worker: "uvicorn", scenarios: names },
  { suite: "bookworm", worker: "uvicorn", scenarios: EVERY_SUITE },
  { suite: "sid", worker: "asgi", scenarios: EVERY_SUITE },
];

it("the subset every suite runs is made of scenarios that exist", () => {
  expect(EVERY_SUITE.filter((name) => !names.includes(name))).toEqual([]);
});

describe.each(SUITE_WORKERS.map((s) => ({ ...s, label: suiteWorkerLabel(s.suite, s.worker) })))(
  "the catalogue on $label",
  ({ suite, worker, scenarios }) => {
    it.each(scenarios)("%s holds every expectation, and fails wrong ones", async (name) => {
      const scenario = await loadScenario(name);
      const result = await runScenario(scenario, { ...quiet(), overrides: { suite, worker } });
      expect(result.error).toBeUndefined();
      // lb-keepalive's race is a timing one, rarely hit on a quiet machine: a run that missed it is inconclusive, and says so.
      const unjudged = result.expectations.filter((e) => e.inconclusive).map((e) => e.name);
      expect(unjudged).toEqual(name === "lb-keepalive" && unjudged.length ? ["keep-alive race"] : []);
      expect(failures(result).filter((f) => !unjudged.some((n) => f.startsWith(`${n}:`)))).toEqual([]);
      expect(result.status).toBe(unjudged.length ? "inconclusive" : "passed");
      expect(result.expectations.length).toBeGreaterThan(2);
      expect(result.unparsedLines).toBe(0);
      expect(result.endedAt - result.startedAt).toBeLessThan(30_000);

      // Honesty: the same observations judged against wrong expectations fail, and say what was seen.
      const wrong = evaluateExpectations(wrongExpectations(expectationsFor(scenario, suite, "demo", worker)), result.observed);
      expect(wrong.map((e) => e.pass)).toEqual(wrong.map(() => false));
      expect(wrong.find((e) => e.name === "deaths")!.observed).toMatch(/expected, 0 seen/);
    });
  },
);

// The seed config differs from the default only in the hooks a dying worker runs, and which hooks run depends only on how it
// dies. Where no worker dies, or none that owes a seed banner, the seed run would repeat the default one.
/** The seed declares INTERRUPT and ABORT: a way of dying that calls for neither (max-requests, an OOM kill, a boot failure) would repeat the default run. */
const owesASeedBanner = (causes: string[]) =>
  causes.some((cause) => ["interrupt", "abort"].includes(BANNER_CALLED_FOR[cause as Cause] ?? ""));
/**
 * With the seed config, one scenario per banner its hooks promise: stray-sigterm owes INTERRUPT (deploy owes it too,
 * and report.docker.test.ts runs deploy with the seed config), worker-timeout owes ABORT. The verdict's banner check is
 * the same for every cause that calls for the same banner, and harness/classify/classify.docker.test.ts proves every
 * way of dying with the seed config, per pid, on trixie and bookworm. (Once per way of dying took 6 runs, about 60 s.)
 */
const seedNames = ["stray-sigterm", "worker-timeout"];

it("the seed-config runs owe, between them, every banner the seed's hooks promise", async () => {
  const owed = new Set<string>();
  for (const name of seedNames) {
    const causes = Object.keys(expectationsFor(await loadScenario(name), "trixie", "demo").deaths?.causes ?? {}) as Cause[];
    for (const cause of causes) if (owesASeedBanner([cause])) owed.add(BANNER_CALLED_FOR[cause]!);
  }
  expect([...owed].sort()).toEqual(["abort", "interrupt"]);
});

describe("the catalogue with the seed config (the hooks as deployments write them)", () => {
  // The seed declares INTERRUPT and ABORT (its hooks), not the drop-in's SIGKILL banner: an OOM kill owes it nothing.
  it.each(seedNames)("%s: the declared banners its deaths call for are reported missing, and nothing else fails", async (name) => {
    const scenario = await loadScenario(name);
    const result = await runScenario(scenario, { ...quiet(), overrides: { config: "seed" } });
    expect(result.error).toBeUndefined();
    expect(result.observed.events.filter((e) => e.kind === "banner")).toEqual([]);
    const due = result.observed.banners.checks.filter((c) => c.expected.length > 0);
    const failed = result.expectations.filter((e) => !e.pass);
    if (due.length === 0) {
      expect(failures(result)).toEqual([]);
      return;
    }
    expect(result.status).toBe("failed");
    expect(failed.map((e) => e.name).every((n) => n === "banners" || n.startsWith("ABORT banner") || n.startsWith("SIGKILL banner"))).toBe(
      true,
    );
    expect(failed.find((e) => e.name === "banners")!.observed).toMatch(
      /^missing: .* \(no INTERRUPT or ABORT banner printed at all: under UvicornWorker, gunicorn's worker_int and worker_abort hooks never run\)$/,
    );
  });
});

describe("a wrong fault is caught", () => {
  it("worker-timeout with a request that only waits (no blocking) fails: no timeout death, no ABORT banner", async () => {
    const scenario = await loadScenario("worker-timeout");
    const unblocked: Scenario = { ...scenario, faults: [{ action: "request", at: 1, path: "/slow?ms=8000", timeoutS: 30 }] };
    const result = await runScenario(unblocked, quiet());
    expect(result.status).toBe("failed");
    const failed = Object.fromEntries(result.expectations.filter((e) => !e.pass).map((e) => [e.name, e.observed]));
    expect(failed.deaths).toMatch(/^no worker died — 1 timeout expected, 0 seen$/);
    expect(failed["ABORT banner names the blocking call"]).toBe("no ABORT banner");
  });
});
