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

/** The workers as the log tells their story. */
export function workerRoster(events: readonly RunEvent[]): WorkerRoster {
  const booted: number[] = [];
  const ready = new Set<number>();
  const exited = new Set<number>();
  for (const event of events) {
    if (event.kind === "worker-boot" && !booted.includes(event.pid)) booted.push(event.pid);
    else if (event.kind === "worker-ready" && event.pid !== undefined) ready.add(event.pid);
    else if (isExitLine(event)) exited.add(event.pid);
  }
  return { booted, ready, exited, alive: booted.filter((pid) => !exited.has(pid)) };
}
