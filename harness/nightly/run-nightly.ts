import { join } from "node:path";
import {
  type Baseline,
  baselineEntry,
  baselineKey,
  compareToBaseline,
  type Regression,
  readBaseline,
  writeBaseline,
} from "../baseline/baseline.ts";
import type { CapacityRequest } from "../capacity/capacity-plan.ts";
import type { CapacityReport } from "../capacity/capacity-result.ts";
import { runCapacity } from "../capacity/run-capacity.ts";
import { DEFAULT_SLO, parseSlo } from "../capacity/slo.ts";
import type { Progress } from "../core/progress.ts";
import { type SuiteName, suiteWorkerLabel, type WorkerClass } from "../images/suites.ts";
import { writeCapacityReport } from "../report/capacity-report.ts";
import { markWriting, REPORTS_DIR } from "../report/retention.ts";
import { pointLatestAt, writeNightlyReport, writeRunReport } from "../report/write-run-report.ts";
import { loadScenario, teamScenarioDir } from "../scenario/catalogue.ts";
import type { ResultJson } from "../scenario/result-json.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import type { Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { nightlyDir } from "./nightly-dir.ts";
import { nightlyMatrix } from "./nightly-matrix.ts";
import { assignShards, DEFAULT_RUN_ESTIMATE_S, estimateMatrix, type Shard, totalEstimateS, writeShardFile } from "./shard.ts";

export interface NightlyOptions {
  suites: SuiteName[];
  /** gunicorn's worker classes to run, on each suite that has them; default: every one the suite has. */
  workers?: WorkerClass[];
  scenarios: string[];
  /** The system under test; default: the demo backend. */
  target?: Target;
  baselineFile: string;
  updateBaseline: boolean;
  progress: Progress;
  signal: AbortSignal;
  reportsDir?: string;
  /**
   * Performance, judged the only way that means something: against a reference build measured in this same
   * run on this machine (capacity, A B B A), never against the baseline's figures.
   */
  performance?: { compare: { label: string; target: Target }; requests: CapacityRequest[]; budgetS: number };
  /**
   * `--shard i/n`: only this shard's part of the matrix, balanced by the baseline's durations; the folder is
   * `nightly-<date>-shard-i-of-n` and holds shard.json. The capacity comparison runs in shard 1 only.
   */
  shard?: Shard;
}

export interface NightlyOutcome {
  dir: string;
  /** The nightly's own files, as its reporters wrote them (index.html, junit.xml, summary.md, comparison.json). */
  files: string[];
  results: ResultJson[];
  regressions: Regression[];
  /** Runs with no baseline to compare with. */
  unbaselined: string[];
  baseline: Baseline | undefined;
  /** The same-run capacity comparison, when `performance` asked for one. */
  capacity?: CapacityReport;
}

/**
 * Runs the catalogue on each suite, writes one combined report, and compares every run's behaviour with the
 * baseline (death causes, banners, expectations, errors). Performance is not judged against the baseline:
 * its p99 and throughput were measured on whatever machine recorded it.
 */
export async function runNightly(options: NightlyOptions): Promise<NightlyOutcome> {
  const parent = options.reportsDir ?? REPORTS_DIR;
  const dir = nightlyDir(parent, options.shard && `-shard-${options.shard.index}-of-${options.shard.count}`);
  // The folder fills over the whole nightly: retention (another harness's) leaves it alone meanwhile.
  const written = markWriting(dir);
  try {
    return await runInto(options, parent, dir);
  } finally {
    written();
  }
}

