import type { EventOfKind, RunEvent } from "../events/events.ts";

export type ExitEvent = EventOfKind<"worker-signaled" | "worker-exit-code" | "worker-exiting">;

export interface WorkerExit {
  pid: number;
  bootedAt: number | undefined;
  /** The exit lines about this worker, in order (gunicorn 23 logs a non-zero exit code twice). */
  exits: ExitEvent[];
}

const EXIT_KINDS = new Set<RunEvent["kind"]>(["worker-signaled", "worker-exit-code", "worker-exiting"]);

/** Each booted worker with the lines that recorded its exit (none if it was still running or vanished silently). */
export function workerExits(events: readonly RunEvent[]): WorkerExit[] {
  const byPid = new Map<number, WorkerExit>();
  for (const event of events) {
    if (event.kind === "worker-boot") byPid.set(event.pid, { pid: event.pid, bootedAt: event.at, exits: [] });
  }
  for (const event of events) {
    if (!EXIT_KINDS.has(event.kind)) continue;
    const exit = event as ExitEvent;
    const entry = byPid.get(exit.pid) ?? { pid: exit.pid, bootedAt: undefined, exits: [] };
    entry.exits.push(exit);
    byPid.set(exit.pid, entry);
  }
  return [...byPid.values()];
}

export function describeExit(exit: ExitEvent | undefined): string {
  if (!exit) return "no exit line";
  switch (exit.kind) {
    case "worker-signaled":
      return `${exit.signal}${exit.coreDumped ? " (core)" : ""}`;
    case "worker-exit-code":
      return `exit code ${exit.code}`;
    case "worker-exiting":
      return "exited cleanly";
  }
}
