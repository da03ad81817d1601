import type Docker from "dockerode";
import { execIn } from "./exec.ts";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  rssKb: number;
  state: string;
  command: string;
}

/** The container's processes as `ps` sees them (procps is in every stack image). */
export async function listProcesses(docker: Docker, container: Docker.Container): Promise<ProcessInfo[]> {
  const result = await execIn(docker, container, ["ps", "-eo", "pid=,ppid=,rss=,stat=,args="]);
  if (result.exitCode !== 0) throw new Error(`ps failed in the container: ${result.stderr.trim()}`);
  return result.stdout
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]), state: m[4]!, command: m[5]! }));
}

/** Gunicorn workers: the live children of the master, which is the container's PID 1. */
export function gunicornWorkers(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => p.ppid === 1 && /gunicorn/.test(p.command) && !p.state.startsWith("Z"));
}
