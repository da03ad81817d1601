import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFaultTarget, faultEvents } from "../testing/fake-fault-target.ts";
import { FaultSchedule } from "./fault-schedule.ts";
import { FAULTS, type FaultAction, type FaultSpec } from "./fault-spec.ts";
import { tableLock } from "./table-lock.ts";

/** Lets pending promise callbacks run (real timers). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("FaultSchedule: timed faults", () => {
  it("fires a timed fault `at` seconds after start(), not before, and records it before signalling", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fake = fakeFaultTarget();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, undefined, (d) => fired.push(d));
    const spec: FaultSpec = { action: "signal-master", at: 0.05, signal: "TERM" };

    schedule.start([spec]);
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.calls).toEqual([]);
    expect(fake.events.all).toEqual([]);
    expect(fired).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["SIGTERM to the master (a deploy: graceful shutdown)"]);
    expect(fake.events.all).toEqual([
      { kind: "fault", at: 1_000_050, action: "signal-master", target: "master", signal: "SIGTERM", detail: "SIGTERM" },
    ]);
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TERM"]);
    await expect(schedule.afterLoad()).resolves.toBeUndefined();
  });

  it("does not fire a timed fault when start() was never called", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    new FaultSchedule(fake.sut);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual([]);
  });

  it("fires timed faults in the order of their times, whatever the order of the specs", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([
      { action: "signal-master", at: 0.03, signal: "HUP" },
      { action: "signal-master", at: 0.01, signal: "TTOU" },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TTOU"]);
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TTOU", "event signal-master", "signalMaster HUP"]);
  });

  it("fires nothing when the abort signal is already aborted", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const controller = new AbortController();
    controller.abort();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, controller.signal, (d) => fired.push(d));
    schedule.start([
      { action: "signal-master", at: 0.01, signal: "TERM" },
      { action: "signal-worker", at: "after-load", signal: "KILL", worker: "oldest" },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(schedule.afterLoad()).resolves.toBeUndefined();
    expect(fake.calls).toEqual([]);
    expect(fake.events.all).toEqual([]);
    expect(fired).toEqual([]);
    expect(await schedule.revertAll()).toEqual([]);
  });

  it("fires nothing once the run aborts before a timed fault is due", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.sut, controller.signal);
    schedule.start([{ action: "signal-master", at: 0.05, signal: "TERM" }]);
    await vi.advanceTimersByTimeAsync(20);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual([]);
  });
});

describe("FaultSchedule: what each fault records", () => {
  it("signal-worker records the pid the stack picked, after picking and before signalling", async () => {
    const fake = fakeFaultTarget();
    const injected = await new FaultSchedule(fake.sut).inject({ action: "signal-worker", signal: "KILL", worker: "newest" });
    const event = {
      kind: "fault",
      at: expect.any(Number),
      action: "signal-worker",
      target: "worker",
      pid: 8,
      signal: "SIGKILL",
      detail: "SIGKILL",
    };
    expect(injected).toEqual({ events: [event], pid: 8 });
    expect(fake.events.all).toEqual([event]);
    expect(fake.calls).toEqual(["pickWorker newest", "event signal-worker", "signalWorker 8 KILL"]);
  });

  it("signal-worker picks the oldest worker by default", async () => {
    const fake = fakeFaultTarget();
    expect(await new FaultSchedule(fake.sut).injectIntoWorker({ action: "signal-worker", signal: "TERM" })).toBe(7);
    expect(fake.calls).toEqual(["pickWorker oldest", "event signal-worker", "signalWorker 7 TERM"]);
  });

  it("request records the worker that took it and the path, after the request is on its way", async () => {
    const fake = fakeFaultTarget();
    const before = Date.now();
    const injected = await new FaultSchedule(fake.sut).inject({ action: "request", path: "/block?ms=8000", timeoutS: 3 });
    expect(injected.pid).toBe(9);
    expect(injected.events).toEqual([
      { kind: "fault", at: expect.any(Number), action: "request", target: "worker", pid: 9, detail: "GET /block?ms=8000" },
    ]);
    expect(injected.events[0]!.at).toBeGreaterThanOrEqual(before);
    expect(injected.events[0]!.at).toBeLessThanOrEqual(Date.now());
    expect(fake.calls).toEqual(["sendPinnedRequest /block?ms=8000 3000", "event request"]);
  });

  it("request waits up to 120 s by default", async () => {
    const fake = fakeFaultTarget();
    await new FaultSchedule(fake.sut).inject({ action: "request", path: "/slow?ms=20000" });
    expect(fake.calls[0]).toBe("sendPinnedRequest /slow?ms=20000 120000");
  });

  it("table-lock records the table and the window once the lock is granted, and table-unlock once its session ends", async () => {
    const fake = fakeFaultTarget();
    const schedule = new FaultSchedule(fake.sut);
    const injected = await schedule.inject({ action: "table-lock", holdS: 4 });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: expect.any(Number), action: "table-lock", target: "database", detail: "app_items locked for 4 s" }],
      pid: undefined,
    });
    expect(fake.calls).toEqual(["sql session chaos-harness-lock", "sql lock-granted?", "event table-lock"]);
    await settle();
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["table-lock"]);

    fake.endLocks();
    await settle();
    expect(faultEvents(fake.events)).toEqual([
      { kind: "fault", at: expect.any(Number), action: "table-lock", target: "database", detail: "app_items locked for 4 s" },
      { kind: "fault", at: expect.any(Number), action: "table-unlock", target: "database", detail: "app_items unlocked" },
    ]);
    expect(await schedule.revertAll()).toEqual([]);
    expect(faultEvents(fake.events)).toHaveLength(2);
  });

  it("db-lock fails, recording nothing, when the lock is not granted within 5 s", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget({ lockGranted: "0" });
    const schedule = new FaultSchedule(fake.sut);
    const injecting = schedule.inject({ action: "table-lock", holdS: 4 });
    const outcome = expect(injecting).rejects.toThrow("the lock on app_items was not granted within 5 s");
    await vi.advanceTimersByTimeAsync(5_000);
    await outcome;
    expect(fake.events.all).toEqual([]);
    // Its session is still open: revertAll ends it although the injection failed.
    expect(fake.openLocks()).toBe(1);
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.openLocks()).toBe(0);
    expect(fake.calls.at(-1)).toBe("sql terminate");
  });
});

describe("FaultSchedule: inject and injectIntoWorker", () => {
  it("inject() injects at once and returns the events it recorded, with no pid for a master signal", async () => {
    const fake = fakeFaultTarget();
    const injected = await new FaultSchedule(fake.sut).inject({ action: "signal-master", signal: "HUP" });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: expect.any(Number), action: "signal-master", target: "master", signal: "SIGHUP", detail: "SIGHUP" }],
      pid: undefined,
    });
    expect(fake.calls).toEqual(["event signal-master", "signalMaster HUP"]);
  });

  it("inject() returns only its own events, not those already in the log", async () => {
    const fake = fakeFaultTarget();
    const schedule = new FaultSchedule(fake.sut);
    await schedule.inject({ action: "signal-master", signal: "TTIN" });
    const second = await schedule.inject({ action: "signal-worker", signal: "TERM", worker: "oldest" });
    expect(second.events.map((e) => e.action)).toEqual(["signal-worker"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["signal-master", "signal-worker"]);
  });

  it("injectIntoWorker() resolves with the pid it hit", async () => {
    const fake = fakeFaultTarget();
    const schedule = new FaultSchedule(fake.sut);
    expect(await schedule.injectIntoWorker({ action: "request", path: "/alloc?mb=700" })).toBe(9);
    expect(await schedule.injectIntoWorker({ action: "signal-worker", signal: "KILL", worker: "newest" })).toBe(8);
  });

  it("injectIntoWorker() of a master signal rejects (after injecting it)", async () => {
    const fake = fakeFaultTarget();
    await expect(new FaultSchedule(fake.sut).injectIntoWorker({ action: "signal-master", signal: "TERM" })).rejects.toThrow(
      "signal-master hit no worker",
    );
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TERM"]);
  });

  it("inject() rejects with the stack's error, and validates the spec", async () => {
    const fake = fakeFaultTarget({ fail: { pickWorker: new Error("no live worker to pick") } });
    const schedule = new FaultSchedule(fake.sut);
    await expect(schedule.inject({ action: "signal-worker", signal: "KILL" })).rejects.toThrow("no live worker to pick");
    expect(fake.events.all).toEqual([]);
    await expect(schedule.inject({ action: "request", path: "block" })).rejects.toThrow(/a path starts with \//);
    expect(fake.calls).toEqual(["pickWorker oldest"]);
  });
});

describe("FaultSchedule: after-load faults", () => {
  it('fires "after-load" faults only at afterLoad(), and waits for them', async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, undefined, (d) => fired.push(d));
    schedule.start([
      { action: "signal-worker", at: "after-load", signal: "TERM", worker: "newest" },
      { action: "signal-master", at: 0.01, signal: "TTOU" },
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TTOU"]);

    await schedule.afterLoad();
    expect(fired).toEqual(["SIGTTOU to the master (scale down by one worker)", "SIGTERM to the newest worker, from outside gunicorn"]);
    expect(fake.calls.slice(2)).toEqual(["pickWorker newest", "event signal-worker", "signalWorker 8 TERM"]);
  });

  it("rejects with an AggregateError naming the fault that failed, and still fires the others", async () => {
    const cause = new Error("container is not running");
    const fake = fakeFaultTarget({ fail: { signalMaster: cause } });
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([
      { action: "signal-master", at: "after-load", signal: "TERM" },
      { action: "signal-worker", at: "after-load", signal: "KILL", worker: "oldest" },
      { action: "request", at: "after-load", path: "/slow?ms=100", timeoutS: 1 },
    ]);

    const error = await schedule.afterLoad().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    const aggregate = error as AggregateError;
    expect(aggregate.message).toBe("Fault injection failed: SIGTERM to the master (a deploy: graceful shutdown): container is not running");
    expect(aggregate.errors).toHaveLength(1);
    expect((aggregate.errors[0] as Error).cause).toBe(cause);
    expect(fake.calls).toEqual(
      expect.arrayContaining(["signalMaster TERM", "signalWorker 7 KILL", "sendPinnedRequest /slow?ms=100 1000", "event request"]),
    );
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["signal-master", "signal-worker", "request"]);
  });

  it("collects the errors of timed faults too, and reports them all at afterLoad()", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget({ fail: { pickWorker: new Error("no live worker to pick"), signalMaster: new Error("gone") } });
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([
      { action: "signal-worker", at: 0.01, signal: "KILL", worker: "oldest" },
      { action: "signal-master", at: "after-load", signal: "QUIT" },
    ]);
    await vi.advanceTimersByTimeAsync(10);
    await expect(schedule.afterLoad()).rejects.toThrow(
      "Fault injection failed: SIGKILL to the oldest worker, from outside gunicorn: no live worker to pick; SIGQUIT to the master (quick shutdown): gone",
    );
  });
});

describe("FaultSchedule: revertAll", () => {
  /** Wraps each table lock's revert to note which lock (by its description) was reverted, and to fail for some. */
  function spyOnReverts(failFor: (description: string) => boolean) {
    const reverted: string[] = [];
    const create = tableLock.create.bind(tableLock);
    vi.spyOn(tableLock, "create").mockImplementation((spec) => {
      const fault = create(spec);
      return {
        ...fault,
        async revert(context) {
          reverted.push(fault.description);
          await fault.revert?.(context);
          if (failFor(fault.description)) throw new Error(`could not revert ${fault.description}`);
        },
      };
    });
    return reverted;
  }

  it("reverts injected faults newest first, runs every revert when one throws, and returns the errors", async () => {
    const fake = fakeFaultTarget();
    const reverted = spyOnReverts((d) => d.includes("held 2 s"));
    const schedule = new FaultSchedule(fake.sut);
    await schedule.inject({ action: "table-lock", holdS: 1 });
    await schedule.inject({ action: "signal-master", signal: "TTIN" });
    await schedule.inject({ action: "table-lock", holdS: 2 });
    await schedule.inject({ action: "table-lock", holdS: 3 });

    const errors = await schedule.revertAll();
    expect(reverted.map((d) => /held (\d) s/.exec(d)?.[1])).toEqual(["3", "2", "1"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[0]!.message).toMatch(/could not revert .*held 2 s/);
    expect(fake.openLocks()).toBe(0);
  });

  it("reverts timed and after-load faults that fired, in the order they fired, newest first", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const reverted = spyOnReverts(() => false);
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([
      { action: "table-lock", at: "after-load", holdS: 1 },
      { action: "table-lock", at: 0.02, holdS: 2 },
      { action: "table-lock", at: 0.01, holdS: 3 },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    await schedule.afterLoad();
    expect(await schedule.revertAll()).toEqual([]);
    expect(reverted.map((d) => /held (\d) s/.exec(d)?.[1])).toEqual(["1", "2", "3"]);
  });

  it("cancels faults that have not fired, and does not revert them", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const reverted = spyOnReverts(() => false);
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, undefined, (d) => fired.push(d));
    schedule.start([
      { action: "table-lock", at: 0.01, holdS: 1 },
      { action: "table-lock", at: 0.05, holdS: 2 },
      { action: "signal-master", at: 0.05, signal: "TERM" },
      { action: "table-lock", at: "after-load", holdS: 3 },
    ]);
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toEqual(["an exclusive lock on the app's table, held 1 s: every query of it waits"]);

    expect(await schedule.revertAll()).toEqual([]);
    expect(reverted).toEqual(["an exclusive lock on the app's table, held 1 s: every query of it waits"]);
    const callsAtRevert = [...fake.calls];

    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toHaveLength(1);
    expect(fake.calls).toEqual(callsAtRevert);
    expect(fake.calls).not.toContain("signalMaster TERM");
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["table-lock", "table-unlock"]);
  });

  it("waits for injections still under way before reverting", async () => {
    vi.useFakeTimers();
    const fake = fakeFaultTarget();
    const database = fake.sut.database!;
    const sql = database.sql.bind(database);
    // The lock is granted only on the third poll (polls are 50 ms apart).
    let polls = 0;
    vi.spyOn(database, "sql").mockImplementation(async (statement, name) => {
      if (statement.includes("pg_locks")) return { exitCode: 0, stdout: ++polls >= 3 ? "1" : "0", stderr: "" };
      return sql(statement, name);
    });
    const schedule = new FaultSchedule(fake.sut);
    schedule.start([{ action: "table-lock", at: 0, holdS: 5 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toBe(1);

    const reverting = schedule.revertAll();
    await vi.advanceTimersByTimeAsync(200);
    expect(await reverting).toEqual([]);
    expect(polls).toBe(3);
    // The lock was recorded before it was reverted, and its end after.
    expect(fake.calls.filter((c) => c.startsWith("event") || c === "sql terminate")).toEqual([
      "event table-lock",
      "sql terminate",
      "event table-unlock",
    ]);
  });

  it("returns no errors when nothing was injected", async () => {
    expect(await new FaultSchedule(fakeFaultTarget().sut).revertAll()).toEqual([]);
  });
});

describe("FaultSchedule: coverage of the fault actions", () => {
  /** Every fault the harness defines, and the test file that asserts what it records and does (tsc fails on a new one). */
  const covered = {
    "signal-master": "fault-schedule.test.ts (timed faults; inject); rolling-deploy.test.ts (with instance)",
    "signal-worker": "fault-schedule.test.ts (what each fault records)",
    request: "fault-schedule.test.ts (what each fault records)",
    "worker-freeze": "worker-freeze.test.ts",
    "memory-squeeze": "memory-squeeze.test.ts",
    "table-lock": "fault-schedule.test.ts (what each fault records; revertAll)",
    "db-latency": "db-toxic.test.ts",
    "db-stall": "db-toxic.test.ts",
    "db-refuse": "db-toxic.test.ts",
    "db-reset": "db-toxic.test.ts",
    "db-outage": "db-outage.test.ts",
    "rolling-deploy": "rolling-deploy.test.ts",
  } satisfies Record<FaultAction, string>;

  it("every fault the registry holds has its tests, and only those", () => {
    expect(FAULTS.map((fault) => fault.action).sort()).toEqual(Object.keys(covered).sort());
  });
});
