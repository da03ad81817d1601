import { afterEach, describe, expect, it, vi } from "vitest";
import type { FaultFacts } from "../events/events.ts";
import { fakeFaultTarget, faultEvents } from "../testing/fake-fault-target.ts";
import { FaultSchedule, type ImmediateFault } from "./fault-schedule.ts";
import { faultSpecSchema } from "./fault-spec.ts";

/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("database proxy windows (db-latency, db-stall, db-refuse)", () => {
  interface Window {
    spec: ImmediateFault;
    facts: FaultFacts;
    /** What the proxy is asked to open the window, and to close it. */
    open: string;
    close: string;
  }
  const windows: Window[] = [
    {
      spec: { action: "db-latency", forS: 2, ms: 300, jitterMs: 50 },
      facts: { action: "db-latency", target: "database", detail: "+300 ms (± 50) each way for 2 s" },
      open: "proxy setLatency 300±50",
      close: "proxy setLatency off",
    },
    {
      spec: { action: "db-stall", forS: 2 },
      facts: { action: "db-stall", target: "database", detail: "connections accepted, nothing forwarded, for 2 s" },
      open: "proxy stall",
      close: "proxy resume",
    },
    {
      spec: { action: "db-refuse", forS: 2 },
      facts: { action: "db-refuse", target: "database", detail: "new connections refused for 2 s" },
      open: "proxy refuse",
      close: "proxy accept",
    },
  ];
  const restored = (after: string, at: number) => ({
    kind: "fault",
    at,
    action: "db-restored",
    target: "database",
    detail: `${after} over`,
  });

  it.each(windows)(
    "$spec.action records its window before opening it, and closes it by itself after forS, once",
    async ({ spec, facts, open, close }) => {
      vi.useFakeTimers({ now: T0 });
      const fake = fakeFaultTarget();
      const schedule = new FaultSchedule(fake.sut);
      const injected = await schedule.inject(spec);
      expect(injected).toEqual({ events: [{ kind: "fault", at: T0, ...facts }], pid: undefined });
      expect(fake.calls).toEqual([`event ${spec.action}`, open]);

      await vi.advanceTimersByTimeAsync(1_999);
      expect(fake.calls).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.calls).toEqual([`event ${spec.action}`, open, close, "event db-restored"]);
      expect(faultEvents(fake.events)).toEqual([{ kind: "fault", at: T0, ...facts }, restored(spec.action, T0 + 2_000)]);

      expect(await schedule.revertAll()).toEqual([]);
      expect(fake.calls).toHaveLength(4);
    },
  );

  it.each(windows)(
    "$spec.action: when the run aborts mid-window, revertAll closes it at once and its own end does nothing more",
    async ({ spec, facts, open, close }) => {
      vi.useFakeTimers({ now: T0 });
      const fake = fakeFaultTarget();
      const controller = new AbortController();
      const schedule = new FaultSchedule(fake.sut, controller.signal);
      schedule.start([faultSpecSchema.parse({ ...spec, forS: 60, at: 0.1 })]);
      await vi.advanceTimersByTimeAsync(500);
      controller.abort();

      expect(await schedule.revertAll()).toEqual([]);
      expect(fake.calls).toEqual([`event ${spec.action}`, open, close, "event db-restored"]);
      expect(faultEvents(fake.events)).toEqual([
        { kind: "fault", at: T0 + 100, ...facts, detail: facts.detail.replace("2 s", "60 s") },
        restored(spec.action, T0 + 500),
      ]);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(fake.calls).toHaveLength(4);
    },
  );

  it("db-refuse: when the proxy cannot accept again, the window's own end fails quietly and revertAll reports it, once", async () => {
    vi.useFakeTimers({ now: T0 });
    const cause = new Error("listen EADDRINUSE");
    const fake = fakeFaultTarget({ fail: { "proxy.accept": cause } });
    const schedule = new FaultSchedule(fake.sut);
    await schedule.inject({ action: "db-refuse", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual(["event db-refuse", "proxy refuse", "proxy accept"]);

    expect(await schedule.revertAll()).toEqual([cause]);
    expect(fake.calls).toEqual(["event db-refuse", "proxy refuse", "proxy accept"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["db-refuse"]);
  });

  it("db-reset records the connections it resets before resetting them, opens no window and reverts nothing", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ connections: 3 });
    const schedule = new FaultSchedule(fake.sut);
    const injected = await schedule.inject({ action: "db-reset" });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: T0, action: "db-reset", target: "database", detail: "3 live connection(s) reset" }],
      pid: undefined,
    });
    expect(fake.calls).toEqual(["event db-reset", "proxy resetAll"]);
    expect(vi.getTimerCount()).toBe(0);
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toHaveLength(2);
    expect(fake.events.all).toHaveLength(1);
  });

  it.each(["db-latency", "db-stall", "db-refuse", "db-reset"] as const)(
    "%s refuses, recording nothing, when the database proxy is not running",
    async (action) => {
      const fake = fakeFaultTarget({ proxy: false });
      const schedule = new FaultSchedule(fake.sut);
      const spec = {
        "db-latency": { action, forS: 1, ms: 10 },
        "db-stall": { action, forS: 1 },
        "db-refuse": { action, forS: 1 },
        "db-reset": { action },
      }[action] as ImmediateFault;
      await expect(schedule.inject(spec)).rejects.toThrow(`${action} needs the harness's database in target demo, and it is not running`);
      expect(await schedule.revertAll()).toEqual([]);
      expect(fake.calls).toEqual([]);
      expect(fake.events.all).toEqual([]);
    },
  );
});
