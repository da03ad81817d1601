import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a harness CLI (harness/cli/<name>.ts) as `npm run` does, in one process (so signals reach it directly). */
export function startCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CommandResult> } {
  const child = spawn(process.execPath, ["--import", "tsx", `harness/cli/${name}.ts`, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  // Colour codes stripped: under CI=true picocolors colours even a pipe.
  child.stdout?.on("data", (c: Buffer) => (stdout += stripVTControlCharacters(c.toString())));
  child.stderr?.on("data", (c: Buffer) => (stderr += stripVTControlCharacters(c.toString())));
  const done = new Promise<CommandResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCliToEnd(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return startCli(name, args, env).done;
}
