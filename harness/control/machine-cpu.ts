import { readFileSync } from "node:fs";

/**
 * The host's CPU time so far over all its cores, from /proc/stat's first line: busy and total jiffies. Only
 * the first eight fields count (user to steal): guest and guest_nice are already inside user and nice.
 */
export function machineCpuTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}
