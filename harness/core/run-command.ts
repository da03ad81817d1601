import { type ChildProcess, spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";
import { PACKAGE_ROOT } from "./package-files.ts";

/** The repository's root, where the harness's commands run from unless told otherwise. */
export const REPO_ROOT = `${PACKAGE_ROOT}/`;

/** The end of stderr a finished command keeps: a long run's progress lines stay bounded. */
const STDERR_KEPT = 1024 * 1024;

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Colour codes removed (under CI=true picocolors colours even a pipe). */
  stdout: string;
  /** Its last megabyte, colour codes removed. */
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface RunOptions {
  /** Default: the repository's root. */
  cwd?: string;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Aborting sends the child `abortWith` (default SIGTERM); `done` still waits for it to exit. */
  signal?: AbortSignal;
  abortWith?: NodeJS.Signals;
  /** Its own process group: a terminal's Ctrl-C reaches it only through `abortWith`, exactly once. */
  detached?: boolean;
}

/**
 * Starts a command with its output piped. `done` resolves when it has exited, whatever its exit code, and rejects
 * only when it could not start, naming the command (a missing executable: ENOENT).
 */
export function startCommand(command: string, args: string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<Finished> } {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
  const onAbort = () => child.kill(options.abortWith ?? "SIGTERM");
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(new Error(`could not start ${[command, ...args].join(" ")}: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      const plain = stripVTControlCharacters;
      resolve({ code, signal, stdout: plain(stdout), stderr: plain(stderr), ms: performance.now() - started });
    });
  });
  return { child, done };
}

/** Runs a command to its end: its exit code or signal, its output, its wall time. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  return startCommand(command, args, options).done;
}
