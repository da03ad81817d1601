import type { Histogram } from "hdr-histogram-js";
import { mergeHistograms, newLatencyHistogram, summarize } from "./latency.ts";
import { type ErrorCounts, type LoadResult, noErrors, type TimelinePoint } from "./load-result.ts";

/** One second of load: its counts, and an HDR histogram of its latencies. */
export interface Bucket {
  completed: number;
  ok: number;
  non2xx: number;
  errors: ErrorCounts;
  histogram: Histogram;
}

/** Per-second buckets from a start time: `now()` is the bucket of the current second, created as time passes. */
export class Buckets {
  readonly all: Bucket[] = [];

  constructor(
    private readonly clock: () => number,
    private readonly start: number,
  ) {}

  now(): Bucket {
    const second = Math.floor((this.clock() - this.start) / 1000);
    while (this.all.length <= second)
      this.all.push({ completed: 0, ok: 0, non2xx: 0, errors: noErrors(), histogram: newLatencyHistogram() });
    return this.all[second]!;
  }

  /** Calls `onSecond` once for each second that ended since the last call. */
  reportEnded(onSecond: ((point: TimelinePoint) => void) | undefined, reported: number): number {
    const current = Math.floor((this.clock() - this.start) / 1000);
    while (reported < current && onSecond) {
      this.now();
      onSecond(toPoint(this.all[reported]!, reported));
      reported++;
    }
    return reported;
  }

  timeline(): TimelinePoint[] {
    return this.all.map(toPoint);
  }

  /** The whole load's figures, added up over the seconds: what a LoadResult reports beside its timeline. */
  totals(): Pick<LoadResult, "timeline" | "completed" | "ok" | "non2xx" | "errors" | "latencyMs"> {
    const timeline = this.timeline();
    return {
      timeline,
      completed: timeline.reduce((n, p) => n + p.completed, 0),
      ok: timeline.reduce((n, p) => n + p.ok, 0),
      non2xx: timeline.reduce((n, p) => n + p.non2xx, 0),
      errors: sumErrors(timeline),
      latencyMs: summarize(mergeHistograms(this.all.map((b) => b.histogram))),
    };
  }
}

function toPoint(bucket: Bucket, second: number): TimelinePoint {
  return {
    second,
    completed: bucket.completed,
    ok: bucket.ok,
    non2xx: bucket.non2xx,
    errors: { ...bucket.errors },
    latencyMs: summarize(bucket.histogram),
  };
}

/** The timeline's errors added up. */
function sumErrors(timeline: readonly TimelinePoint[]): ErrorCounts {
  const errors = noErrors();
  for (const point of timeline) for (const kind of Object.keys(errors) as Array<keyof ErrorCounts>) errors[kind] += point.errors[kind];
  return errors;
}

/** The app's own error kind in a failed response's JSON body (`{"error": "db-pool-timeout"}`), if it names one. */
export function errorKindOf(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === "string" && /^[a-z0-9-]{1,40}$/.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}
