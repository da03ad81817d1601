import { readFileSync } from "node:fs";
import { z } from "zod";
import { packageFile } from "../core/package-files.ts";
import { defineFault, type Fault, faultSchema, whichWorker } from "./define-fault.ts";

const PID_FILE = "/tmp/chaos-harness-memory-squeeze.pid";
/** Read when a squeeze starts, not when the module loads: most commands never inject one. */
const FILL = packageFile("harness/faults/memory-fill.py");

/**
 * The kernel's OOM killer takes one worker, as a leak would, with no help from the app: the worker's
 * oom_score_adj goes to 1000 (raising it needs no privilege), then a process in the container fills
 * memory up to its limit (memory-fill.py). Lowering a running container's limit below its usage is what
 * cgroup v2 would allow, but cgroup v1 refuses it; this way works on both, and needs a memory limit on
 * the container.
 */
export const memorySqueeze = defineFault({
  schema: faultSchema("memory-squeeze", { worker: whichWorker, maxS: z.number().positive().max(120).default(30) }),
  create: ({ worker, maxS }): Fault => ({
    description: `memory squeeze on the ${worker} worker: the OOM killer's first choice, then memory fills up to the limit`,
    async inject({ sut, record }) {
      const limitBytes = (await sut.app.memory())?.limitBytes;
      if (!limitBytes) {
        throw new Error(
          "memory-squeeze needs a memory limit on the app container: set stack.memoryLimitMb in the scenario, or memoryLimitMb in the target",
        );
      }
      const pid = await sut.app.pickWorker(worker);
      const adjusted = await sut.app.exec(["sh", "-c", `echo 1000 > /proc/${pid}/oom_score_adj`]);
      if (adjusted.exitCode !== 0) throw new Error(`could not raise worker ${pid}'s oom_score_adj: ${adjusted.stderr.trim()}`);
      const limitMb = Math.round(limitBytes / 1048576);
      record({
        action: "memory-squeeze",
        target: "worker",
        pid,
        detail: `oom_score_adj 1000, memory filled up to the ${limitMb} MiB limit`,
      });
      await sut.app.start(["python3", "-c", readFileSync(FILL, "utf8"), String(pid), String(maxS), PID_FILE]);
    },
    /** Stops the filling process if it still runs (it also stops by itself once the worker is gone). */
    async revert({ sut }) {
      // Right after the injection the filler may not have written its pid yet: wait for it, a second at most.
      const stopFiller = `for i in 1 2 3 4 5 6 7 8 9 10; do [ -f ${PID_FILE} ] && break; sleep 0.1; done; [ -f ${PID_FILE} ] && kill $(cat ${PID_FILE}) 2>/dev/null; rm -f ${PID_FILE}; true`;
      await sut.app.exec(["sh", "-c", stopFiller]).catch(() => undefined);
    },
  }),
});
