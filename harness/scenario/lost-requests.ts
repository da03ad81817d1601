import type { DeployStepEvent, EventOfKind, RunEvent } from "../events/events.ts";
import { type LoadResult, totalErrors } from "../load/load-result.ts";
import { describeTermination, isFailedLbRequest } from "../logs/haproxy-log.ts";

type LbRequestEvent = EventOfKind<"lb-request">;

/** The requests users lost while one step of a deploy was in progress. */
interface StepLoss {
  /** The step (undefined: before the deploy's first step). */
  step: DeployStepEvent | undefined;
  lost: number;
  /** What the balancer logged for them: `503 SC--` → count. */
  byOutcome: Record<string, number>;
  /** The replicas they were sent to (`<NOSRV>` when none was picked). */
  servers: string[];
  /** The first few, as the balancer logged them. */
  examples: string[];
}

export interface LostRequests {
  /** Requests the users saw fail (any error or non-2xx), as the load generator counted them. */
  lost: number;
  /** Failed requests in the balancer's log, by the step in progress when the balancer accepted them. */
  steps: StepLoss[];
  /** Lost requests the balancer logged no failure for (e.g. refused before reaching it). */
  untraced: number;
}

/**
 * Traces what users lost to the deploy step that caused it: each failure in the balancer's request log
 * goes to the latest step that had started when the balancer accepted the request. Client aborts
 * (the load generator's own timeouts and stops) are not the deploy's doing and are not traced.
 */
export function traceLostRequests(events: readonly RunEvent[], load: LoadResult | undefined): LostRequests {
  const steps = events.filter((e): e is DeployStepEvent => e.kind === "deploy").sort((a, b) => a.at - b.at);
  const failures = events.filter(
    (e): e is LbRequestEvent => e.kind === "lb-request" && isFailedLbRequest(e) && !e.termination.startsWith("C"),
  );
  const byStep = new Map<DeployStepEvent | undefined, StepLoss>();
  for (const failure of failures.sort((a, b) => a.acceptedAt - b.acceptedAt)) {
    const step = steps.findLast((s) => s.at <= failure.acceptedAt);
    let loss = byStep.get(step);
    if (!loss) byStep.set(step, (loss = { step, lost: 0, byOutcome: {}, servers: [], examples: [] }));
    loss.lost++;
    const outcome = `${failure.status < 0 ? "no response" : failure.status} ${failure.termination}`;
    loss.byOutcome[outcome] = (loss.byOutcome[outcome] ?? 0) + 1;
    if (!loss.servers.includes(failure.server)) loss.servers.push(failure.server);
    if (loss.examples.length < 3) loss.examples.push(failure.raw);
  }
  const lost = load ? totalErrors(load.errors) + load.non2xx : failures.length;
  const traced = failures.length;
  return { lost, steps: [...byStep.values()], untraced: Math.max(0, lost - traced) };
}

/** Where a loss happened, for people: `round 1, at "SIGTERM to web-1's master"`, or `before the deploy`. */
export function stepName(step: DeployStepEvent | undefined): string {
  return step ? `round ${step.round}, at "${step.detail}"` : "before the deploy";
}

/**
 * The verdict's sentence: how many were lost, in which steps, and what the balancer saw, e.g.
 * `8 lost: 5 in round 1, at "SIGTERM to web-1's master …" (on web-1); 3 in … — 503 SC-- ×8: the server aborted or refused while connecting`.
 */
export function describeLostRequests({ lost, steps, untraced }: LostRequests): string {
  if (lost === 0 && steps.length === 0) return "none lost";
  const where = steps.map((s) => `${s.lost} in ${stepName(s.step)} (on ${s.servers.join(", ")})`);
  if (untraced) where.push(`${untraced} not in the balancer's log`);
  const outcomes = new Map<string, number>();
  for (const s of steps) for (const [outcome, n] of Object.entries(s.byOutcome)) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + n);
  const seen = [...outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ×${n}: ${describeTermination(outcome.split(" ").at(-1)!)}`);
  return `${lost} lost: ${where.join("; ")}${seen.length ? ` — ${seen.join("; ")}` : ""}`;
}
