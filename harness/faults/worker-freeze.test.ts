import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFaultTarget } from "../testing/fake-fault-target.ts";
import { FaultSchedule } from "./fault-schedule.ts";

/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("worker-freeze", () => {
  const stopped = (pid: number, at: unknown = expect.any(Number)) => ({
    kind: "fault",
    at,
    action: "worker-freeze",
    target: "worker",
    pid,
    signal: "SIGSTOP",
    detail: "SIGSTOP: frozen until teardown",
  });

  it("records the picked worker's pid and SIGSTOP before stopping it, and SIGCONTs that pid at revert, recording nothing more", async () => {
    const fake = fakeFaultTarget();
    const schedule = new FaultSchedule(fake.sut);
    const injected = await schedule.inject({ action: "worker-freeze", worker: "newest" });
    expect(injected).toEqual({ events: [stopped(8)], pid: 8 });
    expect(fake.calls).toEqual(["pickWorker newest", "event worker-freeze", "signalWorker 8 STOP"]);

    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.slice(3)).toEqual(["signalWorker 8 CONT"]);
    expect(fake.events.all).toEqual([stopped(8)]);
  });

  it("freezes the oldest worker by default", async () => {
    const fake = fakeFaultTarget();
    expect(await new FaultSchedule(fake.sut).injectIntoWorker({ action: "worker-freeze" })).toBe(7);
    expect(fake.calls).toEqual(["pickWorker oldest", "event worker-freeze", "signalWorker 7 STOP"]);
  });

  it("fires on time, and SIGCONTs at teardown when the run aborted while the worker was frozen", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget();
    const controller = new AbortController();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, controller.signal, (d) => fired.push(d));
    schedule.start([
      { action: "worker-freeze", at: 0.5, worker: "oldest" },
      { action: "signal-master", at: 2, signal: "TERM" },
    ]);
    await vi.advanceTimersByTimeAsync(500);
    expect(fired).toEqual(["SIGSTOP to the oldest worker: frozen, it stops notifying the master"]);
    expect(fake.events.all).toEqual([stopped(7, T0 + 500)]);

    controller.abort();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["pickWorker oldest", "event worker-freeze", "signalWorker 7 STOP", "signalWorker 7 CONT"]);
    expect(fake.events.all).toEqual([stopped(7, T0 + 500)]);
  });

  it("when SIGSTOP fails the run's error names it, and teardown still SIGCONTs the worker (its failure is no revert error)", async () => {
    const fake = fakeFaultTarget({ fail: { signalWorker: new Error("no such process") } });
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([{ action: "worker-freeze", at: "after-load", worker: "oldest" }]);
    await expect(schedule.afterLoad()).rejects.toThrow(
      "Fault injection failed: SIGSTOP to the oldest worker: frozen, it stops notifying the master: no such process",
    );
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["pickWorker oldest", "event worker-freeze", "signalWorker 7 STOP", "signalWorker 7 CONT"]);
  });

  it("when no worker could be picked it records nothing and sends no SIGCONT at teardown", async () => {
    const fake = fakeFaultTarget({ fail: { pickWorker: new Error("no live worker to pick") } });
    const schedule = new FaultSchedule(fake.sut);
    await expect(schedule.inject({ action: "worker-freeze" })).rejects.toThrow("no live worker to pick");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["pickWorker oldest"]);
    expect(fake.events.all).toEqual([]);
  });
});
