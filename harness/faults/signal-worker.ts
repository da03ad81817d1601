import type { WorkerSignal } from "../control/signals.ts";
import type { Fault, FaultContext } from "./fault.ts";

/** A signal to one worker from outside gunicorn: a stray kill, a supervisor, a person. */
export class SignalWorkerFault implements Fault {
  constructor(
    private readonly signal: WorkerSignal,
    private readonly which: "oldest" | "newest",
  ) {}

  get description(): string {
    return `SIG${this.signal} to the ${this.which} worker, from outside gunicorn`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const pid = await stack.pickWorker(this.which);
    record({ action: "signal-worker", target: "worker", pid, signal: `SIG${this.signal}` });
    await stack.signalWorker(pid, this.signal);
  }
}
