import type { WorkerSignal } from "../control/signals.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import type { Fault } from "./fault.ts";

/** A signal to one worker from outside gunicorn: a stray kill, a supervisor, a person. */
export class SignalWorkerFault implements Fault {
  constructor(
    private readonly signal: WorkerSignal,
    private readonly which: "oldest" | "newest",
  ) {}

  get description(): string {
    return `SIG${this.signal} to the ${this.which} worker, from outside gunicorn`;
  }

  async inject(stack: StartedStack): Promise<void> {
    await stack.signalWorker(await stack.pickWorker(this.which), this.signal);
  }
}
