import type { StartedStack } from "../stack/started-stack.ts";

/** A fault injects itself into a running stack; `revert` (if any) undoes it and always runs. */
export interface Fault {
  readonly description: string;
  inject(stack: StartedStack, signal: AbortSignal): Promise<void>;
  revert?(stack: StartedStack): Promise<void>;
}
