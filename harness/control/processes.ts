import type Docker from "dockerode";
import { execIn } from "./exec.ts";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  rssKb: number;
  state: string;
  command: string;
  /** CPU time used so far, user + system, in clock ticks (USER_HZ, 100 on Linux). */
  cpuTicks: number;
}

/** Clock ticks per second in /proc/PID/stat (USER_HZ: 100 on every Linux architecture we run on). */
export const CLOCK_TICKS_PER_S = 100;

// Read from /proc with the shell alone: a team's image need not have procps.
const LIST_PROCESSES = `for p in /proc/[0-9]*; do
  stat=$(cat "$p/stat" 2>/dev/null) || continue
  rss=$(grep -s '^VmRSS:' "$p/status" | tr -s ' ' | cut -d ' ' -f 2)
  cmd=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null)
  echo "\${p#/proc/}|\${rss:-0}|$cmd|$stat"
done`;

/** The container's processes, from /proc. */
export async function listProcesses(docker: Docker, container: Docker.Container): Promise<ProcessInfo[]> {
  const result = await execIn(docker, container, ["sh", "-c", LIST_PROCESSES]);
  if (result.exitCode !== 0) throw new Error(`could not list the container's processes: ${result.stderr.trim()}`);
  return result.stdout.split("\n").flatMap((line) => {
    const [pid, rss, command, ...stat] = line.split("|");
    const fields = stat.join("|");
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses.
    const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
    if (!pid || after.length < 2) return [];
    // Fields 14 and 15 (utime, stime) of stat; `after` starts at field 3.
    const cpuTicks = Number(after[11] ?? 0) + Number(after[12] ?? 0);
    return [{ pid: Number(pid), ppid: Number(after[1]), rssKb: Number(rss), state: after[0]!, command: (command ?? "").trim(), cpuTicks }];
  });
}

/** Gunicorn workers: the live children of the master, which is the container's PID 1. */
export function gunicornWorkers(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => p.ppid === 1 && /gunicorn/.test(p.command) && !p.state.startsWith("Z"));
}
