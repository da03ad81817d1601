import { Command, Option } from "commander";
import pc from "picocolors";
import { ExitCode, UsageError } from "../core/errors.ts";
import { commandLine, programName } from "../core/invocation.ts";
import { DEPLOY_PROFILE_NAMES, type DeployProfileName } from "../faults/deploy-profiles.ts";
import type { SuiteName, WorkerClass } from "../images/suites.ts";
import { keepCount, REPORTS_DIR } from "../report/retention.ts";
import { loadScenario, scenarioNames, teamScenarioDir } from "../scenario/catalogue.ts";
import type { Scenario } from "../scenario/define-scenario.ts";
import { describeFor, missingFor, partitionByFit } from "../scenario/fit-target.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { targetConfig } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { exitCodeFor, exitCodeOf, runCli } from "./run-cli.ts";
import { chosenSuite, keepOption, numberIn, pruneOldReports, usageErrorsExit2, withSuiteOption, workerOption } from "./usage.ts";

interface Options {
  list?: boolean;
  all?: boolean;
  suite?: SuiteName;
  stack?: SuiteName;
  config?: string;
  target?: string;
  workers?: number | "app";
  worker?: WorkerClass;
  replicas?: number;
  keepalive?: number;
  profile?: DeployProfileName;
  preStop?: number;
  keep?: number;
}

const program = withSuiteOption(usageErrorsExit2(new Command(programName("scenario"))), "Debian suite to run on (overrides the scenario)")
  .description(
    "Runs a scenario against the real stack (your service: chaos.target.ts found from here upward, or --target; else the demo backend) and prints a verdict.\n" +
      "Exit codes: 0 passed, 1 an expectation failed, 2 usage, invalid scenario or target file, or a scenario the target cannot run, " +
      "3 environment (no Docker, an image build failed, the app did not start), 5 inconclusive (the load generator lagged its " +
      "schedule, or lb-keepalive's race was not hit: nothing judged), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).",
  )
  .argument("[name]", `scenario to run (${scenarioNames().join(", ")})`)
  .option("--list", "list the scenarios with a one-line description (and which do not fit --target)")
  .option("--all", "run every scenario that fits the target, one after another, and summarise")
  .option(
    "--target <file>",
    "the system under test: a target file (.ts or .json); default: chaos.target.ts found from here upward, else the demo backend",
  )
  .option(
    "--config <name>",
    "a config of the target (its configs:) (the demo's: default, banners that print; seed, the hooks as deployments write them)",
  )
  .addOption(
    new Option("--workers <n>", 'gunicorn workers (overrides the scenario), or "app" to leave the count to the app\'s config').argParser(
      (value: string) => (value === "app" ? "app" : numberIn("--workers", { unit: "whole", min: 1, max: 32 })(value)),
    ),
  )
  .addOption(workerOption())
  .addOption(
    new Option(
      "--replicas <n>",
      "app containers behind HAProxy, 1 to 8 (scenarios that run replicas: rolling-deploy, lb-keepalive)",
    ).argParser(numberIn("--replicas", { unit: "whole", min: 1, max: 8 })),
  )
  .addOption(
    new Option(
      "--keepalive <s>",
      "gunicorn's keepalive in whole seconds (overrides the scenario; lb-keepalive: above 30 is the fix)",
    ).argParser(numberIn("--keepalive", { unit: "whole", min: 1, max: 300 })),
  )
  .addOption(
    new Option(
      "--profile <name>",
      "how the platform replaces each replica (rolling-deploy): render, kubernetes or naive; see docs/load-balancer.md",
    ).choices(DEPLOY_PROFILE_NAMES),
  )
  .addOption(
    new Option("--pre-stop <s>", "Kubernetes' preStop sleep in seconds (--profile kubernetes; default 2)").argParser(
      numberIn("--pre-stop", { unit: "seconds", min: 0, max: 300 }),
    ),
  )
  .addOption(keepOption())
  .showHelpAfterError();

program.parse();
const [name] = program.args;
const options = program.opts<Options>();

let ranAScenario = false;

