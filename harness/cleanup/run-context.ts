import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** The label every harness container carries: `docker ps -a --filter label=io.chaos-harness.run` lists them. */
export const RUN_LABEL = "io.chaos-harness.run";
export const OWNER_LABEL = "io.chaos-harness.owner";
export const ROLE_LABEL = "io.chaos-harness.role";
/** An app replica's instance name (`web-1`), in a run with replicas. */
export const INSTANCE_LABEL = "io.chaos-harness.instance";

export interface RunContext {
  runId: string;
  labels: Record<string, string>;
}

/** Run id = UTC timestamp + scenario + short random suffix, e.g. `20261125T205340Z-smoke-3f9a`. */
export function newRunContext(name: string): RunContext {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const runId = `${stamp}-${name.replace(/[^a-zA-Z0-9_.-]/g, "_")}-${randomBytes(2).toString("hex")}`;
  return { runId, labels: { [RUN_LABEL]: runId, [OWNER_LABEL]: currentOwner() } };
}

/** host:pid:start-time of this process: enough to tell, later, whether the owner is still alive. */
export function currentOwner(): string {
  return `${hostname()}:${process.pid}:${processStartTime(process.pid) ?? "?"}`;
}

function processStartTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat; the command name (field 2) may contain spaces, so count after ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True when the process that started a container is still running on this host. */
export function ownerIsAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pidText, started] = owner.split(":");
  if (host !== hostname()) return true; // another machine's engine client: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const actual = processStartTime(pid);
  if (actual !== undefined) return started === "?" || actual === started;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
