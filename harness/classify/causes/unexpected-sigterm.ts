import { defineRule, strayStopSignal } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const unexpectedSigterm = defineCause({
  name: "unexpected-sigterm",
  severity: "investigate",
  meaning: "a worker got SIGTERM with no master-side reason (not deploy/reload/scale-down)",
  summary: "SIGTERM with no deploy, reload or scale-down behind it",
  byStopSignal: true,
});

/** The harness sent the worker a stop signal itself: that outranks any master-side reason. */
export const signalledByHarness = defineRule(unexpectedSigterm, "the harness signalled it", (facts) => {
  if (!strayStopSignal(facts.worker, facts.at)) return undefined;
  facts.evidence.push(inferred("the signal came from outside gunicorn: the master logged no reason for it"));
  return {};
});

/** A stop signal with no master-side reason and no siblings stopped with it. */
export const loneStopSignal = defineRule(unexpectedSigterm, "a stop signal with no reason", (facts) => {
  const { stopSignal, worker } = facts;
  if (!stopSignal) return undefined;
  facts.add(worker.shuttingDown && quote(worker.shuttingDown));
  facts.evidence.push(
    inferred(`${stopSignal} with no master-side reason (no "Handling signal: term|hup|ttou" before it, and not a max-requests recycle)`),
  );
  return {};
});
