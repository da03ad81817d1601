import type { Fault, FaultContext } from "./fault.ts";

/**
 * SIGSTOP to one worker: it stops notifying the master, as a worker whose event loop is blocked does,
 * so the master's timeout takes it, with no help from the app. SIGCONT at teardown, whatever happens.
 */
export class WorkerFreezeFault implements Fault {
  private frozen: number | undefined;

  constructor(private readonly which: "oldest" | "newest") {}

  get description(): string {
    return `SIGSTOP to the ${this.which} worker: frozen, it stops notifying the master`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const pid = await stack.pickWorker(this.which);
    record({ action: "worker-freeze", target: "worker", pid, signal: "SIGSTOP" });
    this.frozen = pid;
    await stack.signalWorker(pid, "STOP");
  }

  /** SIGCONT, in case it still lives (the master usually killed it long before). */
  async revert({ stack }: FaultContext): Promise<void> {
    if (this.frozen !== undefined) await stack.signalWorker(this.frozen, "CONT").catch(() => undefined);
  }
}
