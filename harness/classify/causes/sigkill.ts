import { defineRule } from "../death-facts.ts";
import { inferred } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";
import { oomKillEvidence } from "./oom-kill.ts";

export const sigkill = defineCause({
  name: "sigkill",
  severity: "critical",
  meaning: "SIGKILL with no OOM confirmation (manual kill, or OOM not provable from the input)",
  summary: "SIGKILL; a log alone cannot prove an OOM kill",
});

/** Any other SIGKILL (after the OOM kill and the master's graceful_timeout kill): refuted as an OOM kill, or not provable. */
export const killed = defineRule(sigkill, "killed by SIGKILL", (facts) => {
  if (facts.signaled?.signal !== "SIGKILL") return undefined;
  const { bannerSays } = oomKillEvidence(facts);
  if (bannerSays === "no" || facts.context.container.present) {
    facts.evidence.push(
      inferred(
        "not an OOM kill: the container's evidence shows no OOM kill for it; something sent SIGKILL (a person, a supervisor, an orchestrator)",
      ),
    );
    return { summary: "SIGKILL from outside gunicorn; the container shows no OOM kill" };
  }
  facts.evidence.push(
    inferred(
      'not provable from a log: gunicorn prints "Perhaps out of memory?" for every SIGKILL; only the container\'s memory cgroup ' +
        "(oom_kill) or `docker events` (oom) can confirm an OOM kill, and the input has neither",
    ),
  );
  return {};
});
