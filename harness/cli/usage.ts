import type { Command } from "commander";
import { ExitCode } from "../core/errors.ts";

/** Commander exits 1 on bad usage; ours is 2 (README: exit codes). --help and --version stay 0. */
export function usageErrorsExit2(command: Command): Command {
  return command.exitOverride((error) => {
    const ok = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
    process.exit(ok ? ExitCode.ok : ExitCode.usage);
  });
}
