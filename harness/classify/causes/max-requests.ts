import { defineRule } from "../death-facts.ts";
import { inferred, quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const maxRequests = defineCause({
  name: "max-requests",
  severity: "normal",
  meaning: "worker recycled after max_requests",
  summary: "recycled after max_requests",
});

/** The worker logged reaching its request limit (uvicorn's "Maximum request limit", gunicorn's "Autorestarting worker"). */
export const requestLimitLine = defineRule(maxRequests, "its request-limit line", (facts) => {
  const line = facts.worker.maxRequests;
  if (!line) return undefined;
  facts.add(quote(line));
  return {};
});

/** A clean exit after "Shutting down", no signal, and max_requests is set: uvicorn < 0.29 recycles without saying why. */
export const silentRecycle = defineRule(maxRequests, "a silent recycle", (facts) => {
  const { worker, context } = facts;
  if (!worker.shuttingDown || !context.maxRequests) return undefined;
  facts.add(quote(worker.shuttingDown));
  facts.evidence.push(
    inferred(
      `max_requests is ${context.maxRequests}, and uvicorn < 0.29 recycles a worker without logging why; nothing else explains this clean exit`,
    ),
  );
  return {};
});
