import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFaultTarget, faultEvents } from "../testing/fake-fault-target.ts";
import { FaultSchedule } from "./fault-schedule.ts";

/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("db-outage", () => {
  const outage = (windowS: number, at: number) => ({
    kind: "fault",
    at,
    action: "db-outage",
    target: "database",
    detail: `Postgres stopped for ${windowS} s`,
  });
  const restored = (at: number) => ({ kind: "fault", at, action: "db-restored", target: "database", detail: "db-outage over" });

  it("records its window before stopping Postgres, starts it again after forS and records db-restored once it is up", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ startDatabaseMs: 300 });
    const schedule = new FaultSchedule(fake.sut);
    expect(await schedule.inject({ action: "db-outage", forS: 5 })).toEqual({ events: [outage(5, T0)], pid: undefined });
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase"]);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase"]);
    await vi.advanceTimersByTimeAsync(300);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
    expect(faultEvents(fake.events)).toEqual([outage(5, T0), restored(T0 + 5_300)]);

    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toHaveLength(4);
  });

  it("when the run aborts mid-outage, revertAll starts Postgres at once, waits until it is up, and the window's end does nothing more", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ startDatabaseMs: 300 });
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.sut, controller.signal);
    schedule.start([{ action: "db-outage", at: 1, forS: 60 }]);
    await vi.advanceTimersByTimeAsync(3_000);
    controller.abort();

    let reverted = false;
    const reverting = schedule.revertAll().finally(() => {
      reverted = true;
    });
    await vi.advanceTimersByTimeAsync(299);
    expect(reverted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await reverting).toEqual([]);
    expect(faultEvents(fake.events)).toEqual([outage(60, T0 + 1_000), restored(T0 + 3_300)]);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
  });

  it("a revert during a restart under way waits for it, rather than starting Postgres twice", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ startDatabaseMs: 500 });
    const schedule = new FaultSchedule(fake.sut);
    await schedule.inject({ action: "db-outage", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_200);
    const reverting = schedule.revertAll();
    await vi.advanceTimersByTimeAsync(300);
    expect(await reverting).toEqual([]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
    expect(faultEvents(fake.events).at(-1)).toEqual(restored(T0 + 1_500));
  });

  it("when stopping Postgres fails the injection fails, and teardown still starts it again", async () => {
    const fake = fakeFaultTarget({ fail: { stopDatabase: new Error("container stop timed out") } });
    const schedule = new FaultSchedule(fake.sut);
    await expect(schedule.inject({ action: "db-outage", forS: 5 })).rejects.toThrow("container stop timed out");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
  });

  it("when Postgres does not come back, the window's own end fails quietly and revertAll reports it, recording no db-restored", async () => {
    vi.useFakeTimers({ now: T0 });
    const cause = new Error("Postgres did not accept connections within 30 s of its restart");
    const fake = fakeFaultTarget({ fail: { startDatabase: cause } });
    const schedule = new FaultSchedule(fake.sut);
    await schedule.inject({ action: "db-outage", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await schedule.revertAll()).toEqual([cause]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["db-outage"]);
  });

  it("refuses, recording nothing and starting nothing at teardown, when the target has no database", async () => {
    const fake = fakeFaultTarget({ database: false });
    const schedule = new FaultSchedule(fake.sut);
    await expect(schedule.inject({ action: "db-outage", forS: 5 })).rejects.toThrow(
      "db-outage needs the harness's database in target demo",
    );
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});
