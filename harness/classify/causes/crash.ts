import { defineRule, STOP_SIGNALS } from "../death-facts.ts";
import { inferred } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const crash = defineCause({
  name: "crash",
  severity: "critical",
  meaning: "exited with a non-zero code for any other reason",
  summary: "exited abnormally",
});

/** Killed by a signal that is neither a stop signal nor gunicorn's own (SIGSEGV, a SIGABRT with no WORKER TIMEOUT). */
export const killedBySignal = defineRule(crash, "killed by another signal", (facts) => {
  const { signaled } = facts;
  if (!signaled || STOP_SIGNALS.has(signaled.signal)) return undefined;
  facts.evidence.push(inferred(`${signaled.signal} with no WORKER TIMEOUT line: not gunicorn's doing`));
  return { summary: `killed by ${signaled.signal}` };
});

/** Exited with a non-zero code (a boot error's code is boot-failure's, before this). */
export const exitedNonZero = defineRule(crash, "a non-zero exit code", (facts) => {
  const { exitCode } = facts;
  if (!exitCode || exitCode.code === 0) return undefined;
  for (const error of facts.worker.appErrors) facts.add({ source: "app", text: error });
  return { summary: `exited with code ${exitCode.code}` };
});
