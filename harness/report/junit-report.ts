import junitModule, { type Builder } from "junit-report-builder";
import type { ResultJson } from "./result-json.ts";

// The package's types describe its `exports.default`; Node's ESM default import is `module.exports`,
// which is the builder itself.
const junit = junitModule as unknown as Builder;

/** One testsuite per run (scenario on a stack), one testcase per expectation; failures say expected vs observed. */
export function addRunSuite(builder: Builder, result: ResultJson): void {
  const suite = builder
    .testSuite()
    .name(`${result.scenario.name} (${result.stack.name}, ${result.stack.config} config)`)
    .timestamp(result.startedAt)
    .time(result.durationS)
    .property("runId", result.runId)
    .property("status", result.status);
  const className = `scenario.${result.scenario.name}.${result.stack.name}`;
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
  }
}

export function junitXml(results: ResultJson[]): string {
  const builder = junit.newBuilder();
  for (const result of results) addRunSuite(builder, result);
  return builder.build();
}