async function runInto(options: NightlyOptions, parent: string, dir: string): Promise<NightlyOutcome> {
  const baseline = readBaseline(options.baselineFile);
  const results: ResultJson[] = [];
  const regressions: Regression[] = [];
  const unbaselined: string[] = [];
  const target = options.target ?? (await loadTarget());
  const scenarios = await Promise.all(options.scenarios.map((name) => loadScenario(name, teamScenarioDir(target))));
  const { runs: matrix, leftOut } = nightlyMatrix(options, scenarios, target);
  for (const line of leftOut) options.progress.info(line);
  const mine = options.shard ? shardKeys(options, target, matrix, baseline, dir) : undefined;
  const total = mine?.size ?? matrix.length;
  for (const { suite, worker, scenario, key: planned } of matrix) {
    if (mine && !mine.has(planned)) continue;
    if (options.signal.aborted) break;
    options.progress.info(`\n[${results.length + 1}/${total}] ${scenario.name} on ${suiteWorkerLabel(suite, worker)}`);
    const run = await runScenario(scenario, { progress: options.progress, signal: options.signal, overrides: { suite, worker }, target });
    const { json } = writeRunReport(run, dir, { linkLatest: false });
    results.push(json);
    const key = baselineKey(json);
    const before = baseline?.scenarios[key];
    if (!before) unbaselined.push(key);
    else regressions.push(...compareToBaseline(key, baselineEntry(json), before, baseline.tolerances));
    options.progress.info(`${json.status.toUpperCase()} ${key}${regressions.some((r) => r.key === key) ? " — regression" : ""}`);
  }
  const capacity =
    options.performance && !options.signal.aborted && comparesCapacity(options.shard)
      ? await compareCapacity(options, target, dir)
      : undefined;
  for (const c of capacity?.comparison?.byConfiguration ?? [])
    if (c.regression) regressions.push({ key: `capacity/${c.configuration}`, kind: "capacity", message: c.verdict });
  const files = writeNightlyReport({
    dir,
    runs: results,
    regressions,
    unbaselined,
    tolerances: baseline?.tolerances,
    baseline: baseline?.scenarios,
  });
  const outcome: NightlyOutcome = { dir, files, results, regressions, unbaselined, baseline, ...(capacity && { capacity }) };
  if (options.updateBaseline && !options.signal.aborted) outcome.baseline = writeBaseline(options.baselineFile, results, baseline);
  pointLatestAt(parent, dir);
  return outcome;
}

/** The capacity comparison (`--compare`) runs once per nightly: unsharded, or in shard 1. */
const comparesCapacity = (shard: Shard | undefined) => !shard || shard.index === 1;

/** This shard's keys: says which and how long they are estimated to take, and records them in shard.json. */
function shardKeys(
  options: NightlyOptions,
  target: Target,
  matrix: ReadonlyArray<{ key: string }>,
  baseline: Baseline | undefined,
  dir: string,
): Set<string> {
  const shard = options.shard!;
  const items = estimateMatrix(
    matrix.map((m) => m.key),
    baseline,
  );
  const mine = assignShards(items, shard.count)[shard.index - 1] ?? [];
  options.progress.info(
    `shard ${shard.index}/${shard.count}: ${mine.length} of ${items.length} runs, estimated ${Math.round(totalEstimateS(mine))} s ` +
      `of ${Math.round(totalEstimateS(items))} s (durations from the baseline, ${DEFAULT_RUN_ESTIMATE_S} s where it has none)`,
  );
  for (const item of mine) options.progress.info(`  ${item.key} (${Math.round(item.estimateS)} s)`);
  if (options.performance && !comparesCapacity(shard)) options.progress.info("--compare: the capacity comparison runs in shard 1 only");
  writeShardFile(dir, {
    version: 1,
    shard,
    target: target.name,
    matrix: items.map((item) => item.key),
    keys: mine.map((item) => item.key),
    estimatesS: Object.fromEntries(mine.map((item) => [item.key, item.estimateS])),
    capacity: Boolean(options.performance) && comparesCapacity(shard),
  });
  return new Set(mine.map((item) => item.key));
}

/** This build against the reference, interleaved A B B A on this machine; its report goes in the nightly's folder. */
async function compareCapacity(options: NightlyOptions, target: Target, dir: string): Promise<CapacityReport> {
  const { compare, requests, budgetS } = options.performance!;
  options.progress.info(`\ncapacity: ${target.name} against ${compare.label}, interleaved A B B A on this machine`);
  const report = await runCapacity({
    target,
    requests,
    slo: parseSlo(DEFAULT_SLO),
    suite: options.suites[0],
    workers: [],
    memoryMb: [],
    compare,
    budgetS,
    trialS: 3,
    confirmS: 6,
    connections: 256,
    timeoutS: 10,
    progress: options.progress,
    signal: options.signal,
  });
  writeCapacityReport(report, join(dir, "capacity"));
  options.progress.info(`capacity: ${report.status.toUpperCase()}: ${report.summary}`);
  return report;
}
