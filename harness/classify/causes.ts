/** Why a worker stopped: exactly these causes, each with a fixed severity (README: "What does my log mean?"). */
const CAUSES = {
  shutdown: { severity: "normal", meaning: "master told to stop (SIGTERM/SIGINT/SIGQUIT to the master)" },
  reload: { severity: "normal", meaning: "master reloaded (SIGHUP) and replaced the worker" },
  "scale-down": { severity: "normal", meaning: "master removed a worker (SIGTTOU)" },
  "max-requests": { severity: "normal", meaning: "worker recycled after max_requests" },
  timeout: { severity: "critical", meaning: "WORKER TIMEOUT, then SIGABRT (or SIGKILL)" },
  "oom-kill": { severity: "critical", meaning: "SIGKILL and the container evidence confirms an OOM kill" },
  sigkill: { severity: "critical", meaning: "SIGKILL with no OOM confirmation (manual kill, or OOM not provable from the input)" },
  "unexpected-sigterm": {
    severity: "investigate",
    meaning: "a worker got SIGTERM with no master-side reason (not deploy/reload/scale-down)",
  },
  "graceful-timeout": {
    severity: "investigate",
    meaning: "the worker was still running when graceful_timeout ran out during shutdown or reload, so in-flight requests were cut",
  },
  "boot-failure": { severity: "critical", meaning: "worker failed to boot / app failed to load" },
  crash: { severity: "critical", meaning: "exited with a non-zero code for any other reason" },
  unknown: { severity: "investigate", meaning: "the input does not say; evidence explains what is missing" },
} as const;

export type Cause = keyof typeof CAUSES;
export type Severity = (typeof CAUSES)[Cause]["severity"];
export const CAUSE_NAMES = Object.keys(CAUSES) as Cause[];
export const SEVERITIES: Severity[] = ["normal", "investigate", "critical"];

export function severityOf(cause: Cause): Severity {
  return CAUSES[cause].severity;
}

/** What a cause means, in a sentence (the documentation's cause table is generated from it). */
export function meaningOf(cause: Cause): string {
  return CAUSES[cause].meaning;
}
