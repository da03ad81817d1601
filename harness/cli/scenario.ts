import { Command, InvalidArgumentError, Option } from "commander";
import { interruptSignal } from "../cleanup/interrupt.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { STACK_NAMES, type StackName } from "../images/stacks.ts";
import { formatConsoleReport } from "../report/console-report.ts";
import { loadScenario, scenarioNames } from "../scenario/catalogue.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import { GUNICORN_CONFIGS, type GunicornConfig } from "../stack/stack-options.ts";
import { Progress } from "./progress.ts";
import { exitCodeFor, runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

interface Options {
  list?: boolean;
  stack?: StackName;
  config?: GunicornConfig;
  workers?: number;
}

const program = usageErrorsExit2(new Command("npm run scenario --"))
  .description(
    "Runs a scenario against the real stack and prints a verdict.\nExit codes: 0 passed, 1 an expectation failed, 2 usage or invalid scenario, 3 environment, 130 interrupted.",
  )
  .argument("[name]", `scenario to run (${scenarioNames().join(", ")})`)
  .option("--list", "list the scenarios with a one-line description")
  .addOption(new Option("--stack <name>", "stack to run on (overrides the scenario)").choices(STACK_NAMES))
  .addOption(
    new Option("--config <variant>", "gunicorn config: default (banners that print) or seed (hooks as deployments write them)").choices(
      GUNICORN_CONFIGS,
    ),
  )
  .addOption(new Option("--workers <n>", "gunicorn workers (overrides the scenario)").argParser(positiveInt))
  .showHelpAfterError();

program.parse();
const [name] = program.args;
const options = program.opts<Options>();

await runCli(async () => {
  if (options.list) {
    for (const scenarioName of scenarioNames()) {
      const scenario = await loadScenario(scenarioName);
      process.stdout.write(`${scenarioName.padEnd(22)} ${scenario.description}\n`);
    }
    return ExitCode.ok;
  }
  if (!name) throw new UsageError("NO_SCENARIO", `Name a scenario: npm run scenario <name>. Available: ${scenarioNames().join(", ")}.`);
  const scenario = await loadScenario(name);
  const progress = new Progress();
  const signal = interruptSignal((sig) => progress.warn(`${sig}: stopping the load, tearing down (Ctrl-C again to force)`));
  const overrides = {
    ...(options.stack && { stack: options.stack }),
    ...(options.config && { config: options.config }),
    ...(options.workers && { workers: options.workers }),
  };
  const result = await runScenario(scenario, { progress, signal, overrides });
  progress.clearStatus();
  process.stdout.write(`\n${formatConsoleReport(result)}\n`);
  if (result.error) return exitCodeFor(result.error);
  return result.status === "passed" ? ExitCode.ok : ExitCode.expectationFailed;
});

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--workers wants a whole number of at least 1, not "${value}".`);
  return n;
}
