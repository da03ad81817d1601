import { existsSync } from "node:fs";
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
import type { Progress } from "../core/progress.ts";
import type { SuiteName } from "../images/suites.ts";
import { pointLatestAt, REPORTS_DIR, writeNightlyReport, writeRunReport } from "../report/write-run-report.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import { partitionByFit } from "../scenario/fit-target.ts";
import type { ResultJson } from "../scenario/result-json.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import type { Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";

export interface NightlyOptions {
  suites: SuiteName[];
  scenarios: string[];
  /** The system under test; default: the demo backend. */
  target?: Target;
  baselineFile: string;
  updateBaseline: boolean;
  progress: Progress;
  signal: AbortSignal;
  reportsDir?: string;
}

export interface NightlyOutcome {
  dir: string;
  results: ResultJson[];
  regressions: Regression[];
  /** Runs with no baseline to compare with. */
  unbaselined: string[];
  baseline: Baseline | undefined;
}

/**
 * Runs the catalogue on each suite, writes one combined report, and compares every run's behaviour with the
 * baseline (death causes, banners, expectations, errors). Performance is not judged against the baseline:
 * its p99 and throughput were measured on whatever machine recorded it.
 */
export async function runNightly(options: NightlyOptions): Promise<NightlyOutcome> {
  const parent = options.reportsDir ?? REPORTS_DIR;
  const dir = nightlyDir(parent);
  const baseline = readBaseline(options.baselineFile);
  const results: ResultJson[] = [];
  const regressions: Regression[] = [];
  const unbaselined: string[] = [];
  const target = options.target ?? (await loadTarget());
  const scenarios = await Promise.all(options.scenarios.map((name) => loadScenario(name)));
  const { fitting, leftOut } = partitionByFit(scenarios, target);
  for (const line of leftOut) options.progress.info(line);
  const total = options.suites.length * fitting.length;
  for (const suite of options.suites) {
    for (const scenario of fitting) {
      if (options.signal.aborted) break;
      options.progress.info(`\n[${results.length + 1}/${total}] ${scenario.name} on ${suite}`);
      const run = await runScenario(scenario, { progress: options.progress, signal: options.signal, overrides: { suite }, target });
      const { json } = writeRunReport(run, dir, { linkLatest: false });
      results.push(json);
      const key = baselineKey(json);
      const before = baseline?.scenarios[key];
      if (!before) unbaselined.push(key);
      else regressions.push(...compareToBaseline(key, baselineEntry(json), before, baseline.tolerances));
      options.progress.info(`${json.status.toUpperCase()} ${key}${regressions.some((r) => r.key === key) ? " — regression" : ""}`);
    }
  }
  writeNightlyReport({ dir, runs: results, regressions, unbaselined, tolerances: baseline?.tolerances, baseline: baseline?.scenarios });
  const outcome: NightlyOutcome = { dir, results, regressions, unbaselined, baseline };
  if (options.updateBaseline && !options.signal.aborted) outcome.baseline = writeBaseline(options.baselineFile, results, baseline);
  pointLatestAt(parent, dir);
  return outcome;
}

function nightlyDir(parent: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const plain = join(parent, `nightly-${date}`);
  return existsSync(plain) ? `${plain}-${new Date().toISOString().slice(11, 19).replace(/:/g, "")}` : plain;
}
