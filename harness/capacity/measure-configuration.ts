import { sleep } from "../core/poll-until.ts";
import { runOpenLoop } from "../load/open-loop.ts";
import { runLoad } from "../load/run-load.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import type { MeasurePlan } from "./capacity-plan.ts";
import { type ConfigurationResult, type TrialRecord, unmeasuredConfiguration } from "./capacity-result.ts";
import { limitingResource, ResourceSampler } from "./resources.ts";
import { searchCapacity } from "./search.ts";
import { judgeTrial, percent } from "./slo.ts";
import { confidenceOf, withoutProcessAccess } from "./verdicts.ts";

/**
 * Seconds a trial costs beyond its duration, for the budget: the pause after it (0.5 s, or up to 5 s to
 * let a queue drain after a failure), the resource readings, and the drain of requests still in flight.
 */
export const SEARCH_OVERHEAD_S = 4;

/** Measures a stack that is already running (the caller tears it down). */
export async function measureStack(
  plan: MeasurePlan,
  stack: StartedStack,
  base = unmeasuredConfiguration("default"),
): Promise<ConfigurationResult> {
  // A worker count the app's command line pins would measure another configuration than the label says: refused.
  await stack.checkedGunicornConfig((message) => plan.progress.warn(message));
  const versions = await stack.app.versions();
  const booted = { ...base, workers: stack.workers, suite: stack.options.suite, image: stack.image, versions };
  return measureConfiguration(plan, stack.url, stack, booted);
}

/** One configuration's search, against `url`; with a `stack`, its processes and resources are the evidence. */
export async function measureConfiguration(
  plan: MeasurePlan,
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

function describeTrial(t: TrialRecord): string {
  const head = `${t.phase.padEnd(7)} ${String(t.rateRps).padStart(6)} req/s × ${t.durationS} s: `;
  const figures = `p50 ${t.latencyMs.p50} / p99 ${t.latencyMs.p99} ms, errors ${percent(t.errorRatio)}, answered ${t.achievedRps}/s`;
  if (t.inconclusive) return `${head}INCONCLUSIVE (${t.inconclusive})`;
  return `${head}${t.met ? "met" : `missed (${t.missed.join("; ")})`} — ${figures}`;
}
