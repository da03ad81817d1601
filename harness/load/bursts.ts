import { Client } from "undici";
import { assertLoopbackUrl } from "../core/loopback.ts";
import { sleep } from "../core/poll-until.ts";
import { Buckets, errorKindOf } from "./buckets.ts";
import { recordLatency } from "./latency.ts";
import type { LoadProfile } from "./load-profile.ts";
import { keepNoResponse, type LoadOptions, type LoadResult } from "./load-result.ts";
import { errorKind } from "./open-loop.ts";

type BurstShape = NonNullable<LoadProfile["bursts"]>;

/**
 * Bursts of concurrent requests separated by quiet gaps, timed to land on idle upstream connections
 * just as the server's keep-alive timer closes them (lb-keepalive). Burst n starts `gapS` plus an offset
 * after the previous burst's last answer; the offset sweeps `sweepMs` by `stepMs`, so a few bursts hit
 * the sub-millisecond window whatever this machine's timer and proxy latencies. The gap is kept with a
 * short spin after the timer, not the timer alone (Node's timers fire a millisecond or more late).
 * Each request opens a connection of its own (a client that does not keep alive), unless
 * `freshConnections` is false. Bounded by the profile's duration and request count.
 */
export async function runBursts(
  baseUrl: string,
  profile: LoadProfile & { bursts: BurstShape },
  options: LoadOptions = {},
): Promise<LoadResult> {
  assertLoopbackUrl(baseUrl);
  const paths = profile.requests.map((r) => {
    if (!r.path) throw new Error(`the load names the role "${r.role}": resolve it against a target first (fitScenario)`);
    return { path: r.path, method: r.method };
  });
  const shape = profile.bursts;
  const origin = new URL(baseUrl).origin;
  const timeoutMs = profile.timeoutS * 1000;
  const clientOptions = { pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const shared = shape.freshConnections ? undefined : new Client(origin, { ...clientOptions, connections: shape.size } as never);
  const startedAt = Date.now();
  const t0 = performance.now();
  const buckets = new Buckets(() => performance.now(), t0);
  const status: Record<string, number> = {};
  const appErrors: Record<string, number> = {};
  const noResponse: NonNullable<LoadResult["noResponse"]> = [];
  const deadline = t0 + profile.durationS * 1000;
  const steps = Math.max(1, Math.floor((shape.sweepMs[1] - shape.sweepMs[0]) / shape.stepMs) + 1);
  let sent = 0;
  let burst = 0;
  let stoppedBy: LoadResult["stoppedBy"] = "duration";
  let reported = 0;
  const ticker = setInterval(() => (reported = buckets.reportEnded(options.onSecond, reported)), 250);

  // One abort listener for the whole load (not one per request): it destroys the connections in flight.
  const open = new Set<Client>();
  const onAbort = () => {
    for (const client of open) client.destroy().catch(() => undefined);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const one = async (index: number) => {
    const { path, method } = paths[index % paths.length]!;
    const client = shared ?? new Client(origin, clientOptions);
    open.add(client);
    const start = performance.now();
    try {
      const response = await client.request({ path, method: method as "GET" });
      const body = await response.body.text();
      const bucket = buckets.now();
      bucket.completed++;
      status[response.statusCode] = (status[response.statusCode] ?? 0) + 1;
      if (response.statusCode >= 200 && response.statusCode < 300) bucket.ok++;
      else {
        bucket.non2xx++;
        const kind = errorKindOf(body) ?? `http-${response.statusCode}`;
        appErrors[kind] = (appErrors[kind] ?? 0) + 1;
      }
      recordLatency(bucket.histogram, performance.now() - start);
    } catch (error) {
      if (!options.signal?.aborted) {
        const kind = errorKind(error as Error & { code?: string });
        buckets.now().errors[kind]++;
        keepNoResponse(noResponse, kind);
      }
    } finally {
      if (!shared) {
        open.delete(client);
        await client.close().catch(() => undefined);
      }
    }
  };

  try {
    while (true) {
      if (options.signal?.aborted) {
        stoppedBy = "aborted";
        break;
      }
      const size = Math.min(shape.size, profile.maxRequests - sent);
      if (size <= 0) {
        stoppedBy = "max-requests";
        break;
      }
      await Promise.all(Array.from({ length: size }, (_, i) => one(sent + i)));
      sent += size;
      const gapMs = shape.gapS * 1000 + shape.sweepMs[0] + (burst % steps) * shape.stepMs;
      burst++;
      const next = performance.now() + gapMs;
      if (next > deadline) break;
      await sleep(Math.max(0, gapMs - 5), options.signal);
      while (performance.now() < next && !options.signal?.aborted) {
        // spin the last few milliseconds: the gap is the point of this load
      }
    }
  } finally {
    clearInterval(ticker);
    options.signal?.removeEventListener("abort", onAbort);
    await shared?.close().catch(() => undefined);
  }
  buckets.reportEnded(options.onSecond, reported);
  return { target: baseUrl, startedAt, endedAt: Date.now(), stoppedBy, status, appErrors, ...buckets.totals(), noResponse };
}
