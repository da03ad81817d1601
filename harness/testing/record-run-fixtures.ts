// Records the real runs the unit tests replay (reporters, expectations): `npm run record-fixtures [scenario...]`.
import { Progress } from "../core/progress.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import { RECORDED_RUNS, runFixtureFile, saveRunResult } from "./recorded-run.ts";

const progress = new Progress();
const only = process.argv.slice(2);
for (const recorded of RECORDED_RUNS.filter((r) => only.length === 0 || only.includes(r.scenario))) {
  const result = await runScenario(await loadScenario(recorded.scenario), {
    progress,
    signal: new AbortController().signal,
    overrides: { suite: recorded.suite, config: recorded.config },
    ...("profile" in recorded ? { deploy: { profile: recorded.profile } } : {}),
  });
  if (result.error) throw result.error;
  saveRunResult(result, runFixtureFile(recorded));
  progress.info(`${recorded.scenario} on ${recorded.suite} (${recorded.config}): ${result.status}, ${result.logLines.length} log lines`);
}
