import { z } from "zod";
import { MASTER_SIGNALS, WORKER_SIGNALS } from "../control/signals.ts";
import { DbLockFault } from "./db-lock.ts";
import type { Fault } from "./fault.ts";
import { RequestFault } from "./request-fault.ts";
import { SignalMasterFault } from "./signal-master.ts";
import { SignalWorkerFault } from "./signal-worker.ts";

/** When a fault fires: seconds after the load started, or once the load has finished. */
const atSchema = z.union([z.number().min(0), z.literal("after-load")]);

export const faultSpecSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("signal-master"), at: atSchema, signal: z.enum(MASTER_SIGNALS) }).strict(),
  z
    .object({
      action: z.literal("signal-worker"),
      at: atSchema,
      signal: z.enum(WORKER_SIGNALS),
      worker: z.enum(["oldest", "newest"]).default("oldest"),
    })
    .strict(),
  z.object({ action: z.literal("db-lock"), at: atSchema, holdS: z.number().positive().max(300) }).strict(),
  z
    .object({
      action: z.literal("request"),
      at: atSchema,
      path: z.string().startsWith("/", "a path starts with /, e.g. /block?ms=8000"),
      timeoutS: z.number().positive().max(600).default(120),
    })
    .strict(),
]);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

export function createFault(spec: FaultSpec): Fault {
  switch (spec.action) {
    case "signal-master":
      return new SignalMasterFault(spec.signal);
    case "signal-worker":
      return new SignalWorkerFault(spec.signal, spec.worker);
    case "request":
      return new RequestFault(spec.path, spec.timeoutS);
    case "db-lock":
      return new DbLockFault(spec.holdS);
  }
}
