import { z } from "zod";
import type { LoadResult } from "../load/run-load.ts";
import { totalErrors } from "../load/run-load.ts";

/** Metrics a threshold can name, k6-style: `{"latency.p99": "< 500"}` (milliseconds, counts, requests/s). */
export const METRICS = {
  "latency.p50": (r: LoadResult) => r.latencyMs.p50,
  "latency.p90": (r: LoadResult) => r.latencyMs.p90,
  "latency.p99": (r: LoadResult) => r.latencyMs.p99,
  "latency.max": (r: LoadResult) => r.latencyMs.max,
  "requests.completed": (r: LoadResult) => r.completed,
  "requests.ok": (r: LoadResult) => r.ok,
  "requests.non2xx": (r: LoadResult) => r.non2xx,
  "requests.5xx": (r: LoadResult) => Object.entries(r.status).reduce((n, [code, count]) => (code.startsWith("5") ? n + count : n), 0),
  "errors.total": (r: LoadResult) => totalErrors(r.errors),
  "errors.timeout": (r: LoadResult) => r.errors.timeout,
  "errors.reset": (r: LoadResult) => r.errors.reset,
  "errors.refused": (r: LoadResult) => r.errors.refused,
  "errors.closed": (r: LoadResult) => r.errors.closed,
  throughput: (r: LoadResult) => Math.round((r.completed / Math.max(0.001, (r.endedAt - r.startedAt) / 1000)) * 10) / 10,
} as const;

export type MetricName = keyof typeof METRICS;
const CONDITION = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export const thresholdsSchema = z.partialRecord(
  z.enum(Object.keys(METRICS) as [MetricName, ...MetricName[]]),
  z.string().regex(CONDITION, 'a condition is an operator and a number, e.g. "< 500" or "== 0"'),
);

export function checkThreshold(metric: MetricName, condition: string, result: LoadResult): { observed: number; pass: boolean } {
  const [, op, limitText] = CONDITION.exec(condition)!;
  const observed = METRICS[metric](result);
  const limit = Number(limitText);
  const pass = { "<": observed < limit, "<=": observed <= limit, ">": observed > limit, ">=": observed >= limit, "==": observed === limit }[
    op!
  ]!;
  return { observed, pass };
}
