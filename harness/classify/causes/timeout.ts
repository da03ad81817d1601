import { bannerBlockingCall } from "../banners.ts";
import { type DeathRule, defineRule } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const timeout = defineCause({
  name: "timeout",
  severity: "critical",
  meaning: "WORKER TIMEOUT, then SIGABRT (or SIGKILL)",
  summary: "event loop blocked past the timeout; the master aborted it",
});

/**
 * Decides nothing: a worker the master aborted after it had logged "Worker exiting" had finished, so the rules
 * after this one judge it by why it stopped, and this says why the abort does not count.
 */
export const abortAfterExiting: DeathRule = {
  name: "aborted after it had finished",
  causes: [],
  judge(facts) {
    if (!facts.finishedBeforeAbort) return undefined;
    facts.add(quote(facts.worker.timeout!));
    facts.evidence.push(
      inferred(
        'the master aborted it (WORKER TIMEOUT) after it had logged "Worker exiting": its requests were done and it was slow ' +
          "to leave (a stopping worker no longer notifies the master; a timeout compressed to seconds on a busy machine does this)",
      ),
    );
    return undefined;
  },
};

/** The master aborted it for not notifying within `timeout` (a worker already shutting down is graceful-timeout's, before this). */
export const masterAborted = defineRule(timeout, "the master aborted it", (facts) => {
  const { worker } = facts;
  if (!worker.timeout || facts.finishedBeforeAbort) return undefined;
  facts.add(quote(worker.timeout));
  const abort = worker.banners.find((b) => b.kind === "abort");
  const blocking = abort && bannerBlockingCall(abort);
  return {
    stopSignalled: facts.stopSignal !== undefined,
    summary: blocking ? `event loop blocked past the timeout in ${blocking}` : undefined,
  };
});
