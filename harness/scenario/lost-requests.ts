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
  /** The replicas they were sent to (`<NOSRV>` when none was picked; `?` for a request that got no response, which names none). */
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
 * goes to the latest step that had started when the balancer received the request, and each request
 * that got no response at all to the step in progress when it failed. Client aborts in the balancer's
 * log (the load generator's own timeouts and stops) are the user's side of those, not counted twice.
 */
export function traceLostRequests(events: readonly RunEvent[], load: LoadResult | undefined): LostRequests {
  const steps = events.filter((e): e is DeployStepEvent => e.kind === "deploy").sort((a, b) => a.at - b.at);
  const byStep = new Map<DeployStepEvent | undefined, StepLoss>();
  const count = (at: number, outcome: string, server: string, example?: string) => {
    const step = steps.findLast((s) => s.at <= at);
    let loss = byStep.get(step);
    if (!loss) byStep.set(step, (loss = { step, lost: 0, byOutcome: {}, servers: [], examples: [] }));
    loss.lost++;
    loss.byOutcome[outcome] = (loss.byOutcome[outcome] ?? 0) + 1;
    if (!loss.servers.includes(server)) loss.servers.push(server);
    if (example && loss.examples.length < 3) loss.examples.push(example);
  };
  // What the balancer answered with an error, at the moment it received the request.
  const failures = events.filter(
    (e): e is LbRequestEvent => e.kind === "lb-request" && isFailedLbRequest(e) && !e.termination.startsWith("C"),
  );
  for (const f of failures) count(f.acceptedAt, `${f.status < 0 ? "no response" : f.status} ${f.termination}`, f.server, f.raw);
  // What got no response at all, at the moment the user saw it fail: HAProxy 3.0 closes a client's connection
  // without a line when the replica closed the upstream one under it, so only the user's side knows.
  const silent = events.some((e) => e.kind === "lb-request") ? (load?.noResponse ?? []) : [];
  for (const n of silent) count(n.at, `no response (${n.error})`, "?");
  const lost = load ? totalErrors(load.errors) + load.non2xx : failures.length;
  const traced = failures.length + silent.length;
  const ordered = [...byStep.values()].sort((a, b) => (a.step?.at ?? 0) - (b.step?.at ?? 0));
  return { lost, steps: ordered, untraced: Math.max(0, lost - traced) };
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
  const where = steps.map((s) => {
    const on = s.servers.filter((server) => server !== "?");
    return `${s.lost} in ${stepName(s.step)}${on.length ? ` (on ${on.join(", ")})` : ""}`;
  });
  if (untraced) where.push(`${untraced} not in the balancer's log`);
  const outcomes = new Map<string, number>();
  for (const s of steps) for (const [outcome, n] of Object.entries(s.byOutcome)) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + n);
  const seen = [...outcomes].sort((a, b) => b[1] - a[1]).map(([outcome, n]) => `${outcome} ×${n}: ${describeOutcome(outcome)}`);
  return `${lost} lost: ${where.join("; ")}${seen.length ? ` — ${seen.join("; ")}` : ""}`;
}

/** `503 SC--` in HAProxy's words; `no response (closed)` in the user's. */
function describeOutcome(outcome: string): string {
  const noResponse = /^no response \((\w+)\)$/.exec(outcome);
  if (!noResponse) return describeTermination(outcome.split(" ").at(-1)!);
  const words: Record<string, string> = {
    closed:
      "the connection was closed with no response (HAProxy 3.0 does so, unlogged, when the replica closed the connection under the request)",
    reset: "the connection was reset with no response",
    refused: "the balancer refused the connection",
    timeout: "no response in time",
  };
  return words[noResponse[1]!] ?? "no response";
}
