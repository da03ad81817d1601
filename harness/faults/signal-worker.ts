import { z } from "zod";
import { WORKER_SIGNALS } from "../control/signals.ts";
import { defineFault, type Fault, faultSchema, whichWorker } from "./define-fault.ts";

/** A signal to one worker from outside gunicorn: a stray kill, a supervisor, a person. */
export const signalWorker = defineFault({
  schema: faultSchema("signal-worker", { signal: z.enum(WORKER_SIGNALS), worker: whichWorker }),
  create: ({ signal, worker }): Fault => ({
    description: `SIG${signal} to the ${worker} worker, from outside gunicorn`,
    async inject({ sut, record }) {
      const pid = await sut.app.pickWorker(worker);
      record({ action: "signal-worker", target: "worker", pid, signal: `SIG${signal}`, detail: `SIG${signal}` });
      await sut.app.signalWorker(pid, signal);
    },
  }),
});
