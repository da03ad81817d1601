import { type Command, Option } from "commander";
import { ExitCode } from "../core/errors.ts";
import { SUITE_NAMES, type SuiteName } from "../images/suites.ts";

/** Commander exits 1 on bad usage; ours is 2 (README: exit codes). --help and --version stay 0. */
export function usageErrorsExit2(command: Command): Command {
  return command.exitOverride((error) => {
    const ok = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
    process.exit(ok ? ExitCode.ok : ExitCode.usage);
  });
}

/** `--suite <name>`, plus `--stack`, its former name, still accepted but no longer shown. */
export function withSuiteOption(command: Command, description: string): Command {
  return command
    .addOption(new Option("--suite <name>", description).choices(SUITE_NAMES))
    .addOption(new Option("--stack <name>", "former name of --suite").choices(SUITE_NAMES).hideHelp());
}

export function chosenSuite(options: { suite?: SuiteName; stack?: SuiteName }): SuiteName | undefined {
  return options.suite ?? options.stack;
}
