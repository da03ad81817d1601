import { describe, expect, it } from "vitest";
import { type ConfigurationResult, unmeasuredConfiguration } from "./capacity-result.ts";
import type { SearchOutcome, TrialVerdict } from "./search.ts";
import { parseSlo } from "./slo.ts";
import { compareRounds, confidenceOf, judgeReport, withoutProcessAccess } from "./verdicts.ts";

const round = (label: string, capacityRps: number, error?: string): ConfigurationResult =>
  ({
    label,
    role: label.startsWith("reference") ? "reference" : "candidate",
    capacityRps,
    ...(error && { error }),
  }) as ConfigurationResult;

describe("the A B B A comparison", () => {
  it("flags a drop larger than the spread between rounds of the same build", () => {
    const [verdict] = compareRounds("app:1.4", [
      round("reference #1", 400),
      round("candidate #1", 300),
      round("candidate #2", 310),
      round("reference #2", 405),
    ]).byConfiguration;
    expect(verdict).toMatchObject({
      configuration: "default",
      referenceRps: [400, 405],
      candidateRps: [300, 310],
      spreadRps: 10,
      dropRps: 97.5,
      regression: true,
    });
    expect(verdict!.verdict).toMatch(
      /^regression: 97\.5 req\/s lower \(24 %\), beyond the 20\.1 req\/s that rounds of one build differ by \(spread 10, at least 5 %\)/,
    );
  });

  it("does not flag a drop within the spread, nor a faster candidate", () => {
    const within = compareRounds("x", [
      round("reference #1", 190),
      round("candidate #1", 168),
      round("candidate #2", 192),
      round("reference #2", 191),
    ]);
    expect(within.byConfiguration[0]).toMatchObject({ regression: false, spreadRps: 24 });
    const faster = compareRounds("x", [
      round("reference #1", 100),
      round("candidate #1", 150),
      round("candidate #2", 152),
      round("reference #2", 101),
    ]);
    expect(faster.byConfiguration[0]!.verdict).toMatch(/no regression: the candidate sustains 50\.5 req\/s more/);
  });

  it("keeps configurations apart, and does not judge one with a round missing", () => {
    const verdicts = compareRounds("x", [
      round("reference workers=1 #1", 200),
      round("candidate workers=1 #1", 100),
      round("candidate workers=1 #2", 100),
      round("reference workers=1 #2", 200),
      round("reference workers=2 #1", 400),
      round("candidate workers=2 #1", 0, "the app did not start"),
      round("candidate workers=2 #2", 380),
      round("reference workers=2 #2", 400),
    ]).byConfiguration;
    expect(verdicts.map((v) => [v.configuration, v.regression])).toEqual([
      ["workers=1", true],
      ["workers=2", false],
    ]);
    expect(verdicts[1]!.verdict).toBe("not judged: a round could not be measured");
  });
});

const plan = { slo: parseSlo("p99<=250ms,errors<=0.1%") };
type Trial = ConfigurationResult["trials"][number];
const trial = (rateRps: number, verdict: { met: boolean; inconclusive?: string }): Trial => ({
  phase: "search",
  rateRps,
  durationS: 2,
  missed: verdict.met || verdict.inconclusive ? [] : ["p99 900 ms > 250 ms"],
  achievedRps: rateRps,
  errorRatio: 0,
  latencyMs: { count: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1 },
  lateStarts: 0,
  notStarted: 0,
  generator: { scheduleLagP99Ms: 0, cpuShare: 0 },
  ...verdict,
});

