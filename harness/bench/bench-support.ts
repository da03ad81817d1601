// What the bench's measurements share: a child process awaited with its output, CPU counters, the
// command line an npm script runs, a goal's verdict.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machineCpuTicks } from "../control/machine-cpu.ts";
import { CLOCK_TICKS_PER_S } from "../control/processes.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Aborting sends the child `abortWith` (default SIGTERM); the promise still waits for it to exit. */
  signal?: AbortSignal;
  abortWith?: NodeJS.Signals;
  /** Its own process group: a terminal's Ctrl-C reaches it only through `abortWith`, exactly once. */
  detached?: boolean;
}

/** Runs a command from the repository's root and resolves when it exits, whatever its exit code; rejects only when it cannot start. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: REPO, env: options.env ?? process.env, detached: options.detached ?? false });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-64 * 1024)));
    const onAbort = () => child.kill(options.abortWith ?? "SIGTERM");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.on("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * Node's own command line for an npm script of package.json: `exec node --import tsx harness/cli/x.ts`
 * (the scripts `exec` node so that npm's signals reach it) → the arguments after `node`.
 */
export function scriptNodeArgs(script: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const words = scripts[script]?.split(" ") ?? [];
  const node = words.indexOf("node");
  if (node < 0 || words.slice(0, node).some((word) => word !== "exec")) {
    throw new Error(`package.json's "${script}" script does not start with node (or exec node)`);
  }
  return words.slice(node + 1);
}

/** Starts a CPU meter over the whole machine: the returned function says how many cores were busy on average since. */
export function machineCpu(): () => number {
  const before = machineCpuTicks();
  return () => {
    const after = machineCpuTicks();
    const total = after.total - before.total;
    return total > 0 ? ((after.busy - before.busy) / total) * cpus().length : 0;
  };
}

/**
 * CPU seconds of this process's children that have exited and been waited for (cutime + cstime of
 * /proc/self/stat): read before and after a child runs, the difference is that child's CPU.
 */
export function childrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 16 and 17 of the file; after the command name, field 3 is at index 0.
  return (Number(after[13]) + Number(after[14])) / CLOCK_TICKS_PER_S;
}

export function goal(met: boolean): string {
  return met ? "met" : "NOT met";
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
