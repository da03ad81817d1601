import type { BaselineEntry, Regression } from "../baseline/baseline.ts";
import type { CapacityReport } from "../capacity/capacity-result.ts";
import type { ResultJson } from "../scenario/result-json.ts";
import type { RunResult } from "../scenario/run-result.ts";

/** One finished run, as every reporter receives it: the result, its result.json form, and its report folder. */
export interface RunReport {
  result: RunResult;
  json: ResultJson;
  dir: string;
}

/** A nightly run's end: every run's result.json and the comparison with the baseline. */
export interface NightlyReport {
  dir: string;
  runs: ResultJson[];
  regressions: Regression[];
  /** Runs with no baseline to compare with. */
  unbaselined: string[];
  tolerances: unknown;
  /**
   * The baseline's entries by key, shown beside each run for information: their p99 and throughput are the
   * recording machine's figures, never judged (only behaviour is, in `regressions`).
   */
  baseline?: Readonly<Record<string, BaselineEntry>>;
  /**
   * Keys of the matrix this report lacks: a merge of shards with some missing (`nightly:merge --allow-missing`).
   * Absent, or empty, for a complete nightly; the reports then say nothing of it.
   */
  missing?: readonly string[];
}

/** One finished capacity run (`npm run capacity`, or a nightly's comparison), and the folder its files go in. */
export interface CapacityRunReport {
  report: CapacityReport;
  dir: string;
}

/**
 * Listens to a run through optional hooks (vitest's Reporter is the model). A hook that writes files
 * returns their paths, so that the command can say where the report is.
 */
export interface Reporter {
  /** Every run, whatever its end (passed, failed, broken or interrupted). */
  onRunEnd?(report: RunReport): string[] | undefined;
  /** After `--all`: the runs in order, and how many were planned. */
  onCatalogueEnd?(results: readonly RunResult[], planned: number): void;
  /** After a nightly: one combined view of every run. */
  onNightlyEnd?(nightly: NightlyReport): string[] | undefined;
  /** After a capacity run, whatever its status. */
  onCapacityEnd?(capacity: CapacityRunReport): string[] | undefined;
}
