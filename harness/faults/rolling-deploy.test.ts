import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventLog } from "../events/event-log.ts";
import { deploySteps, fakeFaultTarget, faultEvents } from "../testing/fake-fault-target.ts";
import { FaultSchedule } from "./fault-schedule.ts";
import { faultSpecSchema } from "./fault-spec.ts";

/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("rolling-deploy", () => {
  const sigterm = (instance: string, at: number) => ({
    kind: "fault",
    at,
    action: "signal-master",
    target: "master",
    signal: "SIGTERM",
    instance,
    detail: "SIGTERM",
  });
  const sigkill = (instance: string, at: number) => ({
    kind: "fault",
    at,
    action: "signal-master",
    target: "master",
    signal: "SIGKILL",
    instance,
    detail: "SIGKILL",
  });
  /** Each step as [action, instance, ms since T0]. */
  const stepsOf = (events: EventLog) => deploySteps(events).map((s) => [s.round, s.action, s.instance, s.at - T0]);
  /** The calls of one render round whose old replica exits on SIGTERM. */
  const renderRound = (round: number, old: string, fresh: string) => [
    `deploy ${round} start ${old}`,
    `launchReplica ${fresh}`,
    `deploy ${round} enable ${fresh}`,
    `lb ${fresh} ready`,
    `lb waitUntilUp ${fresh} 10000`,
    `deploy ${round} healthy ${fresh}`,
    `deploy ${round} drain ${old}`,
    `lb ${old} drain`,
    `deploy ${round} sigterm ${old}`,
    "event signal-master",
    `signalReplica ${old} TERM`,
    `waitForReplicaExit ${old} 30000`,
    `deploy ${round} exited ${old}`,
    `lb ${old} maint`,
    `removeReplica ${old}`,
  ];

  it("render (the default) replaces each replica in turn: steps, SIGTERM to each old master, balancer and stack calls, in order", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ replicas: ["web-1", "web-2"] });
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.sut, undefined, (d) => fired.push(d));
    schedule.start([faultSpecSchema.parse({ action: "rolling-deploy", at: 1 })]);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(schedule.afterLoad()).resolves.toBeUndefined();

    expect(fake.calls).toEqual([...renderRound(1, "web-1", "web-3"), ...renderRound(2, "web-2", "web-4")]);
    expect(faultEvents(fake.events)).toEqual([sigterm("web-1", T0 + 1_000), sigterm("web-2", T0 + 1_000)]);
    const at = T0 + 1_000;
    expect(deploySteps(fake.events).filter((s) => s.round === 1)).toEqual([
      { kind: "deploy", at, round: 1, action: "start", instance: "web-1", detail: "start a new replica to replace web-1" },
      {
        kind: "deploy",
        at,
        round: 1,
        action: "enable",
        instance: "web-3",
        detail: "web-3 ready; enable it on the balancer, routed once its health check passes",
      },
      { kind: "deploy", at, round: 1, action: "healthy", instance: "web-3", detail: "web-3 passed its health check and takes traffic" },
      { kind: "deploy", at, round: 1, action: "drain", instance: "web-1", detail: "drain web-1: no new request, those in progress finish" },
      { kind: "deploy", at, round: 1, action: "sigterm", instance: "web-1", detail: "SIGTERM to web-1's master" },
      {
        kind: "deploy",
        at,
        round: 1,
        action: "exited",
        instance: "web-1",
        detail: "web-1 has exited; taken out of the balancer and removed",
      },
    ]);
    expect(fired[0]).toBe(
      "rolling deploy (render): start new, health check, enable new, drain old, SIGTERM old, SIGKILL old after 30 s if still running",
    );
    expect(fired.slice(1)).toEqual(deploySteps(fake.events).map((s) => `deploy round ${s.round}: ${s.detail}`));
    expect(fake.replicas()).toEqual(["web-3", "web-4"]);
    expect(await schedule.revertAll()).toEqual([]);
  });

  it("SIGKILLs an old replica that outlives its grace period, recording the SIGKILL at the grace's end", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ replicas: ["web-1"], exitsOn: ["KILL"] });
    const injecting = new FaultSchedule(fake.sut).inject({ action: "rolling-deploy", profile: "render", graceS: 5 });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.calls).not.toContain("signalReplica web-1 KILL");
    await vi.advanceTimersByTimeAsync(1);
    expect(await injecting).toEqual({ events: [sigterm("web-1", T0), sigkill("web-1", T0 + 5_000)], pid: undefined });

    expect(stepsOf(fake.events)).toEqual([
      [1, "start", "web-1", 0],
      [1, "enable", "web-2", 0],
      [1, "healthy", "web-2", 0],
      [1, "drain", "web-1", 0],
      [1, "sigterm", "web-1", 0],
      [1, "sigkill", "web-1", 5_000],
      [1, "exited", "web-1", 5_000],
    ]);
    expect(deploySteps(fake.events).find((s) => s.action === "sigkill")?.detail).toBe("web-1 outlived the 5 s grace period: SIGKILL");
    expect(fake.calls.slice(fake.calls.indexOf("deploy 1 sigterm web-1"))).toEqual([
      "deploy 1 sigterm web-1",
      "event signal-master",
      "signalReplica web-1 TERM",
      "waitForReplicaExit web-1 5000",
      "deploy 1 sigkill web-1",
      "event signal-master",
      "signalReplica web-1 KILL",
      "waitForReplicaExit web-1 10000",
      "deploy 1 exited web-1",
      "lb web-1 maint",
      "removeReplica web-1",
    ]);
  });

  it.each([
    {
      name: "kubernetes: preStop sleep, then SIGTERM; the routing change lands on its own clock",
      spec: { action: "rolling-deploy", profile: "kubernetes", preStopS: 3, routingLagS: 0.5, graceS: 20 } as const,
      steps: [
        [1, "pre-stop", "web-1", 0],
        [1, "unready", "web-1", 500],
        [1, "sigterm", "web-1", 3_000],
        [1, "exited", "web-1", 3_000],
      ],
      calls: [
        "deploy 1 pre-stop web-1",
        "deploy 1 unready web-1",
        "lb web-1 drain",
        "deploy 1 sigterm web-1",
        "event signal-master",
        "signalReplica web-1 TERM",
        "waitForReplicaExit web-1 20000",
        "deploy 1 exited web-1",
        "lb web-1 maint",
        "removeReplica web-1",
      ],
      sigtermAt: 3_000,
    },
    {
      name: "naive: SIGTERM at once while the router still sends requests, the routing change 2 s later",
      spec: { action: "rolling-deploy", profile: "naive" } as const,
      steps: [
        [1, "sigterm", "web-1", 0],
        [1, "unready", "web-1", 2_000],
        [1, "exited", "web-1", 2_000],
      ],
      calls: [
        "deploy 1 sigterm web-1",
        "event signal-master",
        "signalReplica web-1 TERM",
        "waitForReplicaExit web-1 30000",
        "deploy 1 unready web-1",
        "lb web-1 drain",
        "deploy 1 exited web-1",
        "lb web-1 maint",
        "removeReplica web-1",
      ],
      sigtermAt: 0,
    },
  ])("$name", async ({ spec, steps, calls, sigtermAt }) => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ replicas: ["web-1"] });
    const injecting = new FaultSchedule(fake.sut).inject(spec);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await injecting).toEqual({ events: [sigterm("web-1", T0 + sigtermAt)], pid: undefined });
    expect(stepsOf(fake.events)).toEqual([[1, "start", "web-1", 0], [1, "enable", "web-2", 0], [1, "healthy", "web-2", 0], ...steps]);
    expect(fake.calls.slice(fake.calls.indexOf("deploy 1 healthy web-2") + 1)).toEqual(calls);
    expect(deploySteps(fake.events).find((s) => s.action === "sigterm")?.detail).toBe(
      "SIGTERM to web-1's master (the router still sends it requests)",
    );
    expect(fake.replicas()).toEqual(["web-2"]);
  });

  it("when the run aborts during the grace period: no SIGKILL, the old replica is neither taken out nor removed (teardown's job)", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ replicas: ["web-1"], exitsOn: [] });
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.sut, controller.signal);
    schedule.start([faultSpecSchema.parse({ action: "rolling-deploy", at: 0, graceS: 30 })]);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await expect(schedule.afterLoad()).rejects.toThrow(/^Fault injection failed: rolling deploy \(render\).*: This operation was aborted$/);

    expect(faultEvents(fake.events)).toEqual([sigterm("web-1", T0)]);
    expect(stepsOf(fake.events).map(([, action]) => action)).toEqual(["start", "enable", "healthy", "drain", "sigterm"]);
    expect(fake.calls.slice(-2)).toEqual(["signalReplica web-1 TERM", "waitForReplicaExit web-1 30000"]);
    expect(await schedule.revertAll()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls.slice(-2)).toEqual(["signalReplica web-1 TERM", "waitForReplicaExit web-1 30000"]);
    expect(fake.replicas()).toEqual(["web-1", "web-2"]);
  });

  it("when the run aborts during kubernetes' preStop sleep, the old replica gets no SIGTERM", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeFaultTarget({ replicas: ["web-1"] });
    const controller = new AbortController();
    const injecting = new FaultSchedule(fake.sut, controller.signal).inject({
      action: "rolling-deploy",
      profile: "kubernetes",
      preStopS: 5,
    });
    const outcome = expect(injecting).rejects.toThrow("This operation was aborted");
    await vi.advanceTimersByTimeAsync(2_000);
    controller.abort();
    await outcome;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(faultEvents(fake.events)).toEqual([]);
    expect(fake.calls.filter((c) => c.startsWith("signalReplica") || c.includes("sigterm") || c.includes("exited"))).toEqual([]);
    expect(fake.replicas()).toEqual(["web-1", "web-2"]);
  });

  it("when the run aborts between rounds, the next round does not start", async () => {
    const controller = new AbortController();
    const fake = fakeFaultTarget({ replicas: ["web-1", "web-2"], hooks: { "removeReplica web-1": () => controller.abort() } });
    await expect(new FaultSchedule(fake.sut, controller.signal).inject({ action: "rolling-deploy" })).rejects.toThrow(
      "This operation was aborted",
    );
    expect(fake.calls).toEqual(renderRound(1, "web-1", "web-3"));
    expect(faultEvents(fake.events)).toEqual([sigterm("web-1", expect.any(Number))]);
    expect(fake.replicas()).toEqual(["web-2", "web-3"]);
  });

  it("fails before touching the old replica when the new one never passes its health check", async () => {
    const fake = fakeFaultTarget({ replicas: ["web-1"], healthy: false });
    await expect(new FaultSchedule(fake.sut).inject({ action: "rolling-deploy" })).rejects.toThrow(
      "the balancer never saw web-2 pass its health check within 10 s",
    );
    expect(fake.calls).toEqual([
      "deploy 1 start web-1",
      "launchReplica web-2",
      "deploy 1 enable web-2",
      "lb web-2 ready",
      "lb waitUntilUp web-2 10000",
    ]);
    expect(faultEvents(fake.events)).toEqual([]);
  });

  it("refuses, recording nothing, when the stack runs no replicas behind a balancer", async () => {
    const fake = fakeFaultTarget();
    await expect(new FaultSchedule(fake.sut).inject({ action: "rolling-deploy" })).rejects.toThrow(
      "rolling-deploy needs replicas behind the balancer",
    );
    expect(fake.calls).toEqual([]);
    expect(fake.events.all).toEqual([]);
  });
});
