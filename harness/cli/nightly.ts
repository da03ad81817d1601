import { join, relative } from "node:path";
import { Command, Option } from "commander";
import pc from "picocolors";
import { capacityRequests, referenceTarget } from "../capacity/capacity-inputs.ts";
import { removeEverythingBeforeExit } from "../cleanup/before-exit.ts";
import { interruptSignal } from "../cleanup/interrupt.ts";
import { ExitCode, UsageError } from "../core/errors.ts";
import { commandLine, programName } from "../core/invocation.ts";
import { Progress } from "../core/progress.ts";
import { SUITE_NAMES, type SuiteName, suiteWorkers, type WorkerClass } from "../images/suites.ts";
import { runNightly } from "../nightly/run-nightly.ts";
import { DEFAULT_RUN_ESTIMATE_S, parseShard } from "../nightly/shard.ts";
import { keepCount, REPORTS_DIR } from "../report/retention.ts";
import { scenarioNames, teamScenarioDir } from "../scenario/catalogue.ts";
import { loadTarget } from "../target/load-target.ts";
import { whereTheReportIs } from "./report-location.ts";
import { runCli } from "./run-cli.ts";
import { chosenSuite, keepOption, pruneOldReports, usageErrorsExit2, withSuiteOption, workerOption } from "./usage.ts";

const program = withSuiteOption(usageErrorsExit2(new Command(programName("nightly"))), "only this Debian suite")
  .description(
    "Runs the whole catalogue on every suite, writes one combined report (reports/nightly-<date>/: index.html, " +
      "junit.xml, summary.md, one folder per run) and compares every run's behaviour with the baseline: death causes, " +
      "banners missing, expectations, error count. p99 and throughput are reported as measured here, never judged " +
      "against the baseline (it may come from another machine); with --compare, performance is judged against a reference " +
      "build measured in this run (capacity, A B B A), a drop beyond the spread measured being a regression. With " +
      `--shard i/n, only a part of the matrix (reports/nightly-<date>-shard-i-of-n/, with shard.json); ${commandLine("nightly:merge")} ` +
      "joins the shards into one such report; --compare then runs in shard 1 only.\n" +
      "Exit codes: 0 no regression, 1 a regression, 2 usage, 3 environment, 130 interrupted.",
  )
  .option(
    "--target <file>",
    "the system under test: a target file (.ts or .json); default: chaos.target.ts found from here upward, else the demo",
  )
  .option("--scenario <names>", "only these scenarios (comma-separated)")
  .option("--baseline <file>", "the baseline to compare behaviour with", join(REPORTS_DIR, "baseline.json"))
  .option("--update-baseline", "rewrite the baseline from this run (deliberately)")
  .option(
    "--shard <i/n>",
    `run only shard i of n (n ≤ 64): a deterministic part of the matrix, balanced by the durations in the baseline ` +
      `(${DEFAULT_RUN_ESTIMATE_S} s where it has none); folder nightly-<date>-shard-i-of-n; merge the shards with ${commandLine("nightly:merge")}`,
  )
  .option(
    "--compare <target-or-image>",
    "also judge performance: the target's capacity against this reference build (a target file, or an image of the same app), measured here, interleaved A B B A",
  )
  .option("--capacity-path <path-or-role>", "what --compare requests (a path or a role of the target)", "health")
  .addOption(keepOption())
  .addOption(
    workerOption(
      "only this worker class of gunicorn: uvicorn (uvicorn's UvicornWorker) or asgi (gunicorn's own, on sid); default: each one the suite has",
    ),
  )
  .addOption(new Option("--capacity-budget <s>", "search time per build and round for --compare").default(60).argParser(Number))
  .showHelpAfterError();

const options = program.parse().opts<{
  suite?: SuiteName;
  stack?: SuiteName;
  worker?: WorkerClass;
  target?: string;
  scenario?: string;
  baseline: string;
  updateBaseline?: boolean;
  compare?: string;
  capacityPath: string;
  capacityBudget: number;
  keep?: number;
  shard?: string;
}>();

