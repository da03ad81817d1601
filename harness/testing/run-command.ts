import type { ChildProcess } from "node:child_process";
import { type Finished, REPO_ROOT, startCommand } from "../core/run-command.ts";

export { REPO_ROOT };

/** Runs a harness CLI (harness/cli/<name>.ts) as `npm run` does, in one process (so signals reach it directly). */
export function startCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Finished> } {
  return startCommand(process.execPath, ["--import", "tsx", `harness/cli/${name}.ts`, ...args], { env: { ...process.env, ...env } });
}

export function runCliToEnd(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return startCli(name, args, env).done;
}
