import type { ExecResult } from "../control/exec.ts";
import type { MemoryCgroup } from "../control/memory-cgroup.ts";
import type { PinnedRequest } from "../control/pinned-request.ts";
import type { MasterSignal, WorkerSignal } from "../control/signals.ts";
import { sleep } from "../core/poll-until.ts";
import { EventLog } from "../events/event-log.ts";
import type { DeployStepEvent, FaultEvent } from "../events/events.ts";
import type { DbProxyControl, FaultTarget, ReplicaControl } from "../faults/fault-target.ts";

export type FakeMethod =
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

export interface FakeOptions {
  /** Methods that reject with this error (the returned `fail` can be changed mid-test). */
  fail?: Partial<Record<FakeMethod, Error>>;
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
  /** How long Postgres takes to accept connections again after start(), ms (fake timers). */
  startDatabaseMs?: number;
  /** Replicas running behind the balancer, oldest first; none (the default): a single app, no balancer. */
  replicas?: string[];
  /** Whether the balancer sees a new replica pass its health check (default true). */
  healthy?: boolean;
  /** The signals an old replica exits on (default TERM and KILL); otherwise it outlives waitForExit's timeout. */
  exitsOn?: MasterSignal[];
  /** Runs when `calls` gets this entry (e.g. to abort the run at that moment). */
  hooks?: Record<string, () => void>;
}

/**
 * A `FaultTarget` with a real EventLog, typed against the interface faults use (a change there is a
 * compile error here). `calls` holds, in order, every method call, every fault event recorded
 * (`event <action>`) and every deploy step (`deploy <round> <action> <instance>`), so tests can assert
 * what happened first; `commands` holds the commands run in the app container, in full.
 */
export function fakeFaultTarget(options: FakeOptions = {}) {
  const { lockGranted = "1", memoryLimitBytes = 512 * MiB, oomAdjust = OK, database = true, proxy = true } = options;
  const { connections = 0, startDatabaseMs = 0, healthy = true, exitsOn = ["TERM", "KILL"], hooks = {} } = options;
  const fail: Partial<Record<FakeMethod, Error>> = { ...options.fail };
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
  const failIf = (method: FakeMethod) => {
    const error = fail[method];
    if (error) throw error;
  };
  const endSessions = (result: ExecResult) => {
    for (const end of openSessions.splice(0)) end(result);
  };
  const dbProxy: DbProxyControl = {
    connections,
    setLatency(latency) {
      note(latency ? `proxy setLatency ${latency.ms}±${latency.jitterMs}` : "proxy setLatency off");
    },
    stall: () => note("proxy stall"),
    resume: () => note("proxy resume"),
    resetAll(): number {
      note("proxy resetAll");
      return connections;
    },
    async refuse() {
      note("proxy refuse");
      failIf("proxy.refuse");
    },
    async accept() {
      note("proxy accept");
      failIf("proxy.accept");
    },
  };
  const replicas = [...(options.replicas ?? [])];
  let launched = replicas.length;
  const signalled = new Set<string>();
  const hasExited = (instance: string) => exitsOn.some((s) => signalled.has(`${instance} ${s}`));
  const replicaSet: ReplicaControl | undefined = options.replicas && {
    api: {
      async setServer(name, state) {
        note(`lb ${name} ${state}`);
      },
      async waitUntilUp(name, timeoutMs) {
        note(`lb waitUntilUp ${name} ${timeoutMs}`);
        return healthy;
      },
    },
    instances: () => [...replicas],
    async launch() {
      failIf("launchReplica");
      const instance = `web-${++launched}`;
      note(`launchReplica ${instance}`);
      replicas.push(instance);
      return instance;
    },
    async signal(instance, signal) {
      note(`signalReplica ${instance} ${signal}`);
      failIf("signalReplica");
      signalled.add(`${instance} ${signal}`);
    },
    async waitForExit(instance, timeoutMs, signal) {
      note(`waitForReplicaExit ${instance} ${timeoutMs}`);
      if (!hasExited(instance)) await sleep(timeoutMs, signal);
      return hasExited(instance);
    },
    async remove(instance) {
      note(`removeReplica ${instance}`);
      failIf("removeReplica");
      replicas.splice(replicas.indexOf(instance), 1);
    },
  };
  const sut = {
    targetName: "demo",
    events,
    replicaSet,
    app: {
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
      async memory(): Promise<MemoryCgroup> {
        note("memory");
        failIf("memory");
        return { version: 2, oomKills: 0, limitBytes: memoryLimitBytes, usageBytes: 100 * MiB };
      },
      async exec(command: string[]): Promise<ExecResult> {
        const script = command[2] ?? "";
        note(`execInApp ${script.includes("kill $(cat") ? "stop filler" : script}`);
        commands.push(command);
        failIf("execInApp");
        return script.includes("oom_score_adj") ? oomAdjust : OK;
      },
      async start(command: string[]): Promise<void> {
        note(`startInApp ${command[0]} ${command.slice(3).join(" ")}`);
        commands.push(command);
        failIf("startInApp");
      },
    },
    database: database
      ? {
          lockTable: "app_items",
          proxy: proxy ? dbProxy : undefined,
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
          async stop(): Promise<void> {
            note("stopDatabase");
            failIf("stopDatabase");
          },
          async start(): Promise<void> {
            note("startDatabase");
            if (startDatabaseMs > 0) await sleep(startDatabaseMs);
            failIf("startDatabase");
          },
        }
      : undefined,
  } satisfies FaultTarget;
  return {
    sut: sut as FaultTarget,
    events,
    calls,
    commands,
    fail,
    /** The replicas running now (what a teardown would remove). */
    replicas: () => [...replicas],
    /** The lock's session ends by itself (pg_sleep ran out). */
    endLocks: () => endSessions({ exitCode: 0, stdout: "COMMIT\n", stderr: "" }),
    openLocks: () => openSessions.length,
  };
}

export const faultEvents = (events: EventLog): FaultEvent[] => events.all.filter((e): e is FaultEvent => e.kind === "fault");
export const deploySteps = (events: EventLog): DeployStepEvent[] => events.all.filter((e): e is DeployStepEvent => e.kind === "deploy");
