import { defineRule } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const unknown = defineCause({
  name: "unknown",
  severity: "investigate",
  meaning: "the input does not say; evidence explains what is missing",
  summary: "the input does not say how it ended",
});

/** No exit line, and no master stopping it: the input lost it (the container's death is cited when known). */
export const noExitLine = defineRule(unknown, "no exit line", (facts) => {
  if (!facts.noExitLine) return undefined;
  const died = facts.container.died;
  if (died) facts.evidence.push(inferred(`the app container stopped (docker die, exit code ${died.attributes.exitCode ?? "?"})`));
  facts.evidence.push(inferred("nothing in the input says how this worker ended"));
  return {};
});

/** A clean exit after "Shutting down", with no signal and no max_requests to explain it. */
export const unexplainedCleanExit = defineRule(unknown, "a clean exit nothing explains", (facts) => {
  const { shuttingDown } = facts.worker;
  if (!shuttingDown) return undefined;
  facts.add(quote(shuttingDown));
  facts.evidence.push(
    inferred(
      'a clean exit after "Shutting down" with no signal line: uvicorn < 0.29 looks like this after a SIGTERM from outside and ' +
        "after reaching max_requests (it does not log which); the input says neither",
    ),
  );
  return {};
});

/** The last rule: whatever no rule before it explained. */
export const unexplained = defineRule(unknown, "nothing to go on", (facts) => {
  facts.evidence.push(inferred("an exit with no signal, no exit code and no context in the input"));
  return {};
});
