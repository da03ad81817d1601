import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Builder } from "junit-report-builder";
import { type ResultJson, runStack } from "../scenario/result-json.ts";
import { junit } from "./junit-builder.ts";
import type { NightlyReport, Reporter, RunReport } from "./reporter.ts";

/** junit.xml: one testsuite per run (scenario on a suite), one testcase per expectation; failures say expected vs observed. */
export class JunitReporter implements Reporter {
  onRunEnd({ json, dir }: RunReport): string[] {
    return [write(join(dir, "junit.xml"), [json])];
  }

  onNightlyEnd({ dir, runs }: NightlyReport): string[] {
    return [write(join(dir, "junit.xml"), runs)];
  }
}

function write(file: string, results: ResultJson[]): string {
  const builder = junit.newBuilder();
  for (const result of results) addRunSuite(builder, result);
  writeFileSync(file, builder.build());
  return file;
}

function addRunSuite(builder: Builder, result: ResultJson): void {
  const suite = builder
    .testSuite()
    .name(`${result.scenario.name} (${runStack(result)}, ${result.stack.config} config)`)
    .timestamp(result.startedAt)
    .time(result.durationS)
    .property("runId", result.runId)
    .property("status", result.status);
  const className = `scenario.${result.scenario.name}.${runStack(result)}`;
  if (result.error) {
    suite
      .testCase()
      .className(className)
      .name("run")
      .error(result.error.message, result.error.code ?? result.status);
  }
  for (const expectation of result.expectations) {
    const test = suite.testCase().className(className).name(`${expectation.name}: ${expectation.expected}`);
    if (expectation.verdict === "fail") test.failure(`expected ${expectation.expected}, observed ${expectation.observed}`, "expectation");
    if (expectation.verdict === "inconclusive") test.skipped();
  }
}
