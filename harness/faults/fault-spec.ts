import { z } from "zod";
import { MASTER_SIGNALS } from "../control/signals.ts";
import type { Fault } from "./fault.ts";
import { SignalMasterFault } from "./signal-master.ts";

/** When a fault fires: seconds after the load started, or once the load has finished. */
const atSchema = z.union([z.number().min(0), z.literal("after-load")]);

export const faultSpecSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("signal-master"), at: atSchema, signal: z.enum(MASTER_SIGNALS) }).strict(),
]);

export type FaultSpec = z.output<typeof faultSpecSchema>;

export function createFault(spec: FaultSpec): Fault {
  switch (spec.action) {
    case "signal-master":
      return new SignalMasterFault(spec.signal);
  }
}
