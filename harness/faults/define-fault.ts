import { z } from "zod";
import type { DeployStepEvent, FaultFacts } from "../events/events.ts";
import type { FaultTarget, WhichWorker } from "./fault-target.ts";

/** What a fault gets to act with: the system under test, the run's abort signal, and the one way to record what it did. */
export interface FaultContext {
  readonly sut: FaultTarget;
  readonly signal: AbortSignal;
  /** Records what the fault does, at the moment it does it (a signal is recorded before it is sent). */
  record(facts: FaultFacts): void;
  /** Records one step of a deploy (and says it on the progress line) as it starts. */
  step(facts: Omit<DeployStepEvent, "kind" | "at">): void;
}

/** A fault injects itself into a running system; `revert` (if any) undoes it and always runs. */
export interface Fault {
  readonly description: string;
  inject(context: FaultContext): Promise<void>;
  revert?(context: FaultContext): Promise<void>;
}

/** When a fault fires: seconds after the load started, or once the load has finished. */
const atSchema = z.union([z.number().min(0), z.literal("after-load")]);
/** Which live worker a fault hits. */
export const whichWorker: z.ZodDefault<z.ZodEnum<{ [K in WhichWorker]: K }>> = z.enum(["oldest", "newest"]).default("oldest");
/** How long a database fault lasts; it also ends at teardown, whatever happens. */
export const windowS = z.number().positive().max(300);

/**
 * A fault's spec in a scenario file: its `action`, when it fires (`at`) and its own fields, nothing else
 * (a misspelt field is an error, not ignored).
 */
export function faultSchema<A extends string, Shape extends z.ZodRawShape>(action: A, fields: Shape) {
  return z.object({ action: z.literal(action), at: atSchema, ...fields }).strict();
}

type SpecSchema = z.ZodType<{ action: string; at: number | "after-load" }> & { shape: { action: z.ZodLiteral<string> } };

/** What a fault is, in one place: its spec, what it needs from the target, and how to make it. */
export interface FaultDefinition<S extends SpecSchema = SpecSchema> {
  readonly action: z.output<S>["action"];
  readonly schema: S;
  /** What it needs besides the app: the harness's database (the target must declare one), or replicas behind a balancer. */
  readonly needs?: "database" | "replicas";
  create(spec: z.output<S>): Fault;
}

/**
 * Declares a fault. A new fault is one file under harness/faults/ that exports `defineFault({...})`, added to
 * the list in fault-spec.ts, plus its test: the spec schema, the union of specs, the registry and the
 * words of its events all come from it.
 */
export function defineFault<S extends SpecSchema>(definition: Omit<FaultDefinition<S>, "action">): FaultDefinition<S> {
  return { action: definition.schema.shape.action.value as z.output<S>["action"], ...definition };
}
