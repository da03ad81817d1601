import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CapacityReport, measuredSystem } from "../capacity/capacity-result.ts";
import { junit } from "./junit-builder.ts";
import type { CapacityRunReport, Reporter } from "./reporter.ts";

/** junit.xml for a capacity run: one testcase per configuration and per comparison entry. */
export class CapacityJunitReporter implements Reporter {
  onCapacityEnd({ report, dir }: CapacityRunReport): string[] {
    const file = join(dir, "junit.xml");
    writeFileSync(file, capacityJunit(report));
    return [file];
  }
}

/**
 * One testsuite "capacity": a testcase per configuration (a failure below --require, an error when it
 * could not be measured) and per comparison entry (a failure on a regression, skipped when a round is
 * missing and nothing was judged).
 *
 * An "inconclusive" report (the load generator could not offer the required rate on this machine) is
 * not a verdict on the build, so it is never a failure: each configuration short of --require becomes an
 * *error* of type "inconclusive" with the report's summary as its message. An error rather than a skip,
 * because a skip reads as green in most CI dashboards while the requirement was not shown to hold (the
 * CLI exits non-zero too), and junit-report-builder's <skipped> carries no message.
 */
function capacityJunit(report: CapacityReport): string {
  const builder = junit.newBuilder();
  const seconds = (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000;
  const suite = builder
    .testSuite()
    .name("capacity")
    .timestamp(report.startedAt)
    .time(Number.isFinite(seconds) ? seconds : 0)
    .property("runId", report.runId)
    .property("status", report.status)
    .property("summary", report.summary)
    .property("slo", report.slo.text)
    .property("requireRps", report.requireRps === null ? "none" : String(report.requireRps))
    .property("system", measuredSystem(report));
  const className = `capacity.${report.target?.name ?? "url"}`;
  let inconclusiveShown = false;
  for (const c of report.configurations) {
    const test = suite
      .testCase()
      .className(className)
      .name(c.label)
      .time(c.searchS)
      .property("capacityRps", String(c.capacityRps))
      .property("firstFailRps", c.firstFailRps === null ? "none" : String(c.firstFailRps))
      .property("confidence", c.confidence)
      .property("limiting", c.limiting.kind);
    if (c.error) test.error(c.error, "error");
    else if (c.meetsRequirement === false && report.status === "inconclusive") {
      test.error(`INCONCLUSIVE: ${report.summary}`, "inconclusive");
      inconclusiveShown = true;
    } else if (c.meetsRequirement === false)
      test.failure(
        `${c.capacityRps} req/s sustained under ${report.slo.text}, below the required ${report.requireRps} req/s`,
        "requirement",
      );
  }
  if (report.status === "inconclusive" && !inconclusiveShown)
    suite.testCase().className(className).name("capacity").error(`INCONCLUSIVE: ${report.summary}`, "inconclusive");
  for (const entry of report.comparison?.byConfiguration ?? []) {
    const test = suite
      .testCase()
      .className(`${className}.comparison`)
      .name(`compare ${entry.configuration} with ${report.comparison!.reference}`)
      .property("referenceRps", entry.referenceRps.join(","))
      .property("candidateRps", entry.candidateRps.join(","))
      .property("spreadRps", String(entry.spreadRps))
      .property("dropRps", String(entry.dropRps));
    if (entry.regression) test.failure(entry.verdict, "regression");
    else if (entry.referenceRps.length < 2 || entry.candidateRps.length < 2) test.skipped().standardOutput(entry.verdict);
  }
  return builder.build();
}
