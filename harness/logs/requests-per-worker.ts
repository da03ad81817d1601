import type { RunEvent } from "../events/events.ts";

export interface WorkerRequests {
  pid: number;
  /** The replica, in a run with replicas. */
  instance?: string;
  requests: number;
  /** Of the requests its replica's access lines attribute to a worker, 0 to 1. */
  share: number;
}

/** A worker that took most of its replica's traffic, and how many workers it shared the replica with. */
export interface SkewedWorker extends WorkerRequests {
  workers: number;
  /** The requests its replica's access lines attribute to a worker. */
  of: number;
}

/** The app's access log, summed: what each worker answered, as the app itself logged it. */
export interface RequestsPerWorker {
  /** Access lines: one per request the app answered and logged. */
  requests: number;
  /** Of them, lines that named no worker (an access format without `%(p)s`, and no `[pid]` record prefix). */
  withoutPid: number;
  /** One entry per worker that logged a request, by replica then pid: their requests and `withoutPid` add up to `requests`. */
  workers: WorkerRequests[];
  /** Workers that took most of their replica's traffic (see SKEW_*), at most one per replica. */
  skewed: SkewedWorker[];
}

/** Below this many attributed requests in a replica, a lopsided split is chance, not a finding. */
const SKEW_MIN_REQUESTS = 50;
/** Skewed: more than half of the replica's requests, and at least this many times an even share among its workers. */
const SKEW_FACTOR = 1.5;
/** The rule, in words, for reports and result.json's schema. */
export const SKEW_RULE = `over half of its replica's requests and at least ${SKEW_FACTOR} times an even share among its workers, of ${SKEW_MIN_REQUESTS} or more`;

/** A worker as reporters hold it: result.json writes a missing replica as null. */
type AsReported<T> = Omit<T, "instance"> & { instance?: string | null };

const workerName = (worker: AsReported<WorkerRequests>) => (worker.instance ? `${worker.instance}/${worker.pid}` : `pid ${worker.pid}`);

/**
 * Requests per worker from the run's `access` events; undefined when the app logged none. A replica's workers are
 * those that booted in it or logged a request, so one that booted and served nothing still counts against the busiest.
 */
export function requestsPerWorker(events: readonly RunEvent[]): RequestsPerWorker | undefined {
  const byWorker = new Map<string, WorkerRequests>();
  const workersIn = new Map<string, Set<number>>();
  const known = (instance: string | undefined) => {
    const key = instance ?? "";
    let pids = workersIn.get(key);
    if (!pids) workersIn.set(key, (pids = new Set()));
    return pids;
  };
  let requests = 0;
  let withoutPid = 0;
  for (const event of events) {
    if (event.kind === "worker-boot") known(event.instance).add(event.pid);
    if (event.kind !== "access") continue;
    requests++;
    if (event.pid === undefined) {
      withoutPid++;
      continue;
    }
    known(event.instance).add(event.pid);
    const key = `${event.instance ?? ""}/${event.pid}`;
    const worker = byWorker.get(key);
    if (worker) worker.requests++;
    else byWorker.set(key, { pid: event.pid, ...(event.instance !== undefined && { instance: event.instance }), requests: 1, share: 0 });
  }
  if (requests === 0) return undefined;
  const workers = [...byWorker.values()].sort(
    (a, b) => (a.instance ?? "").localeCompare(b.instance ?? "", "en", { numeric: true }) || a.pid - b.pid,
  );
  const skewed: SkewedWorker[] = [];
  for (const [instance, pids] of workersIn) {
    const mine = workers.filter((w) => (w.instance ?? "") === instance);
    const total = mine.reduce((sum, w) => sum + w.requests, 0);
    for (const worker of mine) worker.share = worker.requests / total;
    const busiest = mine.reduce<WorkerRequests | undefined>((top, w) => (top && top.requests >= w.requests ? top : w), undefined);
    if (busiest && pids.size >= 2 && total >= SKEW_MIN_REQUESTS && busiest.share > 0.5 && busiest.share >= SKEW_FACTOR / pids.size)
      skewed.push({ ...busiest, workers: pids.size, of: total });
  }
  return { requests, withoutPid, workers, skewed };
}

/** `5,063 requests in the app's access log, per worker: pid 7 1,702 (34%) · pid 8 … · 3 naming no worker`. */
export function describeRequestsPerWorker(
  access: Pick<RequestsPerWorker, "requests" | "withoutPid"> & { workers: AsReported<WorkerRequests>[] },
): string {
  const total = `${access.requests.toLocaleString("en-US")} requests in the app's access log`;
  if (access.workers.length === 0) return `${total}; its lines name no worker pid, so none can be counted per worker`;
  const parts = access.workers.map((w) => `${workerName(w)} ${w.requests.toLocaleString("en-US")} (${Math.round(w.share * 100)}%)`);
  if (access.withoutPid) parts.push(`${access.withoutPid.toLocaleString("en-US")} naming no worker`);
  return `${total}, per worker: ${parts.join(" · ")}`;
}

/** The finding in words: `pid 7 answered 82% of the 5,063 requests the app logged, among 3 workers`. */
export function describeSkew(worker: AsReported<SkewedWorker>): string {
  return `${workerName(worker)} answered ${Math.round(worker.share * 100)}% of the ${worker.of.toLocaleString("en-US")} requests ${worker.instance ?? "the app"} logged, among ${worker.workers} workers`;
}
