import { mkdirSync } from "node:fs";
import type { CapacityReport } from "../capacity/capacity-result.ts";
import { CapacityHtmlReporter } from "./capacity-report-html.ts";
import { CapacityJsonReporter } from "./capacity-report-json.ts";
import { CapacityJunitReporter } from "./capacity-report-junit.ts";
import type { Reporter } from "./reporter.ts";

/** The reporters that write a capacity run's folder: capacity.json, junit.xml, report.html. */
export function capacityReporters(): Reporter[] {
  return [new CapacityJsonReporter(), new CapacityJunitReporter(), new CapacityHtmlReporter()];
}

/**
 * Hands a finished capacity run to every reporter; the file reporters write what `npm run capacity` leaves in `dir`
 * (created if missing): capacity.json (the report as is), junit.xml (one testcase per configuration and per
 * comparison) and report.html (one self-contained file). Returns the paths written, in the reporters' order.
 */
export function writeCapacityReport(report: CapacityReport, dir: string, reporters = capacityReporters()): string[] {
  mkdirSync(dir, { recursive: true });
  return reporters.flatMap((reporter) => reporter.onCapacityEnd?.({ report, dir }) ?? []);
}
