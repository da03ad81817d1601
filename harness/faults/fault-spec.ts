import { z } from "zod";
import { MASTER_SIGNALS, WORKER_SIGNALS } from "../control/signals.ts";
import { roleSchema } from "../load/load-profile.ts";
import { DbOutageFault } from "./db-outage.ts";
import { DbToxicFault } from "./db-toxic.ts";
import { DEPLOY_PROFILE_NAMES, deployProfile } from "./deploy-profiles.ts";
import type { Fault } from "./fault.ts";
import { MemorySqueezeFault } from "./memory-squeeze.ts";
import { RequestFault } from "./request-fault.ts";
import { RollingDeployFault } from "./rolling-deploy.ts";
import { SignalMasterFault } from "./signal-master.ts";
import { SignalWorkerFault } from "./signal-worker.ts";
import { TableLockFault } from "./table-lock.ts";
import { WorkerFreezeFault } from "./worker-freeze.ts";

/** When a fault fires: seconds after the load started, or once the load has finished. */
const atSchema = z.union([z.number().min(0), z.literal("after-load")]);
const which = z.enum(["oldest", "newest"]).default("oldest");
/** How long a database fault lasts; it also ends at teardown, whatever happens. */
const forS = z.number().positive().max(300);
/** The longest db-latency delay, ms: a minute. */
const MAX_DB_DELAY_MS = 60_000;

export const faultSpecSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("signal-master"), at: atSchema, signal: z.enum(MASTER_SIGNALS) }).strict(),
  z.object({ action: z.literal("signal-worker"), at: atSchema, signal: z.enum(WORKER_SIGNALS), worker: which }).strict(),
  /** SIGSTOP to one worker (the master sees no heartbeat: the timeout path); SIGCONT at teardown. */
  z.object({ action: z.literal("worker-freeze"), at: atSchema, worker: which }).strict(),
  /** The kernel's OOM killer takes one worker, as a leak would, under the container's memory limit. */
  z.object({ action: z.literal("memory-squeeze"), at: atSchema, worker: which, maxS: z.number().positive().max(120).default(30) }).strict(),
  /** An exclusive lock on the target's database.lockTable: every query of it waits. */
  z.object({ action: z.literal("table-lock"), at: atSchema, holdS: forS }).strict(),
  /** Every chunk, both ways, delayed by `ms` ± `jitterMs` (at least 0), at most a minute: the proxy holds a bounded amount meanwhile. */
  z
    .object({
      action: z.literal("db-latency"),
      at: atSchema,
      forS,
      ms: z.number().min(0).max(MAX_DB_DELAY_MS),
      jitterMs: z.number().min(0).max(MAX_DB_DELAY_MS).default(0),
    })
    .strict()
    .refine((f) => f.ms + f.jitterMs <= MAX_DB_DELAY_MS, {
      message: `ms + jitterMs is at most ${MAX_DB_DELAY_MS}: no chunk waits longer than a minute`,
      path: ["jitterMs"],
      // Only once each field is valid on its own: a field out of range is reported once, by its own check.
      when: (payload) => payload.issues.length === 0,
    }),
  z.object({ action: z.literal("db-stall"), at: atSchema, forS }).strict(),
  z.object({ action: z.literal("db-reset"), at: atSchema }).strict(),
  z.object({ action: z.literal("db-refuse"), at: atSchema, forS }).strict(),
  /** Postgres stops mid-load and starts again `forS` later. */
  z.object({ action: z.literal("db-outage"), at: atSchema, forS }).strict(),
  /** Replace every replica in turn behind the balancer, as the profile's platform deploys (harness/faults/deploy-profiles.ts). */
  z
    .object({
      action: z.literal("rolling-deploy"),
      at: atSchema,
      profile: z.enum(DEPLOY_PROFILE_NAMES).default("render"),
      /** Kubernetes' preStop sleep, seconds. */
      preStopS: z.number().min(0).max(300).optional(),
      /** How long the routing change takes to reach the balancer (kubernetes, naive), seconds. */
      routingLagS: z.number().min(0).max(60).optional(),
      /** Seconds between SIGTERM and SIGKILL. */
      graceS: z.number().positive().max(600).optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal("request"),
      at: atSchema,
      /** The target's role for the request (e.g. block-event-loop), or a literal path. */
      role: roleSchema.optional(),
      path: z.string().startsWith("/", "a path starts with /, e.g. /block?ms=8000").optional(),
      timeoutS: z.number().positive().max(600).default(120),
    })
    .strict(),
]);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

/** Faults that need the harness's database in the target. */
export const DATABASE_FAULTS = new Set<FaultSpec["action"]>(["table-lock", "db-latency", "db-stall", "db-reset", "db-refuse", "db-outage"]);

export function createFault(spec: FaultSpec): Fault {
  switch (spec.action) {
    case "signal-master":
      return new SignalMasterFault(spec.signal);
    case "signal-worker":
      return new SignalWorkerFault(spec.signal, spec.worker);
    case "worker-freeze":
      return new WorkerFreezeFault(spec.worker);
    case "memory-squeeze":
      return new MemorySqueezeFault(spec.worker, spec.maxS);
    case "request":
      if (!spec.path) throw new Error(`a request fault needs a path: its role "${spec.role}" was not resolved against the target`);
      return new RequestFault(spec.path, spec.timeoutS);
    case "table-lock":
      return new TableLockFault(spec.holdS);
    case "rolling-deploy":
      return new RollingDeployFault(deployProfile(spec.profile, spec));
    case "db-latency":
      return new DbToxicFault({ kind: "latency", ms: spec.ms, jitterMs: spec.jitterMs }, spec.forS);
    case "db-stall":
      return new DbToxicFault({ kind: "stall" }, spec.forS);
    case "db-refuse":
      return new DbToxicFault({ kind: "refuse" }, spec.forS);
    case "db-reset":
      return new DbToxicFault({ kind: "reset" }, 0);
    case "db-outage":
      return new DbOutageFault(spec.forS);
  }
}
