import { describe, expect, it } from "vitest";
import { startSyntheticServer } from "../testing/synthetic-server.ts";
import { totalErrors } from "./load-result.ts";
import { MAX_SCHEDULE_LAG_MS, type OpenLoopProfile, runOpenLoop } from "./open-loop.ts";

const profile = (rate: number, more: Partial<OpenLoopProfile> = {}): OpenLoopProfile => ({
  rate,
  durationS: 2,
  maxRequests: 1_000_000,
  connections: 64,
  timeoutS: 10,
  requests: [{ path: "/work", method: "GET", weight: 1 }],
  ...more,
});

describe("the open-loop generator, against a server that serves 200 requests/s one at a time", () => {
  it("below capacity: starts every request on schedule, and every latency is the service time", async () => {
    await using server = await startSyntheticServer(5);
    const result = await runOpenLoop(server.url, profile(100));
    expect(result.openLoop).toMatchObject({ offeredRps: 100, scheduled: 200, sent: 200, lateStarts: 0, notStarted: 0 });
    expect(result.ok).toBe(200);
    expect(result.openLoop!.achievedRps).toBeGreaterThan(95);
    expect(result.latencyMs.p99).toBeLessThan(30);
    expect(result.openLoop!.generator.scheduleLagMs.p99).toBeLessThan(MAX_SCHEDULE_LAG_MS);
    expect(result.openLoop!.inconclusive).toBeUndefined();
  });

  it("above capacity: keeps offering the rate, and measures the queue from each request's intended start", async () => {
    await using server = await startSyntheticServer(5);
    // 1.5x its capacity for 2 s: 200 requests more than it can serve, a queue of a second by the end.
    const result = await runOpenLoop(server.url, profile(300, { connections: 16 }));
    const facts = result.openLoop!;
    expect(facts.sent).toBe(600);
    expect(facts.achievedRps).toBeGreaterThan(180);
    expect(facts.achievedRps).toBeLessThan(220);
    // With 16 connections the requests beyond them wait for one: counted, and their wait is in their latency.
    expect(facts.lateStarts).toBeGreaterThan(100);
    expect(result.latencyMs.p99).toBeGreaterThan(800);
    // What a closed-loop tool would have shown: the time on the wire alone, 16 requests deep at most.
    expect(facts.serviceMs.p99).toBeLessThan(200);
    expect(result.ok).toBe(600);
  });

  it("counts what never started, when the run ends with requests still waiting", async () => {
    await using server = await startSyntheticServer(50);
    // 20 requests/s at most; 100/s offered over 1 connection for 1 s, then the timeout (1 s) and 1 s of grace to finish.
    const result = await runOpenLoop(server.url, profile(100, { durationS: 1, connections: 1, timeoutS: 1 }));
    const facts = result.openLoop!;
    expect(facts.scheduled).toBe(100);
    expect(facts.notStarted).toBeGreaterThan(30);
    expect(facts.sent + facts.notStarted).toBe(100);
    expect(result.errors.timeout).toBeGreaterThanOrEqual(facts.notStarted);
    // Each request counted once: answered, failed, or never started (those in flight at the end are timeouts).
    expect(result.ok + result.non2xx + totalErrors(result.errors)).toBe(100);
  });

  it("counts refused connections when nothing listens, and stops by itself", async () => {
    const result = await runOpenLoop("http://127.0.0.1:9", profile(50, { durationS: 1 }));
    expect(result.errors.refused).toBe(50);
    expect(result.ok).toBe(0);
  });

  it("refuses an address that is not loopback", async () => {
    await expect(runOpenLoop("http://10.0.0.1:80", profile(10))).rejects.toThrow(/loopback/);
  });

  it("stops when aborted", async () => {
    await using server = await startSyntheticServer(1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const result = await runOpenLoop(server.url, profile(100, { durationS: 10 }), { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.stoppedBy).toBe("aborted");
    expect(result.openLoop!.sent).toBeLessThan(100);
    expect(result.ok + result.non2xx + totalErrors(result.errors)).toBeLessThanOrEqual(result.openLoop!.sent);
  });
});
