import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExecResult } from "../control/exec.ts";
import type { PinnedRequest } from "../control/pinned-request.ts";
import type { MasterSignal, WorkerSignal } from "../control/signals.ts";
import { sleep } from "../core/poll-until.ts";
import { EventLog } from "../events/event-log.ts";
import type { DeployStepEvent, FaultEvent, FaultFacts } from "../events/events.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { FaultSchedule, type ImmediateFault } from "./fault-schedule.ts";
import { type FaultSpec, faultSpecSchema } from "./fault-spec.ts";
import { TableLockFault } from "./table-lock.ts";

type Method =
  | "signalMaster"
  | "pickWorker"
  | "signalWorker"
  | "sendPinnedRequest"
  | "sql"
  | "memory"
  | "execInApp"
  | "startInApp"
  | "stopDatabase"
  | "startDatabase"
  | "proxy.refuse"
  | "proxy.accept"
  | "launchReplica"
  | "signalReplica"
  | "removeReplica";

const MiB = 1_048_576;
const OK: ExecResult = { exitCode: 0, stdout: "", stderr: "" };

interface FakeOptions {
  /** Methods that reject with this error (the returned `fail` can be changed mid-test). */
  fail?: Partial<Record<Method, Error>>;
  /** What the "is the lock granted" query prints (default "1"). */
  lockGranted?: string;
  /** The app container's memory limit as its cgroup reads (default 512 MiB); null: no limit. */
  memoryLimitBytes?: number | null;
  /** What raising a worker's oom_score_adj exits with (default success). */
  oomAdjust?: ExecResult;
  /** Whether the target has the harness's database (default true). */
  database?: boolean;
  /** Whether the database proxy runs (default true), and how many connections go through it. */
  proxy?: boolean;
  connections?: number;
  /** How long Postgres takes to accept connections again after startDatabase(), ms (fake timers). */
  startDatabaseMs?: number;
  /** Replicas running behind the balancer, oldest first; none (the default): a single app, no balancer. */
  replicas?: string[];
  /** Whether the balancer sees a new replica pass its health check (default true). */
  healthy?: boolean;
  /** The signals an old replica exits on (default TERM and KILL); otherwise it outlives waitForReplicaExit's timeout. */
  exitsOn?: MasterSignal[];
  /** Runs when `calls` gets this entry (e.g. to abort the run at that moment). */
  hooks?: Record<string, () => void>;
}

/**
 * A started stack with a real EventLog and the methods faults call, the database proxy and the
 * balancer's runtime API among them. `calls` holds, in order, every method call, every fault event
 * recorded (`event <action>`) and every deploy step (`deploy <round> <action> <instance>`), so tests
 * can assert what happened first; `commands` holds the commands run in the app container, in full.
 */
