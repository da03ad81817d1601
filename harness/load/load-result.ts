import type { LatencySummary } from "./latency.ts";

export interface ErrorCounts {
  /** No response within the profile's timeout. */
  timeout: number;
  /** Connection reset or broken pipe: the worker died or closed mid-request. */
  reset: number;
  /** Nothing listening: connection refused. */
  refused: number;
  /**
   * The server closed the connection with the request unanswered (a worker exiting mid-request). Never a request written
   * after a `Connection: close` response: every generator here honours that header and sends it on a new connection.
   */
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
  /**
   * Requests that got no response at all, each with when it failed (epoch ms) and how (the first
   * MAX_FAILURES_KEPT): what lets a user-side error be traced to the moment, and so the deploy step, that caused it.
   */
  noResponse?: Array<{ at: number; error: keyof ErrorCounts }>;
  /** Present when the load was open-loop (a fixed rate): what was offered, and how well the generator kept to it. */
  openLoop?: OpenLoopFacts;
}

export interface OpenLoopFacts {
  offeredRps: number;
  /** Requests the schedule held (rate × duration, within the request bound). */
  scheduled: number;
  sent: number;
  /** Requests that found every allowed connection busy at their start time and waited for one. */
  lateStarts: number;
  /** Requests still waiting for a connection when the run ended: never sent, counted as timeouts. */
  notStarted: number;
  /** Answers (any status) received within the load window, per second of it. */
  achievedRps: number;
  /** Latency from when each request was actually sent: what a closed-loop tool would have reported. */
  serviceMs: LatencySummary;
  generator: {
    /** How late the generator itself started requests (its timers, not the server). */
    scheduleLagMs: LatencySummary;
    /** CPU the generator's process used, in cores (1 = one core busy). */
    cpuShare: number;
    eventLoopDelayP99Ms: number;
  };
  /** Set when the generator lagged: the run says nothing about the server. */
  inconclusive?: string;
}

/** What every load generator takes beside its profile. */
export interface LoadOptions {
  signal?: AbortSignal;
  /** Called once a second with the second that just ended. */
  onSecond?: (point: TimelinePoint) => void;
}

const MAX_FAILURES_KEPT = 1_000;

/** Keeps a request that got no response, with its time, up to MAX_FAILURES_KEPT. */
export function keepNoResponse(list: NonNullable<LoadResult["noResponse"]>, error: keyof ErrorCounts): void {
  if (list.length < MAX_FAILURES_KEPT) list.push({ at: Date.now(), error });
}

export const noErrors = (): ErrorCounts => ({ timeout: 0, reset: 0, refused: 0, closed: 0, other: 0 });

export function totalErrors(errors: ErrorCounts): number {
  return errors.timeout + errors.reset + errors.refused + errors.closed + errors.other;
}
