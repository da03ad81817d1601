import type { ExecResult } from "../control/exec.ts";
import type { MemoryCgroup } from "../control/memory-cgroup.ts";
import type { PinnedRequest } from "../control/pinned-request.ts";
import type { MasterSignal, WorkerSignal } from "../control/signals.ts";
import type { RunEvent } from "../events/events.ts";

/** Which live worker a fault picks: the first booted or the last. */
export type WhichWorker = "oldest" | "newest";

/** The app (the oldest replica still running): its gunicorn master, its workers, its container. */
interface AppControl {
  /** A live worker's pid, as both the log and the process table agree. */
  pickWorker(which: WhichWorker): Promise<number>;
  signalWorker(pid: number, signal: WorkerSignal): Promise<void>;
  signalMaster(signal: MasterSignal): Promise<void>;
  /** Runs a command in the app container and waits for it. */
  exec(command: string[]): Promise<ExecResult>;
  /** Starts a command in the app container and returns at once; it must bound itself. */
  start(command: string[]): Promise<void>;
  /** The container's memory cgroup (its limit, usage and OOM kills). */
  memory(): Promise<MemoryCgroup | undefined>;
  /** Sends `path` to a known worker (pinned on a keep-alive connection); says which one got it. */
  sendPinnedRequest(path: string, timeoutMs?: number): Promise<PinnedRequest>;
}

/** The proxy between the app and Postgres: what the database faults turn. */
export interface DbProxyControl {
  readonly connections: number;
  setLatency(latency: { ms: number; jitterMs: number } | undefined): void;
  stall(): void;
  resume(): void;
  resetAll(): number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
}

/** The harness's Postgres, as the target declares it. */
interface DatabaseControl {
  /** The table the target names for a lock (database.lockTable), if any. */
  readonly lockTable: string | undefined;
  /** The proxy, while it runs (not when the database was down from the start). */
  readonly proxy: DbProxyControl | undefined;
  /** Runs SQL as the app's database user inside the Postgres container. */
  sql(statement: string, applicationName?: string): Promise<ExecResult>;
  /** Stops Postgres and resolves once it is down. */
  stop(): Promise<void>;
  /** Starts Postgres again and resolves once it accepts connections. */
  start(): Promise<void>;
}

/** The replicas behind HAProxy, and its runtime API: what a deploy drives. */
export interface ReplicaControl {
  readonly api: {
    setServer(name: string, state: "ready" | "drain" | "maint"): Promise<void>;
    waitUntilUp(name: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  };
  /** The replicas running now, oldest first. */
  instances(): string[];
  /** Boots a new replica (in maintenance on the balancer until enabled); resolves with its name once its workers are ready. */
  launch(): Promise<string>;
  /** Sends a signal to one replica's gunicorn master. */
  signal(instance: string, signal: MasterSignal): Promise<void>;
  /** Resolves once the replica's container has stopped, true; false on timeout. */
  waitForExit(instance: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Removes a stopped replica. */
  remove(instance: string): Promise<void>;
}

/**
 * Everything a fault may act on, and nothing else: the app, the database when the target has it, the
 * replicas when the run has them. The running stack implements it; the fault tests use a typed fake
 * (harness/testing/fake-fault-target.ts), so neither can drift from this.
 */
export interface FaultTarget {
  /** The target's name, for messages. */
  readonly targetName: string;
  readonly app: AppControl;
  /** Undefined when the target declares no database. */
  readonly database: DatabaseControl | undefined;
  /** Undefined in a run without replicas behind a balancer. */
  readonly replicaSet: ReplicaControl | undefined;
  /** Where the schedule records what faults did. */
  readonly events: { record(event: RunEvent): void };
}
