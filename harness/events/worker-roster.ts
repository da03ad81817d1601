import type { EventOfKind, RunEvent } from "./events.ts";

export interface WorkerRoster {
  /** Every worker pid the master booted, in boot order. */
  booted: number[];
  /** Workers whose application startup completed. */
  ready: Set<number>;
  /** Workers with an exit line: signalled, exit code, or a clean "Worker exiting". */
  exited: Set<number>;
  /** Booted and not exited: what should be running now. */
  alive: number[];
}

export type ExitLine = EventOfKind<"worker-signaled" | "worker-exit-code" | "worker-exiting">;

/** A line saying a worker ended: signalled, an exit code, or a clean "Worker exiting". */
export function isExitLine(event: RunEvent): event is ExitLine {
  return event.kind === "worker-signaled" || event.kind === "worker-exit-code" || event.kind === "worker-exiting";
}

/**
 * The workers as the log tells their story. With replicas, pass the replica's instance: pids repeat
 * across replicas (every container's first worker is pid 7), so each replica has a roster of its own.
 */
export function workerRoster(events: readonly RunEvent[], instance?: string): WorkerRoster {
  const booted: number[] = [];
  const ready = new Set<number>();
  const exited = new Set<number>();
  for (const event of events) {
    if ((event as { instance?: string }).instance !== instance) continue;
    if (event.kind === "worker-boot" && !booted.includes(event.pid)) booted.push(event.pid);
    else if (event.kind === "worker-ready" && event.pid !== undefined) ready.add(event.pid);
    else if (isExitLine(event)) exited.add(event.pid);
  }
  return { booted, ready, exited, alive: booted.filter((pid) => !exited.has(pid)) };
}

/** The replicas a run's log lines name, in name order (web-1, web-2, …, web-10); none for a single app container. */
function instancesOf(events: readonly RunEvent[]): string[] {
  const seen = new Set<string>();
  for (const event of events) if (event.kind === "worker-boot" && event.instance) seen.add(event.instance);
  return [...seen].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/**
 * Several replicas' rosters as one, for counts: `booted` lists every replica's workers (a pid may repeat,
 * once per replica that has it). Use each replica's own roster to ask about one worker.
 */
function mergeRosters(rosters: readonly WorkerRoster[]): WorkerRoster {
  return {
    booted: rosters.flatMap((r) => r.booted),
    ready: new Set(rosters.flatMap((r) => [...r.ready])),
    exited: new Set(rosters.flatMap((r) => [...r.exited])),
    alive: rosters.flatMap((r) => r.alive),
  };
}

/** A run's roster and, with replicas, each replica's: what a run's events say of its workers. */
export function runRosters(events: readonly RunEvent[]): {
  roster: WorkerRoster;
  replicas?: Array<{ instance: string; roster: WorkerRoster }>;
} {
  const replicas = instancesOf(events).map((instance) => ({ instance, roster: workerRoster(events, instance) }));
  if (replicas.length === 0) return { roster: workerRoster(events) };
  return { roster: mergeRosters(replicas.map((r) => r.roster)), replicas };
}
