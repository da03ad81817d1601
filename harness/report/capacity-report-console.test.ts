import { describe, expect, it } from "vitest";
import { type CapacityReport, unmeasuredConfiguration } from "../capacity/capacity-result.ts";
import { CapacityConsoleReporter } from "./capacity-report-console.ts";

const measured = {
  ...unmeasuredConfiguration("workers=2"),
  capacityRps: 412,
  firstFailRps: 425,
  atCapacity: {
    offeredRps: 412,
    achievedRps: 410,
    errorRatio: 0,
    latencyMs: { count: 1, p50: 20, p90: 60, p99: 180, max: 200, mean: 30 },
    durationS: 8,
  },
  limiting: { kind: "worker-cpu" as const, summary: "the workers' CPU", evidence: [] },
  confidence: "high" as const,
};
const report = {
  runId: "capacity-test",
  status: "passed",
  summary: "workers=2: 412 req/s under p99<=250ms",
  configurations: [measured, { ...unmeasuredConfiguration("workers=4"), error: "the app did not start" }],
  comparison: null,
} as unknown as CapacityReport;

describe("the capacity console reporter", () => {
  it("prints each configuration, then the status, and writes no file", () => {
    let text = "";
    const out = {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    } as NodeJS.WritableStream;
    expect(new CapacityConsoleReporter(out).onCapacityEnd({ report, dir: "never-written" })).toBeUndefined();
    expect(text).toBe(
      `${"workers=2".padEnd(28)} 412 req/s (first failure: 425) — at it: p99 180 ms, 410/412 req/s answered; limit: the workers' CPU; high confidence\n` +
        `${"workers=4".padEnd(28)} ERROR the app did not start\n` +
        "PASSED: workers=2: 412 req/s under p99<=250ms\n",
    );
  });
});
