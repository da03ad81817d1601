import type { FaultEvent } from "../events/events.ts";
import type { Fault, FaultContext } from "./define-fault.ts";
import { createFault, type FaultSpec, type FaultSpecInput, faultSpecSchema } from "./fault-spec.ts";
import type { FaultTarget } from "./fault-target.ts";

/** A fault as a test or a recorder injects it by hand: a spec with no time. */
export type ImmediateFault = FaultSpecInput extends infer S ? (S extends unknown ? Omit<S, "at"> : never) : never;

export interface Injected {
  /** The fault events it recorded while injecting. */
  events: FaultEvent[];
  /** The worker it hit, when it hit one. */
  pid?: number;
}

interface Armed {
  fault: Fault;
  context: FaultContext;
}

/**
 * Fires faults into the running system under test, on time relative to the load's start or at once, and is the one
 * place fault events are recorded. Reverts run for every injected fault, in reverse order, with their
 * errors collected rather than hiding the run's own error.
 */
export class FaultSchedule {
  private readonly injected: Armed[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly errors: Error[] = [];
  private readonly afterLoadSpecs: FaultSpec[] = [];

  constructor(
    private readonly sut: FaultTarget,
    private readonly signal: AbortSignal = new AbortController().signal,
    private readonly onFire: (description: string) => void = () => {},
  ) {}

  /** Arms a scenario's faults: timed ones fire `at` seconds from now (call when the load starts), the rest at `afterLoad()`. */
  start(specs: readonly FaultSpec[]): void {
    for (const spec of specs) {
      if (spec.at === "after-load") this.afterLoadSpecs.push(spec);
      else this.timers.push(setTimeout(() => this.fire(spec), spec.at * 1000));
    }
  }

  /** Fires the "after-load" faults and waits for every fault's injection to finish. */
  async afterLoad(): Promise<void> {
    for (const spec of this.afterLoadSpecs) this.fire(spec);
    await Promise.all(this.pending);
    if (this.errors.length > 0)
      throw new AggregateError(this.errors, `Fault injection failed: ${this.errors.map((e) => e.message).join("; ")}`);
  }

  /** Injects one fault now and resolves once it is in place; it is reverted by `revertAll()` like the others. */
  async inject(spec: ImmediateFault): Promise<Injected> {
    const events: FaultEvent[] = [];
    const { fault, context } = this.arm(faultSpecSchema.parse({ ...spec, at: 0 }), (event) => events.push(event));
    await fault.inject(context);
    const hit = events.find((e) => e.target === "worker");
    return { events, pid: hit?.target === "worker" ? hit.pid : undefined };
  }

  /** Injects a fault that hits one worker (a signal to a worker, a pinned request) and resolves with its pid. */
  async injectIntoWorker(spec: ImmediateFault): Promise<number> {
    const { pid } = await this.inject(spec);
    if (pid === undefined) throw new Error(`${spec.action} hit no worker`);
    return pid;
  }

  /** Cancels what has not fired and reverts what has, newest first. Returns the revert errors. */
  async revertAll(): Promise<Error[]> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled(this.pending);
    const errors: Error[] = [];
    for (const { fault, context } of [...this.injected].reverse()) {
      if (!fault.revert) continue;
      try {
        await fault.revert(context);
      } catch (error) {
        errors.push(error as Error);
      }
    }
    return errors;
  }

  private fire(spec: FaultSpec): void {
    if (this.signal.aborted) return;
    const { fault, context } = this.arm(spec);
    this.onFire(fault.description);
    this.pending.push(
      fault.inject(context).catch((error: Error) => {
        this.errors.push(new Error(`${fault.description}: ${error.message}`, { cause: error }));
      }),
    );
  }

  private arm(spec: FaultSpec, onRecord?: (event: FaultEvent) => void): Armed {
    const fault = createFault(spec);
    const context: FaultContext = {
      sut: this.sut,
      signal: this.signal,
      record: (facts) => {
        const event = { kind: "fault", at: Date.now(), ...facts } as FaultEvent;
        this.sut.events.record(event);
        onRecord?.(event);
      },
      step: (facts) => {
        this.sut.events.record({ kind: "deploy", at: Date.now(), ...facts });
        this.onFire(`deploy round ${facts.round}: ${facts.detail}`);
      },
    };
    const armed = { fault, context };
    this.injected.push(armed);
    return armed;
  }
}