await runCli(async () => {
  keepCount(options.keep); // a bad CHAOS_KEEP_REPORTS fails now (exit 2), not after the run
  const target = await loadTarget(options.target);
  // The catalogue's scenarios and the team's own (chaos/scenarios/ beside its target file).
  const all = scenarioNames(teamScenarioDir(target));
  const scenarios = options.scenario ? options.scenario.split(",").map((s) => s.trim()) : all;
  const unknown = scenarios.filter((s) => !all.includes(s));
  if (unknown.length) throw new UsageError("UNKNOWN_SCENARIO", `There is no scenario ${unknown.join(", ")}. Available: ${all.join(", ")}.`);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  if (shard && options.updateBaseline)
    throw new UsageError(
      "SHARD_UPDATE_BASELINE",
      "--update-baseline with --shard would write a baseline from part of the matrix: run the shards, then " +
        `${commandLine("nightly:merge", "DIR... --update-baseline")}.`,
    );
  const suites = chosenSuite(options) ? [chosenSuite(options)!] : SUITE_NAMES;
  const worker = options.worker;
  if (worker && !suites.some((s) => suiteWorkers(s).includes(worker)))
    throw new UsageError("BAD_OPTION", `--worker ${worker}: no chosen suite's gunicorn has it (${suites.join(", ")}). Add --suite sid.`);
  if (!(options.capacityBudget > 0)) throw new UsageError("BAD_OPTION", "--capacity-budget wants seconds above 0, e.g. 60.");
  const performance = options.compare
    ? {
        compare: { label: options.compare, target: await referenceTarget(options.compare, target) },
        requests: capacityRequests([options.capacityPath], target),
        budgetS: options.capacityBudget,
      }
    : undefined;
  const progress = new Progress();
  const signal = interruptSignal((sig) => progress.warn(`${sig}: finishing the current run's teardown, then writing the report`));
  const outcome = await runNightly({
    target,
    suites,
    ...(worker && { workers: [worker] }),
    scenarios,
    baselineFile: options.baseline,
    updateBaseline: Boolean(options.updateBaseline),
    ...(performance && { performance }),
    ...(shard && { shard }),
    progress,
    signal,
  });
  progress.clearStatus();
  pruneOldReports(options.keep, progress);
  const passed = outcome.results.filter((r) => r.status === "passed").length;
  process.stdout.write(
    `\n${passed} of ${outcome.results.length} runs passed; ${outcome.regressions.length} regression(s) in behaviour ` +
      `(p99 and throughput are not judged against the baseline)\n`,
  );
  for (const c of outcome.capacity?.comparison?.byConfiguration ?? []) process.stdout.write(`capacity ${c.configuration}: ${c.verdict}\n`);
  for (const r of outcome.regressions) process.stdout.write(`${pc.red("regression")} ${r.key} (${r.kind}): ${r.message}\n`);
  if (outcome.unbaselined.length) process.stdout.write(`${pc.yellow("no baseline")} for ${outcome.unbaselined.join(", ")}\n`);
  if (options.updateBaseline) process.stdout.write(`baseline rewritten: ${relative(process.cwd(), options.baseline)}\n`);
  process.stdout.write(`${whereTheReportIs(outcome.files)}\n`);
  if (shard)
    process.stdout.write(
      `shard ${shard.index}/${shard.count}: join the shards with ${commandLine("nightly:merge", relative(process.cwd(), outcome.dir).replace(/-shard-\d+-of-/, "-shard-*-of-"))}\n`,
    );
  if (signal.aborted) return (signal.reason as { exitCode?: number })?.exitCode ?? 130;
  // A run that could not happen (no image, an app that never started) is not a pass, baseline or not.
  if (outcome.results.some((r) => r.status === "error") || outcome.capacity?.status === "error") return ExitCode.environment;
  return outcome.regressions.length && !options.updateBaseline ? ExitCode.expectationFailed : ExitCode.ok;
}, removeEverythingBeforeExit);
