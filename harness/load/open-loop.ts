import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Client } from "undici";
import { assertLoopbackUrl } from "../core/loopback.ts";
import { Buckets, errorKindOf } from "./buckets.ts";
import { newLatencyHistogram, recordLatency, summarize } from "./latency.ts";
import { type ErrorCounts, keepNoResponse, type LoadOptions, type LoadResult, type OpenLoopFacts } from "./load-result.ts";

/** A request the generator itself started later than this (its timers, not a busy connection) was not on schedule. */
export const MAX_SCHEDULE_LAG_MS = 10;
/**
 * More late starts than this share of the schedule (and more than MAX_LATE_STARTS) make a run inconclusive:
 * the rate was not really offered. A stall or two of a busy machine does not (its requests' latency, measured
 * from their intended start, already carries the stall).
 */
const MAX_LATE_SHARE = 0.02;
const MAX_LATE_STARTS = 5;
/** At most this many requests are started in one timer turn, so that responses are read while it catches up. */
const MAX_BATCH = 512;
/** Connections opened up front (at most the profile's), so that even a low rate rotates over several. */
const WARM_CONNECTIONS = 16;

export interface OpenLoopProfile {
  /** Requests per second, started on a fixed schedule whatever the server does. */
  rate: number;
  durationS: number;
  maxRequests: number;
  /** At most this many requests in flight (one connection each); a request due while all are busy waits, and is counted late. */
  connections: number;
  timeoutS: number;
  /** Resolved paths and their weights. */
  requests: ReadonlyArray<{ path?: string; method: string; weight: number }>;
}

interface Due {
  index: number;
  /** performance.now() when it should start. */
  intended: number;
}

/**
 * Open-loop load: request i starts at start + i/rate whatever the server does, so a slow server gets a
 * queue, not fewer requests. Each latency is measured from the request's intended start (no coordinated
 * omission); one that had to wait for a free connection is counted late; one still waiting when the run
 * ends is counted as not started (and as a timeout: its user never got an answer). The generator reports
 * its own schedule lag and CPU; when it lagged, the run says so (`openLoop.inconclusive`).
 */
