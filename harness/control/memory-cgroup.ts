import type Docker from "dockerode";
import { execIn } from "./exec.ts";

export interface MemoryCgroup {
  version: 1 | 2;
  /** Kernel OOM kills inside this container's memory cgroup so far; null if the kernel does not say. */
  oomKills: number | null;
  limitBytes: number | null;
  usageBytes: number | null;
}

// Both cgroup layouts: v1 (memory.oom_control has "oom_kill N") and v2 (memory.events has "oom_kill N").
const READ_CGROUP = `
if [ -f /sys/fs/cgroup/memory.events ]; then
  echo version 2; cat /sys/fs/cgroup/memory.events
  echo limit $(cat /sys/fs/cgroup/memory.max); echo usage $(cat /sys/fs/cgroup/memory.current)
else
  echo version 1; cat /sys/fs/cgroup/memory/memory.oom_control
  echo limit $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); echo usage $(cat /sys/fs/cgroup/memory/memory.usage_in_bytes)
fi`;

/** The container's own memory cgroup counters, read from inside it; undefined when not readable. */
export async function readMemoryCgroup(docker: Docker, container: Docker.Container): Promise<MemoryCgroup | undefined> {
  const result = await execIn(docker, container, ["sh", "-c", READ_CGROUP]);
  return result.exitCode === 0 ? parseMemoryCgroup(result.stdout) : undefined;
}

export function parseMemoryCgroup(text: string): MemoryCgroup | undefined {
  const fields = new Map(
    text
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 2)
      .map(([key, value]) => [key!, value!]),
  );
  const version = fields.get("version");
  if (version !== "1" && version !== "2") return undefined;
  const number = (key: string) => {
    const value = Number(fields.get(key));
    return Number.isFinite(value) ? value : null;
  };
  const limit = number("limit");
  return {
    version: Number(version) as 1 | 2,
    oomKills: number("oom_kill"),
    // cgroup v1 says "no limit" with a huge number, v2 with "max" (NaN here)
    limitBytes: limit !== null && limit < 2 ** 60 ? limit : null,
    usageBytes: number("usage"),
  };
}
