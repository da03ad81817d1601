import { describe, expect, it } from "vitest";
import type { ConfigurationResult } from "./capacity-result.ts";
import { blank, judgeReport } from "./run-capacity.ts";
import { parseSlo } from "./slo.ts";

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
    const noTrial = { ...blank("workers=2") };
    expect(judgeReport(plan, [noTrial], null)).toEqual({
      status: "inconclusive",
      summary:
        "no trial judged workers=2: the time budget was too short for a single trial (give a longer --budget, or run it on a quieter machine)",
    });
    const lagged = {
      ...blank("workers=2"),
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
    const failing = { ...blank("workers=2"), trials: [trial(50, { met: false })] };
    expect(judgeReport(plan, [failing], null)).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(/^no rate tried met /),
    });
  });
});
