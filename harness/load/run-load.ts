import autocannon from "autocannon";
import { assertLoopbackUrl } from "../core/loopback.ts";
import { Buckets, errorKindOf } from "./buckets.ts";
import { runBursts } from "./bursts.ts";
import { recordLatency } from "./latency.ts";
import type { LoadProfile } from "./load-profile.ts";
import type { ErrorCounts, LoadOptions, LoadResult } from "./load-result.ts";
import { runOpenLoop } from "./open-loop.ts";

/**
 * Drives the profile's load: open loop (runOpenLoop) when it sets a rate, bursts (runBursts) when it sets
 * bursts, else closed loop with autocannon.
 */
export function driveLoad(baseUrl: string, profile: LoadProfile, options: LoadOptions = {}): Promise<LoadResult> {
  if (profile.bursts) return runBursts(baseUrl, { ...profile, bursts: profile.bursts }, options);
  if (profile.rate === undefined) return runLoad(baseUrl, profile, options);
  return runOpenLoop(baseUrl, { ...profile, rate: profile.rate }, options);
}

/**
 * Closed-loop load with autocannon, in-process, at a loopback URL only, bounded by duration and by count.
 * Every response and error lands in a per-second bucket (counts + HDR histogram).
 */
export async function runLoad(baseUrl: string, profile: LoadProfile, options: LoadOptions = {}): Promise<LoadResult> {
  assertLoopbackUrl(baseUrl);
  const unresolved = profile.requests.find((r) => !r.path);
  if (unresolved) throw new Error(`the load names the role "${unresolved.role}": resolve it against a target first (fitScenario)`);
  const startedAt = Date.now();
  const buckets = new Buckets(Date.now, startedAt);
  const appErrors: Record<string, number> = {};
  const onFailedResponse = (status: number | undefined, body: string) => {
    if (status === undefined || status < 400) return;
    const kind = errorKindOf(body) ?? `http-${status}`;
    appErrors[kind] = (appErrors[kind] ?? 0) + 1;
  };
  const status: Record<string, number> = {};
  let stoppedBy: LoadResult["stoppedBy"] = "max-requests";

  const bucketNow = () => buckets.now();

  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const instance = autocannon(
    {
      url: baseUrl,
      connections: profile.connections,
      // autocannon stops exactly at `amount` requests (and then ignores `duration`); the duration bound is ours, below.
      amount: profile.maxRequests,
      timeout: profile.timeoutS,
      requests: expandMix(profile.requests, onFailedResponse),
      setupClient: (client) => {
        countClosedConnections(client as unknown as AutocannonClient, () => bucketNow().errors.closed++);
        honourConnectionClose(client as unknown as AutocannonClient);
      },
    },
    () => finished(),
  );

  instance.on("response", (_client: unknown, statusCode: number | undefined, _bytes: number, responseTimeMs: number) => {
    const bucket = bucketNow();
    // autocannon may report a response with no status (seen once: a worker SIGKILLed mid-response). Not an answer; an
    // error of its own kind ("other"), as the connection's close may also be counted as "closed".
    if (statusCode === undefined) {
      bucket.errors.other++;
      return;
    }
    const ok = statusCode >= 200 && statusCode < 300;
    bucket.completed++;
    if (ok) bucket.ok++;
    else bucket.non2xx++;
    recordLatency(bucket.histogram, responseTimeMs);
    status[statusCode] = (status[statusCode] ?? 0) + 1;
  });
  instance.on("reqError", (error: Error & { code?: string }) => {
    bucketNow().errors[errorKind(error)]++;
  });

  const onAbort = () => {
    stoppedBy = "aborted";
    instance.stop();
  };
  const durationBound = setTimeout(() => {
    stoppedBy = "duration";
    instance.stop();
  }, profile.durationS * 1000);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  let reported = 0;
  const ticker = setInterval(() => (reported = buckets.reportEnded(options.onSecond, reported)), 250);

  await done;
  clearTimeout(durationBound);
  clearInterval(ticker);
  options.signal?.removeEventListener("abort", onAbort);

  return { target: baseUrl, startedAt, endedAt: Date.now(), stoppedBy, status, appErrors, ...buckets.totals() };
}

/** The parts of autocannon 9's Client (lib/httpClient.js) that the hooks below rely on. */
interface AutocannonClient extends NodeJS.EventEmitter {
  conn: NodeJS.EventEmitter;
  destroyed: boolean;
  pipelinedRequests: { size(): number; clear(): void };
  reqsMade: number;
  responseMax?: number;
  _connect(): void;
  _doRequest(): void;
  _destroyConnection(): void;
}

/**
 * autocannon reconnects silently when the server closes a connection with a request in flight, and
 * keeps the lost request queued, which skews every later latency on that connection. A user would
 * have seen that request fail: count it as `closed`, and drop it from the queue (also after a reset).
 */
function countClosedConnections(client: AutocannonClient, onClosed: () => void): void {
  const connect = client._connect.bind(client);
  client._connect = () => {
    connect();
    client.conn.prependListener("end", () => {
      if (client.destroyed || client.pipelinedRequests.size() === 0) return;
      onClosed();
      client.pipelinedRequests.clear();
    });
    client.conn.prependListener("error", () => client.pipelinedRequests.clear());
  };
}

/**
 * autocannon writes its next request on a connection whose last response said `Connection: close` (RFC 9112 section
 * 9.6: the client must send nothing more on it), and the server's close then reads as a cut. Honour the header as wrk
 * and load balancers do: the next request goes on a new connection.
 */
function honourConnectionClose(client: AutocannonClient): void {
  let closing = false;
  // http-parser-js's own verdict: `Connection: close`, or an HTTP/1.0 response without keep-alive, or a body read to EOF.
  client.on("headers", (info: { shouldKeepAlive: boolean }) => (closing = !info.shouldKeepAlive));
  const doRequest = client._doRequest.bind(client);
  client._doRequest = () => {
    const lastOne = client.responseMax !== undefined && client.reqsMade >= client.responseMax;
    if (!closing || lastOne) return doRequest();
    closing = false;
    client._destroyConnection();
    // connects anew, and sends the request there
    client._connect();
  };
}

/** autocannon cycles through `requests` per connection: repeat each by its weight for the mix. */
function expandMix(
  requests: LoadProfile["requests"],
  onResponse: (status: number | undefined, body: string) => void,
): autocannon.Request[] {
  return requests.flatMap((r) => Array.from({ length: r.weight }, () => ({ path: r.path, method: r.method, onResponse })));
}

function errorKind(error: Error & { code?: string }): keyof ErrorCounts {
  if (error.message === "request timed out") return "timeout";
  if (error.code === "ECONNRESET" || error.code === "EPIPE") return "reset";
  if (error.code === "ECONNREFUSED") return "refused";
  return "other";
}
