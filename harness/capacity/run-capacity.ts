import { cpus } from "node:os";
import { relative } from "node:path";
import { newRunContext, type RunContext } from "../cleanup/run-context.ts";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { errorMessage, InterruptedError } from "../core/errors.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { Stack } from "../stack/stack.ts";
import type { Target } from "../target/define-target.ts";
import type { CapacityPlan } from "./capacity-plan.ts";
import { type CapacityReport, type ConfigurationResult, unmeasuredConfiguration } from "./capacity-result.ts";
import { measureConfiguration, measureStack } from "./measure-configuration.ts";
import { compareRounds, judgeReport } from "./verdicts.ts";

/** The nightly names its capacity requests through this module. */

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
    ...unmeasuredConfiguration(label),
    role,
    round,
    workers: shape.workers ?? null,
    memoryLimitMb: shape.memoryMb ?? null,
    suite: plan.url ? null : (plan.suite ?? null),
  };

  plan.progress.info(`\n${label}${target ? ` — ${target.name}` : ` — ${plan.url}`}`);
  try {
    if (!target) return await measureConfiguration(plan, plan.url!, undefined, empty);
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
