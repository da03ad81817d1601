/**
 * The names of the ways a worker can die. Each has its file in causes/ (its definition and the rules that
 * decide it), an entry in causes.ts (the order reports list them in) and its rules' places in death-rules.ts.
 * The names live here, apart from their files, so that the story and banner types can name a cause without
 * importing every rule (which reads those types).
 */
export type Cause =
  | "shutdown"
  | "reload"
  | "scale-down"
  | "max-requests"
  | "timeout"
  | "oom-kill"
  | "sigkill"
  | "unexpected-sigterm"
  | "graceful-timeout"
  | "boot-failure"
  | "crash"
  | "unknown";

export type Severity = "normal" | "investigate" | "critical";
export const SEVERITIES: Severity[] = ["normal", "investigate", "critical"];

export interface CauseDefinition<N extends Cause = Cause> {
  name: N;
  severity: Severity;
  /** What it means, in a sentence (the documentation's cause table is generated from it). */
  meaning: string;
  /** The one-line why a death gets, unless the rule that decided it says more. */
  summary: string;
  /** Dying this way means the worker got SIGTERM/SIGINT/SIGQUIT: the default config prints its INTERRUPT banner. */
  byStopSignal?: boolean;
}

/** Returns its argument: the type checks the name and the fields (causes/crash.ts is a whole cause: its definition and its two rules). */
export function defineCause<N extends Cause>(definition: CauseDefinition<N>): CauseDefinition<N> {
  return definition;
}
