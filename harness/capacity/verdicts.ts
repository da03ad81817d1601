import type { CapacityReport, ConfigurationResult, TrialRecord } from "./capacity-result.ts";
import type { LimitingResource } from "./resources.ts";
import type { SearchOutcome, TrialVerdict } from "./search.ts";
import type { Slo } from "./slo.ts";

// The capacity run's judgements, pure: what a measured configuration's figures are worth, whether a candidate
// dropped against its reference, and the report's verdict.

/** A capacity drop smaller than this share of the reference is within the search's own resolution. */
const MIN_DROP_SHARE = 0.05;

/** Against --url the harness sees the machine, not the service's processes: say so rather than guess. */
export function withoutProcessAccess(
  limiting: LimitingResource | undefined,
  failing: TrialRecord | undefined,
  hasStack: boolean,
): LimitingResource {
  // The machine's CPU, and pool timeouts (read from the responses), are known without the service's processes.
  if (limiting && (hasStack || limiting.kind === "machine-cpu" || limiting.kind === "db-pool")) return limiting;
  const machine = failing?.resources
    ? [`the machine: ${Math.round(failing.resources.machineCpu * 100)} % of ${failing.resources.machineCores} cores busy`]
    : [];
  return {
    kind: "unknown",
    summary: failing ? "not known: with --url the harness cannot see the service's processes" : "nothing failed within the rates tried",
    evidence: machine,
  };
}

/** How far the search's answer can be trusted, and why: the reasons a reader should know before quoting the figure. */
export function confidenceOf(
  outcome: SearchOutcome<TrialVerdict>,
  limiting: LimitingResource | undefined,
): Pick<ConfigurationResult, "confidence" | "confidenceWhy"> {
  const why: string[] = [];
  if (outcome.capacityRps === 0) why.push("no rate met the SLO");
  else if (!outcome.confirmed) why.push("no longer trial confirmed the answer");
  if (outcome.generatorLimited)
    why.push("the load generator lagged its schedule at the top rates: the build may sustain more than this machine can offer");
  if (outcome.cutShort) why.push(outcome.cutShort);
  if (outcome.firstFailRps === undefined && outcome.capacityRps > 0)
    why.push("every rate tried met the SLO: the capacity is at least this");
  const low = why.length > 0;
  const gap =
    outcome.firstFailRps !== undefined && outcome.capacityRps > 0 ? (outcome.firstFailRps - outcome.capacityRps) / outcome.firstFailRps : 0;
  if (gap > 0.1) why.push(`the bracket is wide (${outcome.capacityRps}–${outcome.firstFailRps} req/s)`);
  if (limiting?.kind === "machine-cpu")
    why.push("the machine's CPU was saturated, the load generator included: the figure is this machine's, not the build's alone");
  if (limiting?.kind === "unknown" && outcome.firstFailRps !== undefined) why.push("no saturated resource explains the limit");
  // A rate that failed below one that met: the machine (or the service) was not steady during the search.
  const judged = outcome.trials.filter((t) => !t.inconclusive);
  const noisy = judged.find((failed) => !failed.met && judged.some((met) => met.met && met.rateRps > failed.rateRps));
  if (noisy) {
    const above = Math.max(...judged.filter((t) => t.met && t.rateRps > noisy.rateRps).map((t) => t.rateRps));
    why.push(
      `unsteady: ${noisy.rateRps} req/s failed while ${above} req/s met (a noisy machine, or a service whose speed drifts); measure again`,
    );
  }
  if (low) return { confidence: "low", confidenceWhy: why };
  if (why.length) return { confidence: "medium", confidenceWhy: why };
  return {
    confidence: "high",
    confidenceWhy: [
      `confirmed by a longer trial, bracketed ${outcome.capacityRps}–${outcome.firstFailRps} req/s, the generator on schedule, the limit identified`,
    ],
  };
}

