import { cpus } from "node:os";
import { machineCpuTicks } from "../control/machine-cpu.ts";
import { CLOCK_TICKS_PER_S } from "../control/processes.ts";
import type { StartedStack } from "../stack/started-stack.ts";

/** What the server's resources did during one trial: the evidence for what limits it. */
export interface ResourceUse {
  /** Each worker's CPU over the trial, in cores (1 = one core busy the whole time). */
  workerCpu: Record<string, number>;
  /** The whole machine's CPU over the trial, 0..1 of all its cores (the generator shares them). */
  machineCpu: number;
  machineCores: number;
  memory?: { usageMb: number; limitMb: number | null };
  /** OOM kills in the app's memory cgroup during the trial. */
  oomKills: number;
  /** Failed responses the app itself called a DB pool timeout (`{"error": "...pool..."}`). */
  poolTimeouts: number;
}

interface Snapshot {
  at: number;
  workers: Map<number, number>;
  machine: { busy: number; total: number };
  oomKills: number | null;
}

/** Reads what a trial's evidence needs, before and after it: worker CPU ticks (from the container's /proc), the machine's, OOM kills. */
export class ResourceSampler {
  private start?: Snapshot;

  constructor(private readonly stack?: StartedStack) {}

  async begin(): Promise<void> {
    this.start = await this.snapshot();
  }

  async end(appErrors: Record<string, number>): Promise<ResourceUse> {
    const end = await this.snapshot();
    const start = this.start!;
    const seconds = (end.at - start.at) / 1000;
    const workerCpu: Record<string, number> = {};
    for (const [pid, ticks] of end.workers) {
      const before = start.workers.get(pid);
      // A worker booted during the trial (a replacement) spent all its ticks inside it.
      workerCpu[pid] = round((ticks - (before ?? 0)) / CLOCK_TICKS_PER_S / seconds);
    }
    const memory = await this.stack?.app.memory().catch(() => undefined);
    const machineTotal = end.machine.total - start.machine.total;
    return {
      workerCpu,
      machineCpu: machineTotal > 0 ? round((end.machine.busy - start.machine.busy) / machineTotal) : 0,
      machineCores: cpus().length,
      ...(memory?.usageBytes != null && {
        memory: {
          usageMb: Math.round(memory.usageBytes / 2 ** 20),
          limitMb: memory.limitBytes && memory.limitBytes < 2 ** 60 ? Math.round(memory.limitBytes / 2 ** 20) : null,
        },
      }),
      oomKills: end.oomKills !== null && start.oomKills !== null ? end.oomKills - start.oomKills : 0,
      poolTimeouts: Object.entries(appErrors).reduce((n, [kind, count]) => (/pool/i.test(kind) ? n + count : n), 0),
    };
  }

  private async snapshot(): Promise<Snapshot> {
    const [workers, memory] = await Promise.all([
      this.stack ? this.stack.app.liveWorkers().catch(() => []) : Promise.resolve([]),
      this.stack ? this.stack.app.memory().catch(() => undefined) : Promise.resolve(undefined),
    ]);
    return {
      at: Date.now(),
      workers: new Map(workers.map((w) => [w.pid, w.cpuTicks])),
      machine: machineCpuTicks(),
      oomKills: memory?.oomKills ?? null,
    };
  }
}

export interface LimitingResource {
  kind: "worker-cpu" | "db-pool" | "oom" | "memory" | "machine-cpu" | "unknown";
  summary: string;
  evidence: string[];
}

const BUSY_CORE = 0.85;

/**
 * What limits the build, from what its resources did at the first rate that failed: OOM kills, then
 * DB pool timeouts, then workers' CPU (each near a core, or all of them near the machine), then the
 * machine's CPU (the generator shares it), then memory near the limit.
 */
export function limitingResource(use: ResourceUse | undefined, atRps: number | undefined, workers: number | undefined): LimitingResource {
  if (!use) return { kind: "unknown", summary: "no rate failed, so nothing limited the build within the rates tried", evidence: [] };
  const at = atRps ? ` at ${atRps} req/s` : "";
  const cpu = Object.entries(use.workerCpu).map(([pid, cores]) => `worker ${pid}: ${Math.round(cores * 100)} % of a core`);
  const machine = `the machine: ${Math.round(use.machineCpu * 100)} % of ${use.machineCores} cores busy (the load generator included)`;
  const memory = use.memory
    ? `memory: ${use.memory.usageMb} MB${use.memory.limitMb ? ` of a ${use.memory.limitMb} MB limit` : ""}`
    : undefined;
  const evidence = [...cpu, machine, ...(memory ? [memory] : [])];
  if (use.oomKills > 0)
    return {
      kind: "oom",
      summary: `memory: ${use.oomKills} OOM kill(s)${at}`,
      evidence: [`oom_kill +${use.oomKills} in the app's memory cgroup`, ...evidence],
    };
  if (use.poolTimeouts > 0)
    return {
      kind: "db-pool",
      summary: `the DB connection pool: ${use.poolTimeouts} pool timeout(s)${at}`,
      evidence: [`${use.poolTimeouts} responses said the pool timed out`, ...evidence],
    };
  const cores = Object.values(use.workerCpu);
  const busy = cores.filter((c) => c >= BUSY_CORE);
  const total = cores.reduce((a, b) => a + b, 0);
  if (cores.length && busy.length >= (workers ?? cores.length))
    return { kind: "worker-cpu", summary: `worker CPU: ${busy.length} of ${cores.length} workers at a full core${at}`, evidence };
  if (cores.length && total >= use.machineCores * BUSY_CORE)
    return { kind: "worker-cpu", summary: `worker CPU: the workers used ${total.toFixed(2)} of ${use.machineCores} cores${at}`, evidence };
  if (use.machineCpu >= 0.9) return { kind: "machine-cpu", summary: `the machine's CPU (shared with the load generator)${at}`, evidence };
  if (use.memory?.limitMb && use.memory.usageMb >= use.memory.limitMb * 0.9)
    return { kind: "memory", summary: `memory near its limit${at}`, evidence };
  return {
    kind: "unknown",
    summary: `no resource was saturated${at}: the latency comes from waiting (I/O, the DB, locks, sleeps) rather than from CPU or memory`,
    evidence,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
