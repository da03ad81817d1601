import { matrixKey } from "../baseline/baseline.ts";
import { type SuiteName, suiteWorkerLabel, suiteWorkers, type WorkerClass } from "../images/suites.ts";
import type { Scenario } from "../scenario/define-scenario.ts";
import { partitionByFit } from "../scenario/fit-target.ts";
import type { Target } from "../target/define-target.ts";

export interface MatrixRun {
  suite: SuiteName;
  worker: WorkerClass;
  scenario: Scenario;
  /** `<target>/<scenario>/<stack>`, as the baseline keys its entries. */
  key: string;
}

/**
 * The nightly's runs, in the order an unsharded nightly runs them: every suite, each of its worker classes (or only
 * `workers`), every scenario that fits the target. `leftOut` says which scenarios do not fit, and why.
 */
export function nightlyMatrix(
  plan: { suites: readonly SuiteName[]; workers?: readonly WorkerClass[] },
  scenarios: readonly Scenario[],
  target: Target,
): { runs: MatrixRun[]; leftOut: string[] } {
  const { fitting, leftOut } = partitionByFit(scenarios, target);
  const runs = plan.suites.flatMap((suite) =>
    suiteWorkers(suite)
      .filter((worker) => !plan.workers || plan.workers.includes(worker))
      .flatMap((worker) =>
        fitting.map((scenario) => ({
          suite,
          worker,
          scenario,
          key: matrixKey(target.name, scenario.name, suiteWorkerLabel(suite, worker)),
        })),
      ),
  );
  return { runs, leftOut };
}