export function compareRounds(reference: string, configurations: ConfigurationResult[]): NonNullable<CapacityReport["comparison"]> {
  // "reference workers=2 #1" and "candidate workers=2 #2" are one configuration: "workers=2" ("default" with no shape).
  const key = (c: ConfigurationResult) => c.label.replace(/ #\d+$/, "").replace(/^(candidate|reference)( |$)/, "") || "default";
  const keys = [...new Set(configurations.map(key))];
  return {
    reference,
    order: "A B B A (A: reference, B: candidate)",
    byConfiguration: keys.map((configuration) => {
      const of = (role: string) =>
        configurations.filter((c) => key(c) === configuration && c.role === role && !c.error).map((c) => c.capacityRps);
      const referenceRps = of("reference");
      const candidateRps = of("candidate");
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const range = (xs: number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : 0);
      const spreadRps = Math.max(range(referenceRps), range(candidateRps));
      const dropRps = Math.round((mean(referenceRps) - mean(candidateRps)) * 10) / 10;
      const complete = referenceRps.length === 2 && candidateRps.length === 2;
      // Capacities come out of 3 % bisection steps and 5 % step-downs: two rounds that happen to agree say
      // nothing finer than that, so a drop must also exceed MIN_DROP_SHARE of the reference.
      const thresholdRps = Math.max(spreadRps, Math.round(MIN_DROP_SHARE * mean(referenceRps) * 10) / 10);
      const regression = complete && dropRps > thresholdRps;
      const verdict = !complete
        ? "not judged: a round could not be measured"
        : regression
          ? `regression: ${dropRps} req/s lower (${Math.round((dropRps / mean(referenceRps)) * 100)} %), beyond the ${thresholdRps} req/s that rounds of one build differ by (spread ${spreadRps}, at least ${MIN_DROP_SHARE * 100} %)`
          : dropRps > 0
            ? `no regression: ${dropRps} req/s lower, within the ${thresholdRps} req/s that rounds of one build differ by (spread ${spreadRps}, at least ${MIN_DROP_SHARE * 100} %)`
            : `no regression: the candidate sustains ${-dropRps} req/s more`;
      return { configuration, referenceRps, candidateRps, spreadRps, dropRps, regression, verdict };
    }),
  };
}

function lowestFailure(c: ConfigurationResult): string {
  const failed = c.trials.filter((t) => t.phase !== "peak" && !t.met && !t.superseded).sort((a, b) => a.rateRps - b.rateRps)[0];
  if (!failed) return c.confidenceWhy[0] ?? "no trial ran";
  return `at ${failed.rateRps} req/s ${failed.inconclusive ? `INCONCLUSIVE (${failed.inconclusive})` : failed.missed.join("; ")}`;
}

export function judgeReport(
  plan: { requireRps?: number; slo: Slo },
  configurations: ConfigurationResult[],
  comparison: CapacityReport["comparison"],
): Pick<CapacityReport, "status" | "summary"> {
  const candidates = configurations.filter((c) => c.role === "candidate");
  const broken = configurations.filter((c) => c.error);
  if (broken.length)
    return {
      status: "error",
      summary: `${broken.length} configuration(s) could not be measured: ${broken.map((c) => c.label).join(", ")}`,
    };
  const regressions = comparison?.byConfiguration.filter((c) => c.regression) ?? [];
  const short = plan.requireRps !== undefined ? candidates.filter((c) => c.capacityRps < plan.requireRps!) : [];
  const shortByGenerator = short.filter((c) =>
    c.trials.some((t) => t.inconclusive && !t.superseded && t.rateRps <= plan.requireRps! * 1.2),
  );
  // Nothing met the SLO, at any rate tried: say why the lowest one failed (a 404 path, a service that is down).
  const none = candidates.filter((c) => c.capacityRps === 0);
  const lines = candidates.map((c) => `${c.label}: ${c.capacityRps} req/s`);
  if (regressions.length)
    return { status: "failed", summary: `capacity regression: ${regressions.map((r) => `${r.configuration}: ${r.verdict}`).join("; ")}` };
  // Not one trial judged the build (each was inconclusive, or none fit the budget): 0 req/s would be a guess, not a failure.
  // The closed-loop peak only brackets the search: it judges nothing.
  const judging = (c: ConfigurationResult) => c.trials.filter((t) => t.phase !== "peak");
  const unjudged = none.filter((c) => !judging(c).some((t) => !t.inconclusive));
  const unjudgedWhy = unjudged.map((c) =>
    judging(c).length
      ? `${c.label}: its ${judging(c).length} trial(s) were inconclusive (the load generator lagged its schedule)`
      : `${c.label}: the time budget was too short for a single trial`,
  );
  if (unjudged.length && unjudged.length === none.length && short.every((c) => unjudged.includes(c) || shortByGenerator.includes(c)))
    return {
      status: "inconclusive",
      summary: `no trial judged ${unjudgedWhy.join("; ")} (give a longer --budget, or run it on a quieter machine)`,
    };
  if (short.length && shortByGenerator.length === short.length)
    return {
      status: "inconclusive",
      summary: `the load generator could not offer ${plan.requireRps} req/s on this machine; ${lines.join(", ")}`,
    };
  if (none.length && !short.length)
    return {
      status: "failed",
      summary: `no rate tried met ${plan.slo.text}: ${none.map((c) => `${c.label}: ${lowestFailure(c)}`).join("; ")}`,
    };
  if (short.length)
    return {
      status: "failed",
      summary: `below the required ${plan.requireRps} req/s under ${plan.slo.text}: ${short.map((c) => `${c.label}: ${c.capacityRps} req/s`).join(", ")}`,
    };
  return {
    status: "passed",
    summary: `${lines.join(", ")} under ${plan.slo.text}${plan.requireRps ? ` (required: ${plan.requireRps} req/s)` : ""}`,
  };
}
