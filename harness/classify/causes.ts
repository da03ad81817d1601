import { bootFailure } from "./causes/boot-failure.ts";
import { crash } from "./causes/crash.ts";
import { gracefulTimeout } from "./causes/graceful-timeout.ts";
import { maxRequests } from "./causes/max-requests.ts";
import { oomKill } from "./causes/oom-kill.ts";
import { reload } from "./causes/reload.ts";
import { scaleDown } from "./causes/scale-down.ts";
import { shutdown } from "./causes/shutdown.ts";
import { sigkill } from "./causes/sigkill.ts";
import { timeout } from "./causes/timeout.ts";
import { unexpectedSigterm } from "./causes/unexpected-sigterm.ts";
import { unknown } from "./causes/unknown.ts";
import type { Cause, CauseDefinition, Severity } from "./define-cause.ts";

export { SEVERITIES } from "./define-cause.ts";
export type { Cause, Severity };

/**
 * Why a worker stopped: exactly these causes, each defined in its file under causes/ (README: "What does my log
 * mean?"), in the order reports and the documentation list them. The rules that decide them are ordered in death-rules.ts.
 */
const CAUSES: { [N in Cause]: CauseDefinition<N> } = {
  shutdown,
  reload,
  "scale-down": scaleDown,
  "max-requests": maxRequests,
  timeout,
  "oom-kill": oomKill,
  sigkill,
  "unexpected-sigterm": unexpectedSigterm,
  "graceful-timeout": gracefulTimeout,
  "boot-failure": bootFailure,
  crash,
  unknown,
};

export const CAUSE_NAMES = Object.keys(CAUSES) as Cause[];

export function severityOf(cause: Cause): Severity {
  return CAUSES[cause].severity;
}

/** What a cause means, in a sentence (the documentation's cause table is generated from it). */
export function meaningOf(cause: Cause): string {
  return CAUSES[cause].meaning;
}

/** A death's standard one-line why, when the rule that decided it says nothing more. */
export function summaryOf(cause: Cause): string {
  return CAUSES[cause].summary;
}

/** Whether dying this way means the worker got a stop signal (and so owes its INTERRUPT banner). */
export function isByStopSignal(cause: Cause): boolean {
  return CAUSES[cause].byStopSignal === true;
}
