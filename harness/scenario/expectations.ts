import { z } from "zod";
import type { RunEvent } from "../events/events.ts";
import type { LoadResult } from "../load/run-load.ts";
import type { WorkerRoster } from "../stack/worker-roster.ts";
import { checkThreshold, type MetricName, thresholdsSchema } from "./thresholds.ts";

export const expectationsSchema = z
  .object({
    /** How many workers booted before the faults: a number, or "configured" (the stack's worker count). */
    workersBooted: z.union([z.number().int().min(1), z.literal("configured")]).optional(),
    /** Every booted worker has an exit line from the master (or its own "Worker exiting"). */
    everyWorkerExited: z.boolean().optional(),
    /** The master logged "Shutting down: Master". */
    masterShutdown: z.boolean().optional(),
    /** What users saw, k6-style thresholds on the load's metrics. */
    requests: z
      .object({ thresholds: thresholdsSchema.default({}) })
      .strict()
      .optional(),
  })
  .strict();

export type Expectations = z.output<typeof expectationsSchema>;

export interface ExpectationResult {
  name: string;
  expected: string;
  observed: string;
  pass: boolean;
}

export interface Observed {
  configuredWorkers: number;
  roster: WorkerRoster;
  bootedBeforeFaults: number[];
  events: readonly RunEvent[];
  load: LoadResult | undefined;
}

/** Checks every expectation against what was observed; each result says expected vs observed. */
export function evaluateExpectations(expect: Expectations, observed: Observed): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (expect.workersBooted !== undefined) {
    const wanted = expect.workersBooted === "configured" ? observed.configuredWorkers : expect.workersBooted;
    const pids = observed.bootedBeforeFaults;
    const distinct = new Set(pids).size;
    results.push({
      name: "workers booted",
      expected: `${wanted} distinct pids`,
      observed: `${distinct} (${pids.join(", ") || "none"})`,
      pass: distinct === wanted,
    });
  }
  if (expect.everyWorkerExited) {
    const missing = observed.roster.booted.filter((pid) => !observed.roster.exited.has(pid));
    results.push({
      name: "an exit line for every worker",
      expected: `${observed.roster.booted.length} of ${observed.roster.booted.length}`,
      observed: `${observed.roster.booted.length - missing.length}${missing.length ? ` (none for ${missing.join(", ")})` : ""}`,
      pass: missing.length === 0,
    });
  }
  if (expect.masterShutdown !== undefined) {
    const seen = observed.events.some((e) => e.kind === "master-shutdown");
    results.push({
      name: "master shut down",
      expected: expect.masterShutdown ? '"Shutting down: Master"' : "no master shutdown",
      observed: seen ? '"Shutting down: Master" logged' : "not logged",
      pass: seen === expect.masterShutdown,
    });
  }
  for (const [metric, condition] of Object.entries(expect.requests?.thresholds ?? {})) {
    if (!observed.load) {
      results.push({ name: metric, expected: condition!, observed: "no load ran", pass: false });
      continue;
    }
    const { observed: value, pass } = checkThreshold(metric as MetricName, condition!, observed.load);
    results.push({ name: metric, expected: condition!, observed: String(value), pass });
  }
  return results;
}
