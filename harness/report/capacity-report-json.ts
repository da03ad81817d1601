import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CapacityRunReport, Reporter } from "./reporter.ts";

/** capacity.json: the capacity run's report as is (its schema: reports/capacity.schema.json). */
export class CapacityJsonReporter implements Reporter {
  onCapacityEnd({ report, dir }: CapacityRunReport): string[] {
    const file = join(dir, "capacity.json");
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    return [file];
  }
}
