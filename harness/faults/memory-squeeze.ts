import type { Fault, FaultContext } from "./fault.ts";

const PID_FILE = "/tmp/chaos-harness-memory-squeeze.pid";
/**
 * Fills the container's memory 1 MiB every 5 ms until the worker it squeezes is gone or `maxS` runs
 * out, then lets go. Python, because the target's image has it.
 */
const FILL = `import os, sys, time
victim, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
open("${PID_FILE}", "w").write(str(os.getpid()))
held = []
while time.time() < deadline:
    try:
        os.kill(victim, 0)
    except OSError:
        break
    held.append(b"\\x01" * 1048576)
    time.sleep(0.005)
`;

/**
 * The kernel's OOM killer takes one worker, as a leak would, with no help from the app: the worker's
 * oom_score_adj goes to 1000 (raising it needs no privilege), then a process in the container fills
 * memory up to its limit. Lowering a running container's limit below its usage is what cgroup v2 would
 * allow, but cgroup v1 refuses it; this way works on both, and needs a memory limit on the container.
 */
export class MemorySqueezeFault implements Fault {
  constructor(
    private readonly which: "oldest" | "newest",
    private readonly maxS: number,
  ) {}

  get description(): string {
    return `memory squeeze on the ${this.which} worker: the OOM killer's first choice, then memory fills up to the limit`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const limitBytes = (await stack.memory())?.limitBytes;
    if (!limitBytes) {
      throw new Error(
        "memory-squeeze needs a memory limit on the app container: set stack.memoryLimitMb in the scenario, or memoryLimitMb in the target",
      );
    }
    const pid = await stack.pickWorker(this.which);
    const adjusted = await stack.execInApp(["sh", "-c", `echo 1000 > /proc/${pid}/oom_score_adj`]);
    if (adjusted.exitCode !== 0) throw new Error(`could not raise worker ${pid}'s oom_score_adj: ${adjusted.stderr.trim()}`);
    record({ action: "memory-squeeze", target: "worker", pid, limitMb: Math.round(limitBytes / 1048576) });
    await stack.startInApp(["python3", "-c", FILL, String(pid), String(this.maxS)]);
  }

  /** Stops the filling process if it still runs (it also stops by itself once the worker is gone). */
  async revert({ stack }: FaultContext): Promise<void> {
    // Right after the injection the filler may not have written its pid yet: wait for it, a second at most.
    const stopFiller = `for i in 1 2 3 4 5 6 7 8 9 10; do [ -f ${PID_FILE} ] && break; sleep 0.1; done; [ -f ${PID_FILE} ] && kill $(cat ${PID_FILE}) 2>/dev/null; rm -f ${PID_FILE}; true`;
    await stack.execInApp(["sh", "-c", stopFiller]).catch(() => undefined);
  }
}
