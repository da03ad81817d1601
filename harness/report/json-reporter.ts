import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NightlyReport, Reporter, RunReport } from "./reporter.ts";

/** result.json for a run (everything, in its versioned schema); comparison.json for a nightly. */
export class JsonReporter implements Reporter {
  onRunEnd({ json, dir }: RunReport): string[] {
    return [writeJson(join(dir, "result.json"), json)];
  }

  onNightlyEnd({ dir, regressions, unbaselined, tolerances, missing }: NightlyReport): string[] {
    const comparison = { regressions, unbaselined, tolerances: tolerances ?? null, ...(missing?.length && { missing }) };
    return [writeJson(join(dir, "comparison.json"), comparison)];
  }
}

function writeJson(file: string, value: unknown): string {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}
