import { defineMasterReason } from "../death-facts.ts";
import { defineCause } from "../define-cause.ts";

export const scaleDown = defineCause({
  name: "scale-down",
  severity: "normal",
  meaning: "master removed a worker (SIGTTOU)",
  summary: "removed when the master scaled down",
  byStopSignal: true,
});

/** The master's first unclaimed "Handling signal: ttou" before the stop; each removes one worker, so the death that uses it claims it. */
export const masterScaledDown = defineMasterReason(scaleDown, (facts) => {
  const line = facts.master.scaleDowns.find((e) => e.at <= facts.at);
  if (line) facts.claims.scaleDown = line;
  return line;
});
