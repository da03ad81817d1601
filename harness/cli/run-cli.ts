import pc from "picocolors";
import { HarnessError, InterruptedError } from "../core/errors.ts";

/** Exit code for a failure the harness did not anticipate: a bug in the harness. */
export const INTERNAL_ERROR_EXIT = 4;

/**
 * Runs a command's main function and turns its outcome into an exit code: the function's own result,
 * a HarnessError's documented code (with its message and nothing else), 130/143 when interrupted.
 * `beforeExit` runs last whatever the code (a command that starts containers removes what is left of them
 * there, so nothing outlives the process); what it could not do is reported on stderr.
 */
export async function runCli(main: () => Promise<number>, beforeExit?: () => Promise<Error[]>): Promise<never> {
  // A reader that stops early (`| head`) closes the pipe: the rest of the output is not wanted, which is no error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  let code: number;
  try {
    code = await main();
  } catch (error) {
    code = exitCodeFor(error);
  }
  for (const error of (await beforeExit?.()) ?? []) process.stderr.write(`${pc.yellow("warning")}: cleanup: ${error.message}\n`);
  // Exit only once stdout and stderr are flushed: a pipe takes large output (classify --json) asynchronously.
  process.exitCode = code;
  await Promise.all([process.stdout, process.stderr].map((out) => new Promise((resolve) => out.write("", resolve))));
  process.exit(code);
}

/** The exit code an error ends a command with, saying nothing (exitCodeFor also reports it). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError || error instanceof HarnessError) return error.exitCode;
  return INTERNAL_ERROR_EXIT;
}

/** Reports the error on stderr (once) and returns its exit code. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) {
    process.stderr.write(`${pc.yellow("interrupted")}: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof HarnessError) {
    process.stderr.write(`${pc.red(`error ${error.code}`)}: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `${pc.red("internal error")} (a bug in the harness; please report it):\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return INTERNAL_ERROR_EXIT;
}
