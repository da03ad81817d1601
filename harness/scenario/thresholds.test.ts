import { describe, expect, it } from "vitest";
import type { LoadResult } from "../load/load-result.ts";
import { checkThreshold, thresholdsSchema } from "./thresholds.ts";

const load = {
  startedAt: 0,
  endedAt: 10_000,
  completed: 1000,
  ok: 990,
  non2xx: 10,
  status: { "200": 990, "503": 7, "404": 3 },
  errors: { timeout: 2, reset: 1, refused: 0, closed: 0, other: 0 },
  latencyMs: { count: 1000, p50: 10, p90: 40, p99: 480, max: 900, mean: 20 },
} as unknown as LoadResult;

describe("thresholds", () => {
  it.each([
    ["latency.p99", "< 500", 480, true],
    ["latency.p99", "< 480", 480, false],
    ["latency.p99", "<= 480", 480, true],
    ["errors.total", "== 0", 3, false],
    ["errors.timeout", "== 2", 2, true],
    ["requests.5xx", "<= 7", 7, true],
    ["requests.non2xx", "> 10", 10, false],
    ["throughput", ">= 100", 100, true],
  ] as const)("%s %s", (metric, condition, observed, pass) => {
    expect(checkThreshold(metric, condition, load)).toEqual({ observed, pass });
  });

  it("rejects unknown metrics and malformed conditions with the reason", () => {
    const bad = thresholdsSchema.safeParse({ "latency.p42": "< 1", "latency.p99": "fast" });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(messages).toMatch(/latency\.p42/);
    expect(messages).toMatch(/latency\.p99: a condition is an operator and a number/);
  });
});