export async function runOpenLoop(baseUrl: string, profile: OpenLoopProfile, options: LoadOptions = {}): Promise<LoadResult> {
  assertLoopbackUrl(baseUrl);
  const unresolved = profile.requests.find((r) => !r.path);
  if (unresolved) throw new Error("the open-loop load names a role: resolve it against a target first (fitScenario)");
  if (!(profile.rate > 0)) throw new Error(`the rate must be above 0 requests/s (got ${profile.rate})`);
  const mix = profile.requests.flatMap((r) => Array.from({ length: r.weight }, () => ({ path: r.path!, method: r.method })));
  const total = Math.max(0, Math.min(profile.maxRequests, Math.floor(profile.rate * profile.durationS)));
  const intervalMs = 1000 / profile.rate;
  const timeoutMs = profile.timeoutS * 1000;
  const origin = new URL(baseUrl).origin;
  const pool = new ConnectionRing(
    origin,
    { pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
    profile.connections,
  );

  const startedAt = Date.now();
  const t0 = performance.now();
  const buckets = new Buckets(() => performance.now(), t0);
  const scheduleLag = newLatencyHistogram();
  const service = newLatencyHistogram();
  const status: Record<string, number> = {};
  const appErrors: Record<string, number> = {};
  const noResponse: NonNullable<LoadResult["noResponse"]> = [];
  const waiting: Due[] = [];
  let next = 0;
  let sent = 0;
  let late = 0;
  let offSchedule = 0;
  let inFlight = 0;
  let completedInWindow = 0;
  let finished = false;
  let stoppedBy: LoadResult["stoppedBy"] = total < Math.floor(profile.rate * profile.durationS) ? "max-requests" : "duration";
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const windowEnd = t0 + profile.durationS * 1000;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();

  let stopped = false;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const finishedAll = () => next >= total && waiting.length === 0 && inFlight === 0;
  const send = (due: Due) => {
    inFlight++;
    sent++;
    const sentAt = performance.now();
    const request = mix[due.index % mix.length]!;
    const client = pool.take();
    const done = (statusCode: number | undefined, error?: Error & { code?: string }) => {
      // Once the run is over, what is still in flight is counted once, below, and destroyed: not again here.
      if (finished) return;
      const end = performance.now();
      pool.give(client);
      const bucket = buckets.now();
      inFlight--;
      if (end <= windowEnd && statusCode !== undefined) completedInWindow++;
      if (statusCode === undefined) {
        const kind = errorKind(error!);
        bucket.errors[kind]++;
        keepNoResponse(noResponse, kind);
      } else {
        bucket.completed++;
        if (statusCode >= 200 && statusCode < 300) bucket.ok++;
        else bucket.non2xx++;
        status[statusCode] = (status[statusCode] ?? 0) + 1;
        recordLatency(bucket.histogram, end - due.intended);
        recordLatency(service, end - sentAt);
      }
      const queued = waiting.shift();
      if (queued && !stopped) send(queued);
      if (finishedAll() || (stopped && inFlight === 0)) settle();
    };
    // undici's dispatch API: no body stream, no promise per request (a third of the CPU of request()).
    let statusCode = 0;
    let body: Buffer[] | undefined;
    client.dispatch(
      { path: request.path, method: request.method as "GET", origin: origin },
      {
        onRequestStart: () => {},
        onResponseStart: (_controller, code) => {
          statusCode = code;
          if (code >= 400) body = [];
        },
        onResponseData: (_controller, chunk) => {
          if (body && body.length < 16) body.push(chunk);
        },
        onResponseEnd: () => {
          if (body) {
            const kind = errorKindOf(Buffer.concat(body).toString("utf8")) ?? `http-${statusCode}`;
            appErrors[kind] = (appErrors[kind] ?? 0) + 1;
          }
          done(statusCode);
        },
        onResponseError: (_controller, error) => done(undefined, error as Error & { code?: string }),
      },
    );
  };

  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const now = performance.now();
    let batch = 0;
    while (next < total && t0 + next * intervalMs <= now && batch < MAX_BATCH) {
      const due = { index: next, intended: t0 + next * intervalMs };
      recordLatency(scheduleLag, now - due.intended);
      if (now - due.intended > MAX_SCHEDULE_LAG_MS) offSchedule++;
      next++;
      batch++;
      if (inFlight < profile.connections) send(due);
      else {
        late++;
        waiting.push(due);
      }
    }
    if (next < total) {
      const wait = t0 + next * intervalMs - performance.now();
      timer = batch >= MAX_BATCH ? setImmediate(tick) : setTimeout(tick, Math.max(0, wait));
    } else if (finishedAll()) settle();
  };
  tick();

  // Stops by itself: the schedule ends at durationS, then in-flight and waiting requests get `timeoutS` to finish.
  const stop = (reason: LoadResult["stoppedBy"]) => {
    if (stopped) return;
    stopped = true;
    if (reason === "aborted") stoppedBy = reason;
    if (timer) {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    }
    settle();
  };
  const onAbort = () => stop("aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const drainBound = setTimeout(() => stop(stoppedBy), profile.durationS * 1000 + timeoutMs + 1000);
  let reported = 0;
  const ticker = setInterval(() => (reported = buckets.reportEnded(options.onSecond, reported)), 250);

  await settled;
  finished = true;
  clearTimeout(drainBound);
  clearInterval(ticker);
  options.signal?.removeEventListener("abort", onAbort);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - t0;
  loopDelay.disable();
  // Whatever is still queued or in flight now never got an answer in time.
  // Aborted: the requests not yet due were never meant to start; otherwise the schedule owed them too.
  const notStarted = waiting.length + (options.signal?.aborted ? 0 : total - next);
  const unanswered = inFlight;
  await pool.destroy();

  const totals = buckets.totals();
  totals.errors.timeout += unanswered + (options.signal?.aborted ? 0 : notStarted);
  const lag = summarize(scheduleLag);
  const cpuShare = (cpu.user + cpu.system) / 1000 / wallMs;
  const openLoop: OpenLoopFacts = {
    offeredRps: profile.rate,
    scheduled: total,
    sent,
    lateStarts: late,
    notStarted,
    achievedRps: Math.round((completedInWindow / profile.durationS) * 10) / 10,
    serviceMs: summarize(service),
    generator: {
      scheduleLagMs: lag,
      cpuShare: Math.round(cpuShare * 1000) / 1000,
      eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
    },
  };
  if (offSchedule > MAX_LATE_STARTS && offSchedule > MAX_LATE_SHARE * next) {
    openLoop.inconclusive =
      `the generator itself started ${offSchedule} of ${next} requests more than ${MAX_SCHEDULE_LAG_MS} ms late (p99 ${lag.p99} ms, ` +
      `${Math.round(cpuShare * 100)} % of a core busy): what the server did at this rate is unknown`;
  }
  return { target: baseUrl, startedAt, endedAt: Date.now(), stoppedBy, status, appErrors, ...totals, noResponse, openLoop };
}

/**
 * One undici Client per connection, the least recently used first: requests rotate over the connections (and
 * so over the workers each reached), as wrk's do; undici's Pool would send most down its first one, to one
 * worker. At most `max`, the first WARM_CONNECTIONS made up front (they connect on first use).
 */
class ConnectionRing {
  private readonly idle: Client[] = [];
  private readonly all: Client[] = [];

  constructor(
    private readonly origin: string,
    private readonly options: Client.Options,
    private readonly max: number,
  ) {
    for (let i = 0; i < Math.min(max, WARM_CONNECTIONS); i++) this.idle.push(this.create());
  }

  /** An idle connection; the caller keeps no more than `max` requests in flight, so there always is one. */
  take(): Client {
    return this.idle.shift() ?? this.create();
  }

  give(client: Client): void {
    this.idle.push(client);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.all.map((client) => client.destroy().catch(() => {})));
  }

  private create(): Client {
    if (this.all.length >= this.max) throw new Error(`more than ${this.max} requests in flight`);
    const client = new Client(this.origin, this.options);
    this.all.push(client);
    return client;
  }
}

export function errorKind(error: Error & { code?: string }): keyof ErrorCounts {
  switch (error.code) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "timeout";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "ECONNREFUSED":
      return "refused";
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "closed";
    default:
      return "other";
  }
}
