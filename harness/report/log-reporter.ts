import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, RunReport } from "./reporter.ts";

/** app.log: every raw line of the run's containers, time-stamped on arrival, with its source and stream. */
export class LogReporter implements Reporter {
  onRunEnd({ result, dir }: RunReport): string[] {
    const file = join(dir, "app.log");
    writeFileSync(file, result.logLines.map((l) => `${new Date(l.at).toISOString()} ${l.source}/${l.stream} ${l.text}\n`).join(""));
    return [file];
  }
}
