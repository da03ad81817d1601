import { describe, expect, it } from "vitest";
import type { RunEvent } from "../events/events.ts";
import { describeRequestsPerWorker, describeSkew, requestsPerWorker } from "./requests-per-worker.ts";

let seq = 0;
const origin = { at: 1, source: "app", stream: "stdout", raw: "" } as const;
const boot = (pid: number, instance?: string): RunEvent => ({ ...origin, seq: ++seq, kind: "worker-boot", pid, instance });
const served = (pid: number | undefined, count: number, instance?: string): RunEvent[] =>
  Array.from({ length: count }, () => ({ ...origin, seq: ++seq, kind: "access", pid, method: "GET", path: "/", status: 200, instance }));

describe("requests per worker, from the access log", () => {
  it("is undefined when the app logged no access line", () => {
    expect(requestsPerWorker([boot(7), boot(8)])).toBeUndefined();
  });

  it("counts each worker's requests; with the lines that name none they add up to every access line", () => {
    const summary = requestsPerWorker([
      boot(7),
      boot(8),
      boot(9),
      ...served(8, 40),
      ...served(7, 35),
      ...served(9, 25),
      ...served(undefined, 3),
    ])!;
    expect(summary).toMatchObject({ requests: 103, withoutPid: 3, skewed: [] });
    expect(summary.workers.map((w) => [w.pid, w.requests, w.share])).toEqual([
      [7, 35, 0.35],
      [8, 40, 0.4],
      [9, 25, 0.25],
    ]);
    expect(describeRequestsPerWorker(summary)).toBe(
      "103 requests in the app's access log, per worker: pid 7 35 (35%) · pid 8 40 (40%) · pid 9 25 (25%) · 3 naming no worker",
    );
  });

  it("flags a worker that took most of the traffic, counting one that booted and served nothing", () => {
    const summary = requestsPerWorker([boot(7), boot(8), ...served(7, 90), ...served(8, 10)])!;
    expect(summary.skewed).toEqual([{ pid: 7, requests: 90, share: 0.9, workers: 2, of: 100 }]);
    expect(describeSkew(summary.skewed[0]!)).toBe("pid 7 answered 90% of the 100 requests the app logged, among 2 workers");
    expect(requestsPerWorker([boot(7), boot(8), ...served(7, 100)])!.skewed).toMatchObject([{ pid: 7, share: 1, workers: 2 }]);
  });

  it("does not flag an uneven split that is no finding: 60/40 of two, few requests, one worker", () => {
    expect(requestsPerWorker([boot(7), boot(8), ...served(7, 60), ...served(8, 40)])!.skewed).toEqual([]);
    expect(requestsPerWorker([boot(7), boot(8), ...served(7, 30)])!.skewed).toEqual([]);
    expect(requestsPerWorker([boot(7), ...served(7, 500)])!.skewed).toEqual([]);
  });

  it("judges each replica on its own: the same pid in two replicas is two workers", () => {
    const events = [boot(7, "web-1"), boot(8, "web-1"), boot(7, "web-2"), boot(8, "web-2")];
    events.push(...served(7, 80, "web-1"), ...served(8, 20, "web-1"), ...served(7, 50, "web-2"), ...served(8, 50, "web-2"));
    const summary = requestsPerWorker(events)!;
    expect(summary.workers.map((w) => `${w.instance}/${w.pid} ${w.requests}`)).toEqual([
      "web-1/7 80",
      "web-1/8 20",
      "web-2/7 50",
      "web-2/8 50",
    ]);
    expect(summary.skewed).toEqual([{ pid: 7, instance: "web-1", requests: 80, share: 0.8, workers: 2, of: 100 }]);
    expect(describeSkew(summary.skewed[0]!)).toBe("web-1/7 answered 80% of the 100 requests web-1 logged, among 2 workers");
  });

  it("says so when the access lines name no worker at all", () => {
    expect(describeRequestsPerWorker(requestsPerWorker(served(undefined, 12))!)).toBe(
      "12 requests in the app's access log; its lines name no worker pid, so none can be counted per worker",
    );
  });
});
