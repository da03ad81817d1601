import type { DeployStepEvent, FaultFacts } from "../events/events.ts";
import type { StartedStack } from "../stack/started-stack.ts";

/** What a fault gets to act with: the stack, the run's abort signal, and the one way to record what it did. */
export interface FaultContext {
  readonly stack: StartedStack;
  readonly signal: AbortSignal;
  /** Records what the fault does, at the moment it does it (a signal is recorded before it is sent). */
  record(facts: FaultFacts): void;
  /** Records one step of a deploy (and says it on the progress line) as it starts. */
  step(facts: Omit<DeployStepEvent, "kind" | "at">): void;
}

/** A fault injects itself into a running stack; `revert` (if any) undoes it and always runs. */
export interface Fault {
  readonly description: string;
  inject(context: FaultContext): Promise<void>;
  revert?(context: FaultContext): Promise<void>;
}
