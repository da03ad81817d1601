import { z } from "zod";
import type { LoadResult } from "../load/load-result.ts";
import { totalErrors } from "../load/load-result.ts";

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
  /** Requests cut mid-flight: reset plus closed. */
  "errors.cut": (r: LoadResult) => r.errors.reset + r.errors.closed,
  throughput: (r: LoadResult) => Math.round((r.completed / Math.max(0.001, (r.endedAt - r.startedAt) / 1000)) * 10) / 10,
} as const;

export type MetricName = keyof typeof METRICS | `app.${string}` | `status.${number}`;
const CONDITION = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
/** Beyond the fixed metrics: `app.<kind>` (failed responses by the app's error kind) and `status.<code>`. */
const DYNAMIC_METRIC = /^(app\.[a-z0-9-]+|status\.\d{3})$/;

const condition = z.string().regex(CONDITION, 'a condition is an operator and a number, e.g. "< 500" or "== 0"');

export const thresholdsSchema = z.record(
  z.string().refine((name) => Object.hasOwn(METRICS, name) || DYNAMIC_METRIC.test(name), {
    message: `unknown metric; use one of ${Object.keys(METRICS).join(", ")}, app.<error-kind> or status.<code>`,
  }),
  z.union([condition, z.array(condition).min(1)]),
);

function metricValue(metric: MetricName, result: LoadResult): number {
  if (metric.startsWith("app.")) return result.appErrors[metric.slice(4)] ?? 0;
  if (metric.startsWith("status.")) return result.status[metric.slice(7)] ?? 0;
  return METRICS[metric as keyof typeof METRICS](result);
}

export function checkThreshold(metric: MetricName, condition: string, result: LoadResult): { observed: number; pass: boolean } {
  const [, op, limitText] = CONDITION.exec(condition)!;
  const observed = metricValue(metric, result);
  const limit = Number(limitText);
  const pass = { "<": observed < limit, "<=": observed <= limit, ">": observed > limit, ">=": observed >= limit, "==": observed === limit }[
    op!
  ]!;
  return { observed, pass };
}
