// What the bench's measurements share: CPU counters, the
// command line an npm script runs, a goal's verdict.

import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { machineCpuTicks } from "../control/machine-cpu.ts";
import { CLOCK_TICKS_PER_S } from "../control/processes.ts";
import { REPO_ROOT } from "../core/run-command.ts";

/**
 * Node's own command line for an npm script of package.json: `exec node --import tsx harness/cli/x.ts`
 * (the scripts `exec` node so that npm's signals reach it) → the arguments after `node`.
 */
export function scriptNodeArgs(script: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
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
