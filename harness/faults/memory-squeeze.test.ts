import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFaultTarget, faultEvents } from "../testing/fake-fault-target.ts";
import { FaultSchedule } from "./fault-schedule.ts";

const MiB = 1_048_576;
/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("memory-squeeze", () => {
  const PID_FILE = "/tmp/chaos-harness-memory-squeeze.pid";
  const stopFiller = [
    "sh",
    "-c",
    expect.stringMatching(/kill \$\(cat \/tmp\/chaos-harness-memory-squeeze\.pid\).*rm -f \/tmp\/chaos-harness-memory-squeeze\.pid/),
  ];

  it("reads the limit, makes the picked worker the OOM killer's first choice, records pid and limit, then starts the filler", async () => {
    const fake = fakeFaultTarget({ memoryLimitBytes: 256 * MiB + 300_000 });
    const schedule = new FaultSchedule(fake.sut);
    const injected = await schedule.inject({ action: "memory-squeeze", worker: "newest", maxS: 12 });
    const event = {
      kind: "fault",
      at: expect.any(Number),
      action: "memory-squeeze",
      target: "worker",
      pid: 8,
      detail: "oom_score_adj 1000, memory filled up to the 256 MiB limit",
    };
    expect(injected).toEqual({ events: [event], pid: 8 });
    expect(fake.calls).toEqual([
      "memory",
      "pickWorker newest",
      "execInApp echo 1000 > /proc/8/oom_score_adj",
      "event memory-squeeze",
      "startInApp python3 8 12 /tmp/chaos-harness-memory-squeeze.pid",
    ]);
    // The filler is bounded by the victim's life and maxS, and leaves its pid where the revert looks for it.
    expect(fake.commands).toEqual([
      ["sh", "-c", "echo 1000 > /proc/8/oom_score_adj"],
      ["python3", "-c", expect.stringContaining("os.kill(victim, 0)"), "8", "12", PID_FILE],
    ]);
    expect(fake.commands[1]![2]).toContain("os.kill(victim, 0)");

    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.slice(5)).toEqual(["execInApp stop filler"]);
    expect(fake.commands[2]).toEqual(stopFiller);
    expect(fake.events.all).toEqual([event]);
  });

  it("squeezes the oldest worker for at most 30 s by default", async () => {
    const fake = fakeFaultTarget();
    expect(await new FaultSchedule(fake.sut).injectIntoWorker({ action: "memory-squeeze" })).toBe(7);
    expect(fake.calls.at(-1)).toBe("startInApp python3 7 30 /tmp/chaos-harness-memory-squeeze.pid");
    expect(faultEvents(fake.events)[0]).toMatchObject({
      action: "memory-squeeze",
      pid: 7,
      detail: "oom_score_adj 1000, memory filled up to the 512 MiB limit",
    });
  });

  it("refuses, picking and recording nothing, when the app container has no memory limit", async () => {
    const fake = fakeFaultTarget({ memoryLimitBytes: null });
    const schedule = new FaultSchedule(fake.sut);
    await expect(schedule.inject({ action: "memory-squeeze" })).rejects.toThrow("memory-squeeze needs a memory limit on the app container");
    expect(fake.calls).toEqual(["memory"]);
    // The revert still runs, and only tries to stop a filler (there is none).
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["memory", "execInApp stop filler"]);
    expect(fake.events.all).toEqual([]);
  });

  it("fails, recording nothing and starting no filler, when the worker's oom_score_adj cannot be raised", async () => {
    const fake = fakeFaultTarget({ oomAdjust: { exitCode: 1, stdout: "", stderr: "sh: /proc/7/oom_score_adj: Permission denied\n" } });
    await expect(new FaultSchedule(fake.sut).inject({ action: "memory-squeeze" })).rejects.toThrow(
      "could not raise worker 7's oom_score_adj: sh: /proc/7/oom_score_adj: Permission denied",
    );
    expect(fake.calls).toEqual(["memory", "pickWorker oldest", "execInApp echo 1000 > /proc/7/oom_score_adj"]);
    expect(fake.events.all).toEqual([]);
  });

  it("fires on time, and when the run aborts teardown still stops the filler; failing to stop it is no revert error", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget();
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.sut, controller.signal);
    schedule.start([{ action: "memory-squeeze", at: 1, worker: "oldest", maxS: 20 }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.events.all).toEqual([
      {
        kind: "fault",
        at: T0 + 1_000,
        action: "memory-squeeze",
        target: "worker",
        pid: 7,
        detail: "oom_score_adj 1000, memory filled up to the 512 MiB limit",
      },
    ]);

    controller.abort();
    fake.fail.execInApp = new Error("container is not running");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.at(-1)).toBe("execInApp stop filler");
    expect(fake.commands.at(-1)).toEqual(stopFiller);
  });
});