function fakeStack(options: FakeOptions = {}) {
  const { lockGranted = "1", memoryLimitBytes = 512 * MiB, oomAdjust = OK, database = true, proxy = true } = options;
  const { connections = 0, startDatabaseMs = 0, healthy = true, exitsOn = ["TERM", "KILL"], hooks = {} } = options;
  const fail: Partial<Record<Method, Error>> = { ...options.fail };
  const events = new EventLog();
  const calls: string[] = [];
  const commands: string[][] = [];
  const note = (call: string) => {
    calls.push(call);
    hooks[call]?.();
  };
  events.subscribe((e) => {
    if (e.kind === "fault") note(`event ${e.action}`);
    else if (e.kind === "deploy") note(`deploy ${e.round} ${e.action} ${e.instance}`);
    else note(`event ${e.kind}`);
  });
  const openSessions: ((result: ExecResult) => void)[] = [];
  const failIf = (method: Method) => {
    const error = fail[method];
    if (error) throw error;
  };
  const endSessions = (result: ExecResult) => {
    for (const end of openSessions.splice(0)) end(result);
  };
  const dbProxy = {
    connections,
    setLatency(latency: { ms: number; jitterMs: number } | undefined): void {
      note(latency ? `proxy setLatency ${latency.ms}±${latency.jitterMs}` : "proxy setLatency off");
    },
    stall: () => note("proxy stall"),
    resume: () => note("proxy resume"),
    resetAll(): number {
      note("proxy resetAll");
      return connections;
    },
    async refuse(): Promise<void> {
      note("proxy refuse");
      failIf("proxy.refuse");
    },
    async accept(): Promise<void> {
      note("proxy accept");
      failIf("proxy.accept");
    },
  };
  const replicas = (options.replicas ?? []).map((instance) => ({ instance }));
  let launched = replicas.length;
  const signalled = new Set<string>();
  const hasExited = (instance: string) => exitsOn.some((s) => signalled.has(`${instance} ${s}`));
  const balancer = options.replicas && {
    api: {
      async setServer(name: string, state: "ready" | "drain" | "maint"): Promise<void> {
        note(`lb ${name} ${state}`);
      },
      async waitUntilUp(name: string, timeoutMs: number): Promise<boolean> {
        note(`lb waitUntilUp ${name} ${timeoutMs}`);
        return healthy;
      },
    },
  };
  const stack = {
    events,
    target: { name: "demo", database: database ? { urlEnv: "DATABASE_URL", lockTable: "app_items" } : undefined },
    dbProxy: proxy ? dbProxy : undefined,
    balancer,
    replicas,
    async signalMaster(signal: MasterSignal): Promise<void> {
      note(`signalMaster ${signal}`);
      failIf("signalMaster");
    },
    async pickWorker(which: "oldest" | "newest"): Promise<number> {
      note(`pickWorker ${which}`);
      failIf("pickWorker");
      return which === "oldest" ? 7 : 8;
    },
    async signalWorker(pid: number, signal: WorkerSignal): Promise<void> {
      note(`signalWorker ${pid} ${signal}`);
      failIf("signalWorker");
    },
    async sendPinnedRequest(path: string, timeoutMs?: number): Promise<PinnedRequest> {
      note(`sendPinnedRequest ${path} ${timeoutMs}`);
      failIf("sendPinnedRequest");
      return { pid: 9, outcome: Promise.resolve({ status: 200 }) };
    },
    sql(statement: string, applicationName?: string): Promise<ExecResult> {
      failIf("sql");
      if (statement.startsWith("BEGIN")) {
        note(`sql session ${applicationName}`);
        return new Promise((resolve) => openSessions.push(resolve));
      }
      if (statement.includes("pg_locks")) {
        note("sql lock-granted?");
        return Promise.resolve({ exitCode: 0, stdout: `${lockGranted}\n`, stderr: "" });
      }
      if (statement.includes("pg_terminate_backend")) {
        note("sql terminate");
        endSessions({ exitCode: 2, stdout: "", stderr: "FATAL:  terminating connection due to administrator command" });
        return Promise.resolve({ exitCode: 0, stdout: "t\n", stderr: "" });
      }
      note(`sql ${statement}`);
      return Promise.resolve(OK);
    },
    async memory() {
      note("memory");
      failIf("memory");
      return { version: 2, oomKills: 0, limitBytes: memoryLimitBytes, usageBytes: 100 * MiB };
    },
    async execInApp(command: string[]): Promise<ExecResult> {
      const script = command[2] ?? "";
      note(`execInApp ${script.includes("kill $(cat") ? "stop filler" : script}`);
      commands.push(command);
      failIf("execInApp");
      return script.includes("oom_score_adj") ? oomAdjust : OK;
    },
    async startInApp(command: string[]): Promise<void> {
      note(`startInApp ${command[0]} ${command.slice(3).join(" ")}`);
      commands.push(command);
      failIf("startInApp");
    },
    async stopDatabase(): Promise<void> {
      note("stopDatabase");
      failIf("stopDatabase");
    },
    async startDatabase(): Promise<void> {
      note("startDatabase");
      if (startDatabaseMs > 0) await sleep(startDatabaseMs);
      failIf("startDatabase");
    },
    async launchReplica(): Promise<{ instance: string }> {
      failIf("launchReplica");
      const replica = { instance: `web-${++launched}` };
      note(`launchReplica ${replica.instance}`);
      replicas.push(replica);
      return replica;
    },
    async signalReplica(instance: string, signal: MasterSignal): Promise<void> {
      note(`signalReplica ${instance} ${signal}`);
      failIf("signalReplica");
      signalled.add(`${instance} ${signal}`);
    },
    async waitForReplicaExit(instance: string, timeoutMs: number, signal?: AbortSignal) {
      note(`waitForReplicaExit ${instance} ${timeoutMs}`);
      if (!hasExited(instance)) await sleep(timeoutMs, signal);
      return hasExited(instance) ? { running: false, exitCode: 0, oomKilled: false } : undefined;
    },
    async removeReplica(instance: string): Promise<void> {
      note(`removeReplica ${instance}`);
      failIf("removeReplica");
      replicas.splice(
        replicas.findIndex((r) => r.instance === instance),
        1,
      );
    },
  };
  return {
    stack: stack as unknown as StartedStack,
    events,
    calls,
    commands,
    fail,
    /** The instances of the replicas the stack runs now (what its teardown would remove). */
    replicas: () => replicas.map((r) => r.instance),
    /** The lock's session ends by itself (pg_sleep ran out). */
    endLocks: () => endSessions({ exitCode: 0, stdout: "COMMIT\n", stderr: "" }),
    openLocks: () => openSessions.length,
  };
}

