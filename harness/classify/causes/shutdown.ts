import { defineMasterReason, defineRule, SAME_MOMENT_MS } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const shutdown = defineCause({
  name: "shutdown",
  severity: "normal",
  meaning: "master told to stop (SIGTERM/SIGINT/SIGQUIT to the master)",
  summary: "the master was told to stop",
  byStopSignal: true,
});

/** How long before its "Reason:" line a halting master stops its other workers: gunicorn's default graceful_timeout, 30 s, and a margin. */
const HALT_STOPS_WITHIN_MS = 35_000;

/** The master's "Handling signal: term|int|quit" before the stop. */
export const masterStopping = defineMasterReason(shutdown, (facts) => facts.masterStopping());

/**
 * A master that halts (a worker failed to boot) stops the others first, waiting up to graceful_timeout, and logs its
 * "Reason:" after them: a stop just before it.
 */
export const masterHalting = defineMasterReason(shutdown, ({ master, at }) =>
  master.halt && at <= master.halt.at && master.halt.at - at <= HALT_STOPS_WITHIN_MS ? master.halt : undefined,
);

/** Stopped with others at the same moment, and the master's line is not in the input: a probable deploy or restart. */
export const stoppedTogether = defineRule(shutdown, "stopped with the others", (facts) => {
  const { worker, stopSignal } = facts;
  const siblings = facts.context.stoppedTogether;
  if (!(stopSignal || worker.shuttingDown) || siblings < 2) return undefined;
  facts.add(worker.shuttingDown && quote(worker.shuttingDown));
  facts.evidence.push(
    inferred(
      `probable deploy or restart: ${siblings} workers stopped within ${SAME_MOMENT_MS / 1000} s of each other, and the master's ` +
        '"Handling signal" line is not in the input',
    ),
  );
  return { summary: `probable deploy or restart: ${siblings} workers stopped together, no master line in the input` };
});
