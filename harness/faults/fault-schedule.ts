import type { StartedStack } from "../stack/started-stack.ts";
import type { Fault } from "./fault.ts";
import { createFault, type FaultSpec } from "./fault-spec.ts";

interface Scheduled {
  spec: FaultSpec;
  fault: Fault;
  injected: boolean;
}

/**
 * Fires a scenario's faults on time relative to the load's start. Reverts run for every injected
 * fault, in reverse order, with their errors collected rather than hiding the run's own error.
 */
export class FaultSchedule {
  private readonly scheduled: Scheduled[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly errors: Error[] = [];

  constructor(
    specs: FaultSpec[],
    private readonly stack: StartedStack,
    private readonly signal: AbortSignal,
    private readonly onFire: (description: string) => void = () => {},
  ) {
    this.scheduled = specs.map((spec) => ({ spec, fault: createFault(spec), injected: false }));
  }

  /** Arms the timed faults; call when the load starts. */
  start(): void {
    for (const item of this.scheduled) {
      if (typeof item.spec.at === "number") this.timers.push(setTimeout(() => this.fire(item), item.spec.at * 1000));
    }
  }

  /** Fires the "after-load" faults and waits for every fault's injection to finish. */
  async afterLoad(): Promise<void> {
    for (const item of this.scheduled) if (item.spec.at === "after-load") this.fire(item);
    await Promise.all(this.pending);
    if (this.errors.length > 0)
      throw new AggregateError(this.errors, `Fault injection failed: ${this.errors.map((e) => e.message).join("; ")}`);
  }

  /** Cancels what has not fired and reverts what has, newest first. Returns the revert errors. */
  async revertAll(): Promise<Error[]> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled(this.pending);
    const errors: Error[] = [];
    for (const item of [...this.scheduled].reverse()) {
      if (!item.injected || !item.fault.revert) continue;
      try {
        await item.fault.revert(this.stack);
      } catch (error) {
        errors.push(error as Error);
      }
    }
    return errors;
  }

  private fire(item: Scheduled): void {
    if (this.signal.aborted) return;
    item.injected = true;
    this.onFire(item.fault.description);
    this.pending.push(
      item.fault.inject(this.stack, this.signal).catch((error: Error) => {
        this.errors.push(new Error(`${item.fault.description}: ${error.message}`, { cause: error }));
      }),
    );
  }
}