const faultEvents = (events: EventLog): FaultEvent[] => events.all.filter((e): e is FaultEvent => e.kind === "fault");
const deploySteps = (events: EventLog): DeployStepEvent[] => events.all.filter((e): e is DeployStepEvent => e.kind === "deploy");
/** The fake clock's start, for tests that assert when events were recorded. */
const T0 = 1_000_000;
/** Lets pending promise callbacks run (real timers). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("FaultSchedule: timed faults", () => {
  it("fires a timed fault `at` seconds after start(), not before, and records it before signalling", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fake = fakeStack();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, undefined, (d) => fired.push(d));
    const spec: FaultSpec = { action: "signal-master", at: 0.05, signal: "TERM" };

    schedule.start([spec]);
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.calls).toEqual([]);
    expect(fake.events.all).toEqual([]);
    expect(fired).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["SIGTERM to the master (a deploy: graceful shutdown)"]);
    expect(fake.events.all).toEqual([{ kind: "fault", at: 1_000_050, action: "signal-master", target: "master", signal: "SIGTERM" }]);
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TERM"]);
    await expect(schedule.afterLoad()).resolves.toBeUndefined();
  });

  it("does not fire a timed fault when start() was never called", async () => {
    vi.useFakeTimers();
    const fake = fakeStack();
    new FaultSchedule(fake.stack);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual([]);
  });

  it("fires timed faults in the order of their times, whatever the order of the specs", async () => {
    vi.useFakeTimers();
    const fake = fakeStack();
    const schedule = new FaultSchedule(fake.stack);
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
    const fake = fakeStack();
    const controller = new AbortController();
    controller.abort();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, controller.signal, (d) => fired.push(d));
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
    const fake = fakeStack();
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.stack, controller.signal);
    schedule.start([{ action: "signal-master", at: 0.05, signal: "TERM" }]);
    await vi.advanceTimersByTimeAsync(20);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual([]);
  });
});

describe("FaultSchedule: what each fault records", () => {
  it("signal-worker records the pid the stack picked, after picking and before signalling", async () => {
    const fake = fakeStack();
    const injected = await new FaultSchedule(fake.stack).inject({ action: "signal-worker", signal: "KILL", worker: "newest" });
    const event = { kind: "fault", at: expect.any(Number), action: "signal-worker", target: "worker", pid: 8, signal: "SIGKILL" };
    expect(injected).toEqual({ events: [event], pid: 8 });
    expect(fake.events.all).toEqual([event]);
    expect(fake.calls).toEqual(["pickWorker newest", "event signal-worker", "signalWorker 8 KILL"]);
  });

  it("signal-worker picks the oldest worker by default", async () => {
    const fake = fakeStack();
    expect(await new FaultSchedule(fake.stack).injectIntoWorker({ action: "signal-worker", signal: "TERM" })).toBe(7);
    expect(fake.calls).toEqual(["pickWorker oldest", "event signal-worker", "signalWorker 7 TERM"]);
  });

  it("request records the worker that took it and the path, after the request is on its way", async () => {
    const fake = fakeStack();
    const before = Date.now();
    const injected = await new FaultSchedule(fake.stack).inject({ action: "request", path: "/block?ms=8000", timeoutS: 3 });
    expect(injected.pid).toBe(9);
    expect(injected.events).toEqual([
      { kind: "fault", at: expect.any(Number), action: "request", target: "worker", pid: 9, path: "/block?ms=8000" },
    ]);
    expect(injected.events[0]!.at).toBeGreaterThanOrEqual(before);
    expect(injected.events[0]!.at).toBeLessThanOrEqual(Date.now());
    expect(fake.calls).toEqual(["sendPinnedRequest /block?ms=8000 3000", "event request"]);
  });

  it("request waits up to 120 s by default", async () => {
    const fake = fakeStack();
    await new FaultSchedule(fake.stack).inject({ action: "request", path: "/slow?ms=20000" });
    expect(fake.calls[0]).toBe("sendPinnedRequest /slow?ms=20000 120000");
  });

  it("table-lock records the table and the window once the lock is granted, and table-unlock once its session ends", async () => {
    const fake = fakeStack();
    const schedule = new FaultSchedule(fake.stack);
    const injected = await schedule.inject({ action: "table-lock", holdS: 4 });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: expect.any(Number), action: "table-lock", target: "database", table: "app_items", windowS: 4 }],
      pid: undefined,
    });
    expect(fake.calls).toEqual(["sql session chaos-harness-lock", "sql lock-granted?", "event table-lock"]);
    await settle();
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["table-lock"]);

    fake.endLocks();
    await settle();
    expect(faultEvents(fake.events)).toEqual([
      { kind: "fault", at: expect.any(Number), action: "table-lock", target: "database", table: "app_items", windowS: 4 },
      { kind: "fault", at: expect.any(Number), action: "table-unlock", target: "database", table: "app_items" },
    ]);
    expect(await schedule.revertAll()).toEqual([]);
    expect(faultEvents(fake.events)).toHaveLength(2);
  });

  it("db-lock fails, recording nothing, when the lock is not granted within 5 s", async () => {
    vi.useFakeTimers();
    const fake = fakeStack({ lockGranted: "0" });
    const schedule = new FaultSchedule(fake.stack);
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

describe("FaultSchedule: worker-freeze", () => {
  const stopped = (pid: number, at: unknown = expect.any(Number)) => ({
    kind: "fault",
    at,
    action: "worker-freeze",
    target: "worker",
    pid,
    signal: "SIGSTOP",
  });

  it("records the picked worker's pid and SIGSTOP before stopping it, and SIGCONTs that pid at revert, recording nothing more", async () => {
    const fake = fakeStack();
    const schedule = new FaultSchedule(fake.stack);
    const injected = await schedule.inject({ action: "worker-freeze", worker: "newest" });
    expect(injected).toEqual({ events: [stopped(8)], pid: 8 });
    expect(fake.calls).toEqual(["pickWorker newest", "event worker-freeze", "signalWorker 8 STOP"]);

    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.slice(3)).toEqual(["signalWorker 8 CONT"]);
    expect(fake.events.all).toEqual([stopped(8)]);
  });

  it("freezes the oldest worker by default", async () => {
    const fake = fakeStack();
    expect(await new FaultSchedule(fake.stack).injectIntoWorker({ action: "worker-freeze" })).toBe(7);
    expect(fake.calls).toEqual(["pickWorker oldest", "event worker-freeze", "signalWorker 7 STOP"]);
  });

  it("fires on time, and SIGCONTs at teardown when the run aborted while the worker was frozen", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeStack();
    const controller = new AbortController();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, controller.signal, (d) => fired.push(d));
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
    const fake = fakeStack({ fail: { signalWorker: new Error("no such process") } });
    const schedule = new FaultSchedule(fake.stack);
    schedule.start([{ action: "worker-freeze", at: "after-load", worker: "oldest" }]);
    await expect(schedule.afterLoad()).rejects.toThrow(
      "Fault injection failed: SIGSTOP to the oldest worker: frozen, it stops notifying the master: no such process",
    );
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["pickWorker oldest", "event worker-freeze", "signalWorker 7 STOP", "signalWorker 7 CONT"]);
  });

  it("when no worker could be picked it records nothing and sends no SIGCONT at teardown", async () => {
    const fake = fakeStack({ fail: { pickWorker: new Error("no live worker to pick") } });
    const schedule = new FaultSchedule(fake.stack);
    await expect(schedule.inject({ action: "worker-freeze" })).rejects.toThrow("no live worker to pick");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["pickWorker oldest"]);
    expect(fake.events.all).toEqual([]);
  });
});

describe("FaultSchedule: memory-squeeze", () => {
  const PID_FILE = "/tmp/chaos-harness-memory-squeeze.pid";
  const stopFiller = [
    "sh",
    "-c",
    expect.stringMatching(/kill \$\(cat \/tmp\/chaos-harness-memory-squeeze\.pid\).*rm -f \/tmp\/chaos-harness-memory-squeeze\.pid/),
  ];

  it("reads the limit, makes the picked worker the OOM killer's first choice, records pid and limit, then starts the filler", async () => {
    const fake = fakeStack({ memoryLimitBytes: 256 * MiB + 300_000 });
    const schedule = new FaultSchedule(fake.stack);
    const injected = await schedule.inject({ action: "memory-squeeze", worker: "newest", maxS: 12 });
    const event = { kind: "fault", at: expect.any(Number), action: "memory-squeeze", target: "worker", pid: 8, limitMb: 256 };
    expect(injected).toEqual({ events: [event], pid: 8 });
    expect(fake.calls).toEqual([
      "memory",
      "pickWorker newest",
      "execInApp echo 1000 > /proc/8/oom_score_adj",
      "event memory-squeeze",
      "startInApp python3 8 12",
    ]);
    // The filler is bounded by the victim's life and maxS, and leaves its pid where the revert looks for it.
    expect(fake.commands).toEqual([
      ["sh", "-c", "echo 1000 > /proc/8/oom_score_adj"],
      ["python3", "-c", expect.stringContaining(`open("${PID_FILE}", "w")`), "8", "12"],
    ]);
    expect(fake.commands[1]![2]).toContain("os.kill(victim, 0)");

    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.slice(5)).toEqual(["execInApp stop filler"]);
    expect(fake.commands[2]).toEqual(stopFiller);
    expect(fake.events.all).toEqual([event]);
  });

  it("squeezes the oldest worker for at most 30 s by default", async () => {
    const fake = fakeStack();
    expect(await new FaultSchedule(fake.stack).injectIntoWorker({ action: "memory-squeeze" })).toBe(7);
    expect(fake.calls.at(-1)).toBe("startInApp python3 7 30");
    expect(faultEvents(fake.events)[0]).toMatchObject({ action: "memory-squeeze", pid: 7, limitMb: 512 });
  });

  it("refuses, picking and recording nothing, when the app container has no memory limit", async () => {
    const fake = fakeStack({ memoryLimitBytes: null });
    const schedule = new FaultSchedule(fake.stack);
    await expect(schedule.inject({ action: "memory-squeeze" })).rejects.toThrow("memory-squeeze needs a memory limit on the app container");
    expect(fake.calls).toEqual(["memory"]);
    // The revert still runs, and only tries to stop a filler (there is none).
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["memory", "execInApp stop filler"]);
    expect(fake.events.all).toEqual([]);
  });

  it("fails, recording nothing and starting no filler, when the worker's oom_score_adj cannot be raised", async () => {
    const fake = fakeStack({ oomAdjust: { exitCode: 1, stdout: "", stderr: "sh: /proc/7/oom_score_adj: Permission denied\n" } });
    await expect(new FaultSchedule(fake.stack).inject({ action: "memory-squeeze" })).rejects.toThrow(
      "could not raise worker 7's oom_score_adj: sh: /proc/7/oom_score_adj: Permission denied",
    );
    expect(fake.calls).toEqual(["memory", "pickWorker oldest", "execInApp echo 1000 > /proc/7/oom_score_adj"]);
    expect(fake.events.all).toEqual([]);
  });

  it("fires on time, and when the run aborts teardown still stops the filler; failing to stop it is no revert error", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeStack();
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.stack, controller.signal);
    schedule.start([{ action: "memory-squeeze", at: 1, worker: "oldest", maxS: 20 }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.events.all).toEqual([{ kind: "fault", at: T0 + 1_000, action: "memory-squeeze", target: "worker", pid: 7, limitMb: 512 }]);

    controller.abort();
    fake.fail.execInApp = new Error("container is not running");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls.at(-1)).toBe("execInApp stop filler");
    expect(fake.commands.at(-1)).toEqual(stopFiller);
  });
});

describe("FaultSchedule: database proxy windows (db-latency, db-stall, db-refuse)", () => {
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
      facts: { action: "db-latency", target: "database", ms: 300, jitterMs: 50, windowS: 2 },
      open: "proxy setLatency 300±50",
      close: "proxy setLatency off",
    },
    {
      spec: { action: "db-stall", forS: 2 },
      facts: { action: "db-stall", target: "database", windowS: 2 },
      open: "proxy stall",
      close: "proxy resume",
    },
    {
      spec: { action: "db-refuse", forS: 2 },
      facts: { action: "db-refuse", target: "database", windowS: 2 },
      open: "proxy refuse",
      close: "proxy accept",
    },
  ];
  const restored = (after: string, at: number) => ({ kind: "fault", at, action: "db-restored", target: "database", after });

  it.each(windows)(
    "$spec.action records its window before opening it, and closes it by itself after forS, once",
    async ({ spec, facts, open, close }) => {
      vi.useFakeTimers({ now: T0 });
      const fake = fakeStack();
      const schedule = new FaultSchedule(fake.stack);
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
      const fake = fakeStack();
      const controller = new AbortController();
      const schedule = new FaultSchedule(fake.stack, controller.signal);
      schedule.start([faultSpecSchema.parse({ ...spec, forS: 60, at: 0.1 })]);
      await vi.advanceTimersByTimeAsync(500);
      controller.abort();

      expect(await schedule.revertAll()).toEqual([]);
      expect(fake.calls).toEqual([`event ${spec.action}`, open, close, "event db-restored"]);
      expect(faultEvents(fake.events)).toEqual([{ kind: "fault", at: T0 + 100, ...facts, windowS: 60 }, restored(spec.action, T0 + 500)]);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(fake.calls).toHaveLength(4);
    },
  );

  it("db-refuse: when the proxy cannot accept again, the window's own end fails quietly and revertAll reports it, once", async () => {
    vi.useFakeTimers({ now: T0 });
    const cause = new Error("listen EADDRINUSE");
    const fake = fakeStack({ fail: { "proxy.accept": cause } });
    const schedule = new FaultSchedule(fake.stack);
    await schedule.inject({ action: "db-refuse", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.calls).toEqual(["event db-refuse", "proxy refuse", "proxy accept"]);

    expect(await schedule.revertAll()).toEqual([cause]);
    expect(fake.calls).toEqual(["event db-refuse", "proxy refuse", "proxy accept"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["db-refuse"]);
  });

  it("db-reset records the connections it resets before resetting them, opens no window and reverts nothing", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeStack({ connections: 3 });
    const schedule = new FaultSchedule(fake.stack);
    const injected = await schedule.inject({ action: "db-reset" });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: T0, action: "db-reset", target: "database", connections: 3 }],
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
      const fake = fakeStack({ proxy: false });
      const schedule = new FaultSchedule(fake.stack);
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

describe("FaultSchedule: db-outage", () => {
  const outage = (windowS: number, at: number) => ({ kind: "fault", at, action: "db-outage", target: "database", windowS });
  const restored = (at: number) => ({ kind: "fault", at, action: "db-restored", target: "database", after: "db-outage" });

  it("records its window before stopping Postgres, starts it again after forS and records db-restored once it is up", async () => {
    vi.useFakeTimers({ now: T0 });
    const fake = fakeStack({ startDatabaseMs: 300 });
    const schedule = new FaultSchedule(fake.stack);
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
    const fake = fakeStack({ startDatabaseMs: 300 });
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.stack, controller.signal);
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
    const fake = fakeStack({ startDatabaseMs: 500 });
    const schedule = new FaultSchedule(fake.stack);
    await schedule.inject({ action: "db-outage", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_200);
    const reverting = schedule.revertAll();
    await vi.advanceTimersByTimeAsync(300);
    expect(await reverting).toEqual([]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
    expect(faultEvents(fake.events).at(-1)).toEqual(restored(T0 + 1_500));
  });

  it("when stopping Postgres fails the injection fails, and teardown still starts it again", async () => {
    const fake = fakeStack({ fail: { stopDatabase: new Error("container stop timed out") } });
    const schedule = new FaultSchedule(fake.stack);
    await expect(schedule.inject({ action: "db-outage", forS: 5 })).rejects.toThrow("container stop timed out");
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase", "event db-restored"]);
  });

  it("when Postgres does not come back, the window's own end fails quietly and revertAll reports it, recording no db-restored", async () => {
    vi.useFakeTimers({ now: T0 });
    const cause = new Error("Postgres did not accept connections within 30 s of its restart");
    const fake = fakeStack({ fail: { startDatabase: cause } });
    const schedule = new FaultSchedule(fake.stack);
    await schedule.inject({ action: "db-outage", forS: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await schedule.revertAll()).toEqual([cause]);
    expect(fake.calls).toEqual(["event db-outage", "stopDatabase", "startDatabase"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["db-outage"]);
  });

  it("refuses, recording nothing and starting nothing at teardown, when the target has no database", async () => {
    const fake = fakeStack({ database: false });
    const schedule = new FaultSchedule(fake.stack);
    await expect(schedule.inject({ action: "db-outage", forS: 5 })).rejects.toThrow(
      "db-outage needs the harness's database in target demo",
    );
    expect(await schedule.revertAll()).toEqual([]);
    expect(fake.calls).toEqual([]);
  });
});

describe("FaultSchedule: rolling-deploy", () => {
  const sigterm = (instance: string, at: number) => ({
    kind: "fault",
    at,
    action: "signal-master",
    target: "master",
    signal: "SIGTERM",
    instance,
  });
  const sigkill = (instance: string, at: number) => ({
    kind: "fault",
    at,
    action: "signal-master",
    target: "master",
    signal: "SIGKILL",
    instance,
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
    const fake = fakeStack({ replicas: ["web-1", "web-2"] });
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, undefined, (d) => fired.push(d));
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
    const fake = fakeStack({ replicas: ["web-1"], exitsOn: ["KILL"] });
    const injecting = new FaultSchedule(fake.stack).inject({ action: "rolling-deploy", profile: "render", graceS: 5 });
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
    const fake = fakeStack({ replicas: ["web-1"] });
    const injecting = new FaultSchedule(fake.stack).inject(spec);
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
    const fake = fakeStack({ replicas: ["web-1"], exitsOn: [] });
    const controller = new AbortController();
    const schedule = new FaultSchedule(fake.stack, controller.signal);
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
    const fake = fakeStack({ replicas: ["web-1"] });
    const controller = new AbortController();
    const injecting = new FaultSchedule(fake.stack, controller.signal).inject({
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
    const fake = fakeStack({ replicas: ["web-1", "web-2"], hooks: { "removeReplica web-1": () => controller.abort() } });
    await expect(new FaultSchedule(fake.stack, controller.signal).inject({ action: "rolling-deploy" })).rejects.toThrow(
      "This operation was aborted",
    );
    expect(fake.calls).toEqual(renderRound(1, "web-1", "web-3"));
    expect(faultEvents(fake.events)).toEqual([sigterm("web-1", expect.any(Number))]);
    expect(fake.replicas()).toEqual(["web-2", "web-3"]);
  });

  it("fails before touching the old replica when the new one never passes its health check", async () => {
    const fake = fakeStack({ replicas: ["web-1"], healthy: false });
    await expect(new FaultSchedule(fake.stack).inject({ action: "rolling-deploy" })).rejects.toThrow(
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
    const fake = fakeStack();
    await expect(new FaultSchedule(fake.stack).inject({ action: "rolling-deploy" })).rejects.toThrow(
      "rolling-deploy needs replicas behind the balancer",
    );
    expect(fake.calls).toEqual([]);
    expect(fake.events.all).toEqual([]);
  });
});

describe("FaultSchedule: inject and injectIntoWorker", () => {
  it("inject() injects at once and returns the events it recorded, with no pid for a master signal", async () => {
    const fake = fakeStack();
    const injected = await new FaultSchedule(fake.stack).inject({ action: "signal-master", signal: "HUP" });
    expect(injected).toEqual({
      events: [{ kind: "fault", at: expect.any(Number), action: "signal-master", target: "master", signal: "SIGHUP" }],
      pid: undefined,
    });
    expect(fake.calls).toEqual(["event signal-master", "signalMaster HUP"]);
  });

  it("inject() returns only its own events, not those already in the log", async () => {
    const fake = fakeStack();
    const schedule = new FaultSchedule(fake.stack);
    await schedule.inject({ action: "signal-master", signal: "TTIN" });
    const second = await schedule.inject({ action: "signal-worker", signal: "TERM", worker: "oldest" });
    expect(second.events.map((e) => e.action)).toEqual(["signal-worker"]);
    expect(faultEvents(fake.events).map((e) => e.action)).toEqual(["signal-master", "signal-worker"]);
  });

  it("injectIntoWorker() resolves with the pid it hit", async () => {
    const fake = fakeStack();
    const schedule = new FaultSchedule(fake.stack);
    expect(await schedule.injectIntoWorker({ action: "request", path: "/alloc?mb=700" })).toBe(9);
    expect(await schedule.injectIntoWorker({ action: "signal-worker", signal: "KILL", worker: "newest" })).toBe(8);
  });

  it("injectIntoWorker() of a master signal rejects (after injecting it)", async () => {
    const fake = fakeStack();
    await expect(new FaultSchedule(fake.stack).injectIntoWorker({ action: "signal-master", signal: "TERM" })).rejects.toThrow(
      "signal-master hit no worker",
    );
    expect(fake.calls).toEqual(["event signal-master", "signalMaster TERM"]);
  });

  it("inject() rejects with the stack's error, and validates the spec", async () => {
    const fake = fakeStack({ fail: { pickWorker: new Error("no live worker to pick") } });
    const schedule = new FaultSchedule(fake.stack);
    await expect(schedule.inject({ action: "signal-worker", signal: "KILL" })).rejects.toThrow("no live worker to pick");
    expect(fake.events.all).toEqual([]);
    await expect(schedule.inject({ action: "request", path: "block" })).rejects.toThrow(/a path starts with \//);
    expect(fake.calls).toEqual(["pickWorker oldest"]);
  });
});

describe("FaultSchedule: after-load faults", () => {
  it('fires "after-load" faults only at afterLoad(), and waits for them', async () => {
    vi.useFakeTimers();
    const fake = fakeStack();
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, undefined, (d) => fired.push(d));
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
    const fake = fakeStack({ fail: { signalMaster: cause } });
    const schedule = new FaultSchedule(fake.stack);
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
    const fake = fakeStack({ fail: { pickWorker: new Error("no live worker to pick"), signalMaster: new Error("gone") } });
    const schedule = new FaultSchedule(fake.stack);
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
  /** Wraps TableLockFault's revert to note which lock (by its description) was reverted, and to fail for some. */
  function spyOnReverts(failFor: (description: string) => boolean) {
    const reverted: string[] = [];
    const original = TableLockFault.prototype.revert;
    vi.spyOn(TableLockFault.prototype, "revert").mockImplementation(async function (this: TableLockFault, context) {
      reverted.push(this.description);
      await original.call(this, context);
      if (failFor(this.description)) throw new Error(`could not revert ${this.description}`);
    });
    return reverted;
  }

  it("reverts injected faults newest first, runs every revert when one throws, and returns the errors", async () => {
    const fake = fakeStack();
    const reverted = spyOnReverts((d) => d.includes("held 2 s"));
    const schedule = new FaultSchedule(fake.stack);
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
    const fake = fakeStack();
    const reverted = spyOnReverts(() => false);
    const schedule = new FaultSchedule(fake.stack);
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
    const fake = fakeStack();
    const reverted = spyOnReverts(() => false);
    const fired: string[] = [];
    const schedule = new FaultSchedule(fake.stack, undefined, (d) => fired.push(d));
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
    const fake = fakeStack();
    const sql = fake.stack.sql.bind(fake.stack);
    // The lock is granted only on the third poll (polls are 50 ms apart).
    let polls = 0;
    vi.spyOn(fake.stack, "sql").mockImplementation(async (statement, name) => {
      if (statement.includes("pg_locks")) return { exitCode: 0, stdout: ++polls >= 3 ? "1" : "0", stderr: "" };
      return sql(statement, name);
    });
    const schedule = new FaultSchedule(fake.stack);
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
    expect(await new FaultSchedule(fakeStack().stack).revertAll()).toEqual([]);
  });
});

describe("FaultSchedule: coverage of the fault actions", () => {
  /** Every action a fault event can carry, and the tests above that assert what it records (tsc fails on a new one). */
  const covered = {
    "signal-master": "timed faults; inject; rolling-deploy (with instance)",
    "signal-worker": "what each fault records",
    request: "what each fault records",
    "worker-freeze": "worker-freeze",
    "memory-squeeze": "memory-squeeze",
    "table-lock": "what each fault records; revertAll",
    "table-unlock": "what each fault records",
    "db-latency": "database proxy windows",
    "db-stall": "database proxy windows",
    "db-refuse": "database proxy windows",
    "db-reset": "database proxy windows",
    "db-outage": "db-outage",
    "db-restored": "database proxy windows; db-outage",
  } satisfies Record<FaultFacts["action"], string>;

  it("every action the schedule can run is one whose events are tested here", () => {
    // rolling-deploy records signal-master events and deploy steps (its own describe above).
    const actions = faultSpecSchema.options.map((option) => option.shape.action.value);
    expect(actions.filter((action) => action !== "rolling-deploy" && !(action in covered))).toEqual([]);
  });
});
