import { defineRule } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";
import { oomKillEvidence } from "./oom-kill.ts";

export const gracefulTimeout = defineCause({
  name: "graceful-timeout",
  severity: "investigate",
  meaning: "the worker was still running when graceful_timeout ran out during shutdown or reload, so in-flight requests were cut",
  summary: "still running when graceful_timeout ran out; in-flight requests were cut",
});

/** The master aborted (WORKER TIMEOUT) a worker that was already shutting down: its drain was cut. Before `timeout`'s rule. */
export const drainCutByAbort = defineRule(gracefulTimeout, "its drain cut by the master's abort", (facts) => {
  const { worker } = facts;
  if (!worker.timeout || facts.finishedBeforeAbort || !worker.shuttingDown || worker.shuttingDown.at > worker.timeout.at) return undefined;
  facts.add(quote(worker.timeout));
  facts.add(quote(worker.shuttingDown));
  const reason = facts.masterReason();
  facts.add(reason && quote(reason.line));
  facts.evidence.push(
    inferred(
      "the worker was already shutting down (draining in-flight requests) when the master aborted it: a worker being " +
        "replaced stops notifying the master, so its drain is cut at `timeout` (gunicorn) or graceful_timeout",
    ),
  );
  return { stopSignalled: true };
});

/** SIGKILLed, not by the OOM killer, after the master began stopping: what outlives graceful_timeout gets SIGKILL. */
export const killedWhileStopping = defineRule(gracefulTimeout, "killed while the master was stopping", (facts) => {
  const stopping = facts.masterStopping();
  if (facts.signaled?.signal !== "SIGKILL" || !stopping || oomKillEvidence(facts).confirmed) return undefined;
  facts.add(quote(stopping));
  facts.evidence.push(
    inferred("killed while the master was stopping: gunicorn SIGKILLs the workers still running when graceful_timeout runs out"),
  );
  return { stopSignalled: true };
});

/** No exit line, and the master was stopping: it was still running when the master exited. */
export const outlivedMaster = defineRule(gracefulTimeout, "still running when the master exited", (facts) => {
  const { worker, master } = facts;
  if (!facts.noExitLine || !master.stopping) return undefined;
  facts.add(quote(master.stopping));
  facts.add(worker.shuttingDown && quote(worker.shuttingDown));
  facts.evidence.push(
    inferred(
      "still running when the master exited: gunicorn SIGKILLs what is left once graceful_timeout runs out, and logs nothing about it",
    ),
  );
  return { stopSignalled: true };
});
