import { type Command, InvalidArgumentError, Option } from "commander";
import { ExitCode } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { SUITE_NAMES, type SuiteName, WORKER_CLASSES } from "../images/suites.ts";
import { keepCount, pruneReports, REPORTS_DIR } from "../report/retention.ts";

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

/** `--worker <class>`: gunicorn's worker class, through the target's `workerClass` setting. */
export function workerOption(
  description = "gunicorn's worker class: uvicorn (uvicorn's UvicornWorker, the default) or asgi (gunicorn's own ASGI worker, gunicorn 24+: --suite sid)",
): Option {
  return new Option("--worker <class>", description).choices(WORKER_CLASSES);
}

export function chosenSuite(options: { suite?: SuiteName; stack?: SuiteName }): SuiteName | undefined {
  return options.suite ?? options.stack;
}

/**
 * A numeric option's parser: a whole number, or seconds (any number), within bounds. A bad value is refused (exit 2)
 * saying what the option wants: `--replicas wants a whole number from 1 to 8, not "9".`
 */
export function numberIn(
  flag: string,
  { unit, min, max, aboveMin = false }: { unit: "whole" | "seconds"; min: number; max?: number; aboveMin?: boolean },
): (value: string) => number {
  const range = max === undefined ? `of at least ${min}` : aboveMin ? `above ${min} and at most ${max}` : `from ${min} to ${max}`;
  const wants = `${flag} wants ${unit === "whole" ? "a whole number" : "seconds"} ${range}`;
  return (value) => {
    const n = Number(value);
    const fits =
      (unit === "whole" ? Number.isInteger(n) : Number.isFinite(n)) && (aboveMin ? n > min : n >= min) && (max === undefined || n <= max);
    if (!fits) throw new InvalidArgumentError(`${wants}, not "${value}".`);
    return n;
  };
}

/** `--keep <n>`: how many report folders to keep in reports/ (the default from CHAOS_KEEP_REPORTS, else 50). */
export function keepOption(): Option {
  return new Option("--keep <n>", "report folders to keep in reports/, the newest (default: CHAOS_KEEP_REPORTS, else 50)").argParser(
    (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of folders, at least 1");
      return n;
    },
  );
}

/** Removes the oldest report folders beyond `--keep`, and says so. */
export function pruneOldReports(keep: number | undefined, progress: Progress): void {
  try {
    const removed = pruneReports(REPORTS_DIR, keepCount(keep));
    if (removed.length) progress.info(`removed ${removed.length} old report folder(s) beyond the newest ${keepCount(keep)} (--keep)`);
  } catch (error) {
    // Tidying up never fails a run that is over.
    progress.warn(`could not prune old report folders: ${(error as Error).message}`);
  }
}
