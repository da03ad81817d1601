import { z } from "zod";
import { committedJsonSchema } from "../core/committed-json-schema.ts";
import { packageFile } from "../core/package-files.ts";

const latency = z.object({ count: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() });

const resources = z
  .object({
    workerCpu: z.record(z.string(), z.number()).describe("each worker's CPU over the trial, in cores, by pid (from /proc)"),
    machineCpu: z.number().describe("the machine's CPU over the trial, 0..1 of all its cores (the load generator included)"),
    machineCores: z.number(),
    memory: z.object({ usageMb: z.number(), limitMb: z.number().nullable() }).optional(),
    oomKills: z.number(),
    poolTimeouts: z.number(),
  })
  .describe("what the server's resources did during the trial");

const trial = z.object({
  phase: z
    .enum(["peak", "search", "confirm"])
    .describe("peak: the closed-loop estimate; search: a short constant-rate trial; confirm: the longer one"),
  rateRps: z.number().describe("the offered rate (for peak: the closed-loop throughput)"),
  durationS: z.number(),
  met: z.boolean(),
  missed: z.array(z.string()).describe("why the SLO was not met"),
  inconclusive: z.string().optional().describe("the generator lagged: the trial says nothing about the server"),
  superseded: z.boolean().optional().describe("an inconclusive attempt that was run again: the next trial's verdict counts"),
  achievedRps: z.number(),
  errorRatio: z.number(),
  latencyMs: latency.describe("from each request's intended start"),
  lateStarts: z.number(),
  notStarted: z.number(),
  generator: z.object({ scheduleLagP99Ms: z.number(), cpuShare: z.number() }),
  resources: resources.optional(),
});

const configurationSchema = z.object({
  label: z.string().describe('e.g. "workers=2 memory=512MB", or "reference workers=2" in a comparison'),
  role: z.enum(["candidate", "reference"]),
  round: z.number().describe("1 or 2 in an A B B A comparison, else 1"),
  workers: z.number().nullable(),
  memoryLimitMb: z.number().nullable(),
  suite: z.string().nullable(),
  image: z.string().nullable(),
  versions: z.record(z.string(), z.string()).describe("gunicorn, uvicorn, python, the HTTP parser and event loop the workers ran"),
  peakRps: z.number().describe("closed-loop throughput (autocannon): the search's starting bracket, not a capacity"),
  capacityRps: z.number().describe("the highest constant rate that met the SLO (confirmed by a longer trial); 0 if none did"),
  firstFailRps: z.number().nullable().describe("the lowest rate that failed the SLO; null if every rate tried met it"),
  confirmed: z.boolean(),
  atCapacity: z
    .object({ offeredRps: z.number(), achievedRps: z.number(), errorRatio: z.number(), latencyMs: latency, durationS: z.number() })
    .nullable()
    .describe("the confirming trial at capacityRps"),
  limiting: z.object({
    kind: z.enum(["worker-cpu", "db-pool", "oom", "memory", "machine-cpu", "unknown"]),
    summary: z.string(),
    evidence: z.array(z.string()),
  }),
  confidence: z.enum(["high", "medium", "low"]),
  confidenceWhy: z.array(z.string()),
  meetsRequirement: z.boolean().nullable().describe("capacityRps >= --require; null without --require"),
  searchS: z.number().describe("wall seconds the search took (the boot not included)"),
  trials: z.array(trial),
  error: z.string().optional().describe("why this configuration could not be measured"),
});

export const capacityReportSchema = z.object({
  version: z.literal(1),
  kind: z.literal("capacity"),
  runId: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  status: z
    .enum(["passed", "failed", "inconclusive", "error"])
    .describe(
      "failed: below --require, or a capacity drop beyond the measured spread; inconclusive: the generator could not offer the rate needed",
    ),
  summary: z.string(),
  target: z.object({ name: z.string(), file: z.string() }).nullable().describe("null with --url"),
  url: z.string().nullable().describe("the service measured with --url (no containers)"),
  requests: z.array(z.object({ path: z.string(), weight: z.number() })),
  slo: z.object({
    text: z.string(),
    latency: z.array(z.object({ percentile: z.number(), maxMs: z.number() })),
    maxErrorRatio: z.number(),
  }),
  requireRps: z.number().nullable(),
  machine: z.object({ cores: z.number(), node: z.string() }),
  configurations: z.array(configurationSchema),
  comparison: z
    .object({
      reference: z.string().describe("what --compare named: a target file or an image"),
      order: z.string().describe("the order the searches ran, e.g. A B B A"),
      byConfiguration: z.array(
        z.object({
          configuration: z.string(),
          referenceRps: z.array(z.number()),
          candidateRps: z.array(z.number()),
          spreadRps: z.number().describe("the largest difference between two rounds of the same build"),
          dropRps: z.number().describe("mean reference minus mean candidate; negative: the candidate is faster"),
          regression: z.boolean().describe("a drop larger than the spread measured"),
          verdict: z.string(),
        }),
      ),
    })
    .nullable(),
});

export type CapacityReport = z.output<typeof capacityReportSchema>;
export type ConfigurationResult = z.output<typeof configurationSchema>;
export type TrialRecord = z.output<typeof trial>;
/** What was measured, by name: the target's, or the service's --url. */
export const measuredSystem = (report: Pick<CapacityReport, "target" | "url">): string => report.target?.name ?? report.url ?? "unknown";

/** A configuration before (or without) its measurement: nothing met, nothing known. */
export function unmeasuredConfiguration(label: string): ConfigurationResult {
  return {
    label,
    role: "candidate",
    round: 1,
    workers: null,
    memoryLimitMb: null,
    suite: null,
    image: null,
    versions: {},
    peakRps: 0,
    capacityRps: 0,
    firstFailRps: null,
    confirmed: false,
    atCapacity: null,
    limiting: { kind: "unknown", summary: "not measured", evidence: [] },
    confidence: "low",
    confidenceWhy: [],
    meetsRequirement: null,
    searchS: 0,
    trials: [],
  };
}

/** The committed JSON Schema of capacity.json (`npm run schema` writes it; a test keeps it current). */
export const CAPACITY_JSON_SCHEMA = committedJsonSchema(packageFile("reports/capacity.schema.json"), capacityReportSchema, {
  title: "capacity.json",
  description: "What npm run capacity measured: per configuration, the highest rate that met the SLO.",
});