describe("the capacity verdict", () => {
  it("is inconclusive, not a 0 req/s failure, when no trial judged the build", () => {
    const noTrial = { ...unmeasuredConfiguration("workers=2") };
    expect(judgeReport(plan, [noTrial], null)).toEqual({
      status: "inconclusive",
      summary:
        "no trial judged workers=2: the time budget was too short for a single trial (give a longer --budget, or run it on a quieter machine)",
    });
    const lagged = {
      ...unmeasuredConfiguration("workers=2"),
      // The closed-loop peak only brackets the search: it judges nothing.
      trials: [
        { ...trial(2812, { met: true }), phase: "peak" as const },
        trial(2144, { met: false, inconclusive: "lagged 40 %" }),
        trial(2144, { met: false, inconclusive: "lagged 38 %" }),
      ],
    };
    expect(judgeReport(plan, [lagged], null)).toMatchObject({
      status: "inconclusive",
      summary: expect.stringMatching(/its 2 trial\(s\) were inconclusive/),
    });
  });

  it("still fails a build that no judged rate met", () => {
    const failing = { ...unmeasuredConfiguration("workers=2"), trials: [trial(50, { met: false })] };
    expect(judgeReport(plan, [failing], null)).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(/^no rate tried met /),
    });
  });
});

const outcome = (more: Partial<SearchOutcome<TrialVerdict>>): SearchOutcome<TrialVerdict> => ({
  capacityRps: 400,
  firstFailRps: 420,
  confirmed: true,
  generatorLimited: false,
  trials: [
    { rateRps: 420, durationS: 3, phase: "search", met: false },
    { rateRps: 400, durationS: 8, phase: "confirm", met: true },
  ],
  ...more,
});
const workerCpu = { kind: "worker-cpu" as const, summary: "the workers' CPU", evidence: [] };

describe("the confidence in a capacity", () => {
  it("is high when a longer trial confirmed a narrow bracket and the limit is known", () => {
    expect(confidenceOf(outcome({}), workerCpu)).toEqual({
      confidence: "high",
      confidenceWhy: ["confirmed by a longer trial, bracketed 400–420 req/s, the generator on schedule, the limit identified"],
    });
  });

  it("is medium on a wide bracket, and low when nothing confirmed the answer", () => {
    expect(confidenceOf(outcome({ firstFailRps: 600 }), workerCpu)).toEqual({
      confidence: "medium",
      confidenceWhy: ["the bracket is wide (400–600 req/s)"],
    });
    expect(confidenceOf(outcome({ confirmed: false, generatorLimited: true }), workerCpu)).toMatchObject({
      confidence: "low",
      confidenceWhy: ["no longer trial confirmed the answer", expect.stringMatching(/^the load generator lagged its schedule/)],
    });
  });

  it("calls a search unsteady when a rate failed below one that met", () => {
    const unsteady = outcome({
      trials: [
        { rateRps: 300, durationS: 3, phase: "search", met: false },
        { rateRps: 400, durationS: 8, phase: "confirm", met: true },
      ],
    });
    expect(confidenceOf(unsteady, workerCpu).confidenceWhy).toContainEqual(
      expect.stringMatching(/^unsteady: 300 req\/s failed while 400 req\/s met/),
    );
  });
});

describe("the limit, against --url", () => {
  const failing = {
    ...trial(420, { met: false }),
    resources: { workerCpu: {}, machineCpu: 0.5, machineCores: 2, oomKills: 0, poolTimeouts: 0 },
  };

  it("keeps what a stack's processes showed, and what the machine or the responses showed without them", () => {
    expect(withoutProcessAccess(workerCpu, failing, true)).toBe(workerCpu);
    const pool = { kind: "db-pool" as const, summary: "pool timeouts", evidence: [] };
    expect(withoutProcessAccess(pool, failing, false)).toBe(pool);
  });

  it("says it cannot see the service's processes rather than guess", () => {
    expect(withoutProcessAccess(workerCpu, failing, false)).toEqual({
      kind: "unknown",
      summary: "not known: with --url the harness cannot see the service's processes",
      evidence: ["the machine: 50 % of 2 cores busy"],
    });
    expect(withoutProcessAccess(undefined, undefined, false).summary).toBe("nothing failed within the rates tried");
  });
});