await runCli(async () => {
  keepCount(options.keep); // a bad CHAOS_KEEP_REPORTS fails now (exit 2), not after the run
  if (options.list) {
    const target = await loadTarget(options.target);
    const teamDir = teamScenarioDir(target);
    for (const scenarioName of scenarioNames(teamDir)) {
      const scenario = await loadScenario(scenarioName, teamDir);
      const missing = missingFor(scenario, target);
      process.stdout.write(
        `${scenarioName.padEnd(24)} ${missing ? pc.dim(`(not on ${target.name}: needs ${missing}) `) : ""}${describeFor(scenario, target)}\n`,
      );
    }
    return ExitCode.ok;
  }
  if (options.all && name) throw new UsageError("BAD_OPTION", `Give a scenario name or --all, not both.`);
  const target = await loadTarget(options.target);
  const teamDir = teamScenarioDir(target);
  if (!options.all && !name)
    throw new UsageError(
      "NO_SCENARIO",
      `Name a scenario: ${commandLine("scenario", "<name>")}. Available: ${scenarioNames(teamDir).join(", ")}.`,
    );
  if (options.config) targetConfig(target, options.config);
  const named = await Promise.all((options.all ? scenarioNames(teamDir) : [name!]).map((n) => loadScenario(n, teamDir)));
  // What a run needs (the engine, the stack, the load generator, the reporters) is loaded only for a run.
  const [
    { interruptSignal },
    { Progress },
    { ConsoleReporter },
    { fileReporters, writeRunReport },
    { runScenario },
    stack,
    { whereTheReportIs },
  ] = await Promise.all([
    import("../cleanup/interrupt.ts"),
    import("../core/progress.ts"),
    import("../report/console-reporter.ts"),
    import("../report/write-run-report.ts"),
    import("../scenario/run-scenario.ts"),
    import("../stack/stack-options.ts"),
    import("./report-location.ts"),
  ]);
  const { checkWorkerClass, stackOptionsSchema } = stack;
  // One scenario that does not fit the target is refused (exit 2, by runScenario); --all runs those that fit and says which it left out.
  const { fitting: scenarios, leftOut } = options.all ? partitionByFit(named, target) : { fitting: named, leftOut: [] };
  for (const line of leftOut) process.stderr.write(`${pc.dim(line)}\n`);
  ranAScenario = true;
  const progress = new Progress();
  const signal = interruptSignal((sig) => progress.warn(`${sig}: stopping the load, tearing down (Ctrl-C again to force)`));
  const overrides = {
    ...(chosenSuite(options) && { suite: chosenSuite(options) }),
    ...(options.config && { config: options.config }),
    ...(options.workers && { workers: options.workers }),
    ...(options.worker && { worker: options.worker }),
    ...(options.replicas && { replicas: options.replicas }),
    ...(options.keepalive && { keepaliveS: options.keepalive }),
  };
  const deploy = {
    ...(options.profile && { profile: options.profile }),
    ...(options.preStop !== undefined && { preStopS: options.preStop }),
  };
  for (const scenario of scenarios) {
    checkDeployOptions(scenario, options);
    checkWorkerClass(target, stackOptionsSchema.parse({ ...scenario.stack, ...overrides }));
  }
  const reporters = [...fileReporters(), new ConsoleReporter()];
  const results: RunResult[] = [];
  for (const scenario of scenarios) {
    if (scenarios.length > 1) progress.info(`\n${pc.bold(`[${results.length + 1}/${scenarios.length}] ${scenario.name}`)}`);
    const result = await runScenario(scenario, { progress, signal, overrides, deploy, target });
    progress.clearStatus();
    const { files } = writeRunReport(result, REPORTS_DIR, { reporters });
    process.stdout.write(`${whereTheReportIs(files)}\n`);
    results.push(result);
    // A broken environment, or a generator that lagged (a busy machine), would spoil the runs after it too.
    const stop = result.error && exitCodeOf(result.error);
    if (result.status === "aborted" || stop === ExitCode.environment || stop === ExitCode.inconclusive) break;
  }
  if (scenarios.length > 1) for (const reporter of reporters) reporter.onCatalogueEnd?.(results, scenarios.length);
  pruneOldReports(options.keep, progress);
  const broken = results.find((r) => r.error);
  if (broken?.error) return exitCodeFor(broken.error);
  if (results.length < scenarios.length || results.some((r) => r.status === "failed")) return ExitCode.expectationFailed;
  // A run that could not judge (a timing race its load did not hit) is neither a pass nor a failure.
  return results.every((r) => r.status === "passed") ? ExitCode.ok : ExitCode.inconclusive;
}, removeEverythingBeforeExit);

/** Removes what a run left (containers, the reaper); a command that started none loads nothing for it. */
async function removeEverythingBeforeExit(): Promise<Error[]> {
  if (!ranAScenario) return [];
  const { removeEverythingBeforeExit } = await import("../cleanup/before-exit.ts");
  return removeEverythingBeforeExit();
}

/** --replicas and --profile change scenarios built for them; elsewhere they would be silently ignored, so they are refused. */
function checkDeployOptions(scenario: Scenario, options: Options): void {
  const deploys = scenario.faults.some((f) => f.action === "rolling-deploy");
  const balanced = scenario.stack.replicas > 1 || scenario.stack.balancer !== undefined;
  if ((options.profile || options.preStop !== undefined) && !deploys)
    throw new UsageError(
      "BAD_OPTION",
      `--profile and --pre-stop shape a rolling deploy; ${scenario.name} has none. Run: ${commandLine("scenario", `rolling-deploy --profile ${options.profile ?? "kubernetes"}`)}`,
    );
  if (options.preStop !== undefined && options.profile !== "kubernetes")
    throw new UsageError("BAD_OPTION", "--pre-stop is Kubernetes' preStop sleep: give it with --profile kubernetes.");
  if (options.replicas && !balanced)
    throw new UsageError(
      "BAD_OPTION",
      `${scenario.name} runs one app container: its faults act on that one. --replicas applies to the scenarios that run replicas behind the balancer (rolling-deploy, lb-keepalive).`,
    );
}
