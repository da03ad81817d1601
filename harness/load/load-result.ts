import type { LatencySummary } from "./latency.ts";

export interface ErrorCounts {
  /** No response within the profile's timeout. */
  timeout: number;
  /** Connection reset or broken pipe: the worker died or closed mid-request. */
  reset: number;
  /** Nothing listening: connection refused. */
  refused: number;
  /** The server closed the connection with the request unanswered (a worker exiting mid-request). */
  closed: number;
  other: number;
}

export interface TimelinePoint {
  /** Seconds since the load started (0 = the first second). */
  second: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: ErrorCounts;
  latencyMs: LatencySummary;
}

export interface LoadResult {
  target: string;
  startedAt: number;
  endedAt: number;
  stoppedBy: "duration" | "max-requests" | "aborted";
  completed: number;
  ok: number;
  non2xx: number;
  status: Record<string, number>;
  errors: ErrorCounts;
  /** Over every response, whatever its status: what users waited. */
  latencyMs: LatencySummary;
  /** Failed responses by the app's own error kind (`{"error": "db-pool-timeout"}`), else `http-<status>`. */
  appErrors: Record<string, number>;
  timeline: TimelinePoint[];
}

export const noErrors = (): ErrorCounts => ({ timeout: 0, reset: 0, refused: 0, closed: 0, other: 0 });

export function totalErrors(errors: ErrorCounts): number {
  return errors.timeout + errors.reset + errors.refused + errors.closed + errors.other;
}
