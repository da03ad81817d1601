import { z } from "zod";
import { MASTER_SIGNALS, type MasterSignal } from "../control/signals.ts";
import { defineFault, type Fault, type FaultContext, faultSchema } from "./define-fault.ts";

const MEANING: Partial<Record<MasterSignal, string>> = {
  TERM: "a deploy: graceful shutdown",
  HUP: "a reload: new workers, old ones stopped",
  TTOU: "scale down by one worker",
  TTIN: "scale up by one worker",
  INT: "quick shutdown",
  QUIT: "quick shutdown",
};

/** A signal to the gunicorn master, as a platform sends it on deploy, reload or scaling. */
export const signalMaster = defineFault({
  schema: faultSchema("signal-master", { signal: z.enum(MASTER_SIGNALS) }),
  create: ({ signal }): Fault => ({
    description: `SIG${signal} to the master${MEANING[signal] ? ` (${MEANING[signal]})` : ""}`,
    async inject({ sut, record }: FaultContext): Promise<void> {
      record({ action: "signal-master", target: "master", signal: `SIG${signal}`, detail: `SIG${signal}` });
      await sut.app.signalMaster(signal);
    },
  }),
});
