import { cpus } from "node:os";
import { relative } from "node:path";
import { newRunContext, type RunContext } from "../cleanup/run-context.ts";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { errorMessage, InterruptedError } from "../core/errors.ts";
import { sleep } from "../core/poll-until.ts";
import type { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import type { SuiteName } from "../images/suites.ts";
import { runOpenLoop } from "../load/open-loop.ts";
import { runLoad } from "../load/run-load.ts";
import { Stack } from "../stack/stack.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import type { Target } from "../target/define-target.ts";
import type { CapacityReport, ConfigurationResult, TrialRecord } from "./capacity-result.ts";
import { type LimitingResource, limitingResource, ResourceSampler } from "./resources.ts";
import { searchCapacity } from "./search.ts";
import { judgeTrial, percent, type Slo } from "./slo.ts";

/**
 * Seconds a trial costs beyond its duration, for the budget: the pause after it (0.5 s, or up to 5 s to
 * let a queue drain after a failure), the resource readings, and the drain of requests still in flight.
 */
export const SEARCH_OVERHEAD_S = 4;
/** A capacity drop smaller than this share of the reference is within the search's own resolution. */
const MIN_DROP_SHARE = 0.05;

export interface CapacityRequest {
  path: string;
  method: "GET";
  weight: number;
}

export interface CapacityPlan {
  /** The system under test: a target the harness boots, or a service already running on loopback (`url`). */
  target?: Target;
  url?: string;
  requests: CapacityRequest[];
  slo: Slo;
  requireRps?: number;
  suite?: SuiteName;
  config?: string;
  /** Gunicorn worker counts to measure (one configuration each); empty: the target's default. */
  workers: number[];
  /** Memory limits in MB (crossed with `workers`); empty: the target's default. */
  memoryMb: number[];
  /** Another build measured in the same job, interleaved A B B A: a target, or this target run from another image. */
  compare?: { label: string; target: Target };
  budgetS: number;
  trialS: number;
  confirmS: number;
  /** Most requests in flight during a trial. */
  connections: number;
  timeoutS: number;
  progress: Progress;
  signal: AbortSignal;
}

interface Shape {
  workers?: number;
  memoryMb?: number;
}

/**
 * Measures, per configuration (worker count × memory limit), the highest constant rate the build sustains
 * under the SLO; with `compare`, measures the reference build too, interleaved A B B A, and judges a drop
 * only against the spread it measured. Every stack it boots carries a run label and is torn down.
 */
export async function runCapacity(plan: CapacityPlan): Promise<CapacityReport> {
  const startedAt = new Date();
  const run = newRunContext("capacity");
  const configurations: ConfigurationResult[] = [];
  const shapes = crossShapes(plan);
  if (plan.url) {
    configurations.push(await measureGuarded(plan, "candidate", 1, {}, undefined, run));
  } else {
    await requireDocker();
    const swept = await sweepStaleContainers();
    if (swept.removed.length)
      plan.progress.info(`removed ${swept.removed.length} container(s) left by killed runs (${swept.runs.join(", ")})`);
    for (const shape of shapes) {
      const order: Array<["candidate" | "reference", number]> = plan.compare
        ? [
            ["reference", 1],
            ["candidate", 1],
            ["candidate", 2],
            ["reference", 2],
          ]
        : [["candidate", 1]];
      for (const [role, round] of order) {
        plan.signal.throwIfAborted();
        const target = role === "reference" ? plan.compare!.target : plan.target!;
        configurations.push(await measureGuarded(plan, role, round, shape, target, run));
      }
    }
  }
  const comparison = plan.compare ? compareRounds(plan.compare.label, configurations) : null;
  const { status, summary } = judgeReport(plan, configurations, comparison);
  return {
    version: 1,
    kind: "capacity",
    runId: run.runId,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    status,
    summary,
    target: plan.target ? { name: plan.target.name, file: relative(process.cwd(), plan.target.file) } : null,
    url: plan.url ?? null,
    requests: plan.requests.map(({ path, weight }) => ({ path, weight })),
    slo: { text: plan.slo.text, latency: plan.slo.latency, maxErrorRatio: plan.slo.maxErrorRatio },
    requireRps: plan.requireRps ?? null,
    machine: { cores: cpus().length, node: process.version },
    configurations,
    comparison,
  };
}

function crossShapes(plan: CapacityPlan): Shape[] {
  const workers = plan.workers.length ? plan.workers : [undefined];
  const memory = plan.memoryMb.length ? plan.memoryMb : [undefined];
  return workers.flatMap((w) => memory.map((m) => ({ workers: w, memoryMb: m })));
}

function labelOf(shape: Shape, role: "candidate" | "reference", compare: boolean): string {
  const parts = [
    ...(compare ? [role] : []),
    ...(shape.workers ? [`workers=${shape.workers}`] : []),
    ...(shape.memoryMb ? [`memory=${shape.memoryMb}MB`] : []),
  ];
  return parts.join(" ") || "default";
}

/** One configuration measured; a failure to boot or measure becomes its `error`, and the others still run. */
async function measureGuarded(
  plan: CapacityPlan,
  role: "candidate" | "reference",
  round: number,
  shape: Shape,
  target: Target | undefined,
  run: RunContext,
): Promise<ConfigurationResult> {
  const label = `${labelOf(shape, role, Boolean(plan.compare))}${plan.compare ? ` #${round}` : ""}`;
  const empty: ConfigurationResult = {
    ...blank(label),
    role,
    round,
    workers: shape.workers ?? null,
    memoryLimitMb: shape.memoryMb ?? null,
    suite: plan.url ? null : (plan.suite ?? null),
  };

  plan.progress.info(`\n${label}${target ? ` — ${target.name}` : ` — ${plan.url}`}`);
  try {
    if (!target) return await measure(plan, plan.url!, undefined, empty);
    const started = await plan.progress.step(`boot ${target.name} (${label})`, () =>
      new Stack(
        {
          ...(plan.suite && { suite: plan.suite }),
          ...(plan.config && { config: plan.config }),
          // No --workers: the app's own count, as it is deployed.
          workers: shape.workers ?? ("app" as const),
          ...(shape.memoryMb && { memoryLimitMb: shape.memoryMb }),
        },
        target,
      ).start({ run, progress: plan.progress }),
    );
    await using stack = started;
    return await measureStack(plan, stack, empty);
  } catch (error) {
    if (error instanceof InterruptedError || plan.signal.aborted) throw error;
    plan.progress.warn(`${label}: ${errorMessage(error)}`);
    return { ...empty, error: errorMessage(error) };
  }
}

/** Measures a stack that is already running (the caller tears it down). */
export async function measureStack(plan: CapacityPlan, stack: StartedStack, base = blank("default")): Promise<ConfigurationResult> {
  // A worker count the app's command line pins would measure another configuration than the label says: refused.
  await stack.checkedGunicornConfig((message) => plan.progress.warn(message));
  const versions = await stack.versions();
  const booted = { ...base, workers: stack.workers, suite: stack.options.suite, image: stack.image, versions };
  return measure(plan, stack.url, stack, booted);
}

async function measure(
  plan: CapacityPlan,
  url: string,
  stack: StartedStack | undefined,
  base: ConfigurationResult,
): Promise<ConfigurationResult> {
  const started = Date.now();
  const deadline = started + plan.budgetS * 1000;
  const { progress, signal } = plan;
  const peak = await progress.step("closed-loop peak (autocannon, 3 s)", async () => {
    const result = await runLoad(
      url,
      {
        durationS: 3,
        connections: Math.min(64, Math.max(16, 4 * (stack?.workers ?? 4))),
        maxRequests: 2_000_000,
        timeoutS: plan.timeoutS,
        requests: plan.requests,
      },
      { signal },
    );
    return Math.round(result.ok / ((result.endedAt - result.startedAt) / 1000));
  });
  progress.info(`  peak: ${peak} req/s closed loop — the search brackets around it`);
  const trials: TrialRecord[] = [];
  const outcome = await searchCapacity(
    async (rateRps, durationS, phase) => {
      signal.throwIfAborted();
      const sampler = new ResourceSampler(stack);
      await sampler.begin();
      const result = await runOpenLoop(
        url,
        {
          rate: rateRps,
          durationS,
          maxRequests: 2_000_000,
          connections: plan.connections,
          timeoutS: plan.timeoutS,
          requests: plan.requests,
        },
        { signal },
      );
      signal.throwIfAborted();
      const resources = await sampler.end(result.appErrors);
      const judged = judgeTrial(result, plan.slo);
      const facts = result.openLoop!;
      const record: TrialRecord = {
        phase,
        rateRps,
        durationS,
        met: judged.met,
        missed: judged.missed,
        ...(facts.inconclusive && { inconclusive: facts.inconclusive }),
        achievedRps: facts.achievedRps,
        errorRatio: judged.errorRatio,
        latencyMs: result.latencyMs,
        lateStarts: facts.lateStarts,
        notStarted: facts.notStarted,
        generator: { scheduleLagP99Ms: facts.generator.scheduleLagMs.p99, cpuShare: facts.generator.cpuShare },
        resources,
      };
      trials.push(record);
      progress.info(`  ${describeTrial(record)}`);
      // Let a queue the trial left behind drain before the next one.
      await sleep(judged.met ? 500 : Math.min(5_000, Math.max(1_000, result.latencyMs.p99)), signal);
      // The record itself: the search marks an inconclusive attempt it ran again as superseded.
      return record as TrialRecord & { phase: typeof phase };
    },
    { peakRps: peak, trialS: plan.trialS, confirmS: plan.confirmS, deadline, overheadS: SEARCH_OVERHEAD_S, resolution: 0.03 },
  );
  const failing =
    outcome.firstFailRps !== undefined
      ? trials.find((t) => t.rateRps === outcome.firstFailRps && (!t.met || t.inconclusive) && !t.superseded)
      : undefined;
  const limiting = stack || failing ? limitingResource(failing?.resources, failing?.rateRps, stack?.workers) : undefined;
  const confirm = outcome.confirmed ? trials.findLast((t) => t.phase === "confirm" && t.met) : undefined;
  const result: ConfigurationResult = {
    ...base,
    peakRps: peak,
    capacityRps: outcome.capacityRps,
    firstFailRps: outcome.firstFailRps ?? null,
    confirmed: outcome.confirmed,
    atCapacity: confirm
      ? {
          offeredRps: confirm.rateRps,
          achievedRps: confirm.achievedRps,
          errorRatio: confirm.errorRatio,
          latencyMs: confirm.latencyMs,
          durationS: confirm.durationS,
        }
      : null,
    limiting: withoutProcessAccess(limiting, failing, Boolean(stack)),
    meetsRequirement: plan.requireRps === undefined ? null : outcome.capacityRps >= plan.requireRps,
    searchS: Math.round((Date.now() - started) / 100) / 10,
    trials: [{ ...peakTrial(peak), durationS: 3 }, ...trials],
    ...confidenceOf(outcome, limiting),
  };
  progress.info(
    `  capacity: ${result.capacityRps} req/s under ${plan.slo.text}${result.firstFailRps ? `, first failure at ${result.firstFailRps} req/s` : ""}` +
      ` (${result.confidence} confidence; limit: ${result.limiting.summary})`,
  );
  return result;
}

export function blank(label: string): ConfigurationResult {
  return {
    label,
    role: "candidate",
    round: 1,
    workers: null,
    memoryLimitMb: null,
    suite: null,
    image: null,
    versions: {},
    peakRps: 0,
    capacityRps: 0,
    firstFailRps: null,
    confirmed: false,
    atCapacity: null,
    limiting: { kind: "unknown", summary: "not measured", evidence: [] },
    confidence: "low",
    confidenceWhy: [],
    meetsRequirement: null,
    searchS: 0,
    trials: [],
  };
}

function peakTrial(peak: number): TrialRecord {
  return {
    phase: "peak",
    rateRps: peak,
    durationS: 3,
    met: true,
    missed: [],
    achievedRps: peak,
    errorRatio: 0,
    latencyMs: { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
    lateStarts: 0,
    notStarted: 0,
    generator: { scheduleLagP99Ms: 0, cpuShare: 0 },
  };
}

/** Against --url the harness sees the machine, not the service's processes: say so rather than guess. */
function withoutProcessAccess(
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

function confidenceOf(
  outcome: Awaited<ReturnType<typeof searchCapacity>>,
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

function describeTrial(t: TrialRecord): string {
  const head = `${t.phase.padEnd(7)} ${String(t.rateRps).padStart(6)} req/s × ${t.durationS} s: `;
  const figures = `p50 ${t.latencyMs.p50} / p99 ${t.latencyMs.p99} ms, errors ${percent(t.errorRatio)}, answered ${t.achievedRps}/s`;
  if (t.inconclusive) return `${head}INCONCLUSIVE (${t.inconclusive})`;
  return `${head}${t.met ? "met" : `missed (${t.missed.join("; ")})`} — ${figures}`;
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
  plan: Pick<CapacityPlan, "requireRps" | "slo">,
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
