import { z } from "zod";
import { dbOutage } from "./db-outage.ts";
import { dbLatency, dbRefuse, dbReset, dbStall } from "./db-toxic.ts";
import type { Fault, FaultDefinition } from "./define-fault.ts";
import { memorySqueeze } from "./memory-squeeze.ts";
import { request } from "./request-fault.ts";
import { rollingDeploy } from "./rolling-deploy.ts";
import { signalMaster } from "./signal-master.ts";
import { signalWorker } from "./signal-worker.ts";
import { tableLock } from "./table-lock.ts";
import { workerFreeze } from "./worker-freeze.ts";

/**
 * Every fault the harness can inject, one file each (define-fault.ts says how to add one). The scenario
 * schema, the spec types and the registry below come from this list.
 */
export const FAULTS = [
  signalMaster,
  signalWorker,
  workerFreeze,
  memorySqueeze,
  tableLock,
  dbLatency,
  dbStall,
  dbReset,
  dbRefuse,
  dbOutage,
  rollingDeploy,
  request,
] as const;

type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never };

export const faultSpecSchema = z.discriminatedUnion("action", FAULTS.map((fault) => fault.schema) as unknown as SchemasOf<typeof FAULTS>);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;
export type FaultAction = FaultSpec["action"];

const BY_ACTION = new Map<string, FaultDefinition>(FAULTS.map((fault) => [fault.action, fault as unknown as FaultDefinition]));

/** Faults that need the harness's database in the target. */
export const DATABASE_FAULTS: ReadonlySet<FaultAction> = new Set(FAULTS.filter((f) => f.needs === "database").map((f) => f.action));

export function createFault(spec: FaultSpec): Fault {
  const definition = BY_ACTION.get(spec.action);
  if (!definition) throw new Error(`no fault is defined for action ${spec.action}`);
  return definition.create(spec);
}
