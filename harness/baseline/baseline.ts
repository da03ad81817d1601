import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { totalErrors } from "../load/load-result.ts";
import { type ResultJson, runStack } from "../scenario/result-json.ts";

/**
 * Tolerances an older baseline.json may still carry: p99 and throughput were once judged against the
 * baseline's absolute figures. They are read and dropped, so such a file still loads; nothing uses them.
 */
const RETIRED_TOLERANCES = ["p99Factor", "p99SlackMs", "throughputFactor"];

/**
 * How far a nightly run's error count may drift from the baseline before it counts as a regression
 * (docs/nightly.md). Only behaviour is judged against the baseline: performance (p99, throughput) depends
 * on the machine, and the baseline may have been recorded on another one.
 */
export const tolerancesSchema = z.preprocess(
  (value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).filter(([key]) => !RETIRED_TOLERANCES.includes(key)))
      : value,
  z
    .object({
      /** Requests without a response or with a non-2xx status regress beyond baseline × factor + slack. */
      errorsFactor: z.number().min(1).default(2),
      errorsSlack: z.number().min(0).default(10),
    })
    .strict(),
);

const baselineEntrySchema = z
  .object({
    status: z.enum(["passed", "failed", "inconclusive", "aborted", "error"]),
    /** Deaths by cause. */
    deaths: z.record(z.string(), z.number()),
    bannersMissing: z.number(),
    /** Requests without a response plus non-2xx responses. */
    errors: z.number(),
    /**
     * Requests the load made (answered or not). The error tolerance scales the baseline's error share to the
     * nightly's own request count: a faster machine sends more requests, and more of them fail fast during the
     * same fault. Optional, so a baseline written before it was recorded still loads (compared by count then).
     */
    requests: z.number().min(0).optional(),
    /**
     * Information only, never judged: the p99 and throughput of the machine that recorded the baseline.
     * Reports show them next to the figures measured in the nightly, so a reader sees how the machines differ.
     */
    p99Ms: z.number(),
    throughput: z.number(),
    /**
     * How long the run took (s), never judged: `--shard` balances the matrix with it. Optional, so a baseline
     * written before it was recorded still loads.
     */
    durationS: z.number().min(0).optional(),
  })
  .strict();

const baselineSchema = z
  .object({
    version: z.literal(1),
    updatedAt: z.string(),
    tolerances: tolerancesSchema.prefault({}),
    /** Keyed `<target>/<scenario>/<suite>`. */
    scenarios: z.record(z.string(), baselineEntrySchema),
  })
  .strict();

export type Baseline = z.output<typeof baselineSchema>;
export type BaselineEntry = z.output<typeof baselineEntrySchema>;
export type Tolerances = z.output<typeof tolerancesSchema>;

/** Behaviour only: performance is never judged against figures recorded on another machine. */
/** `capacity`: a capacity drop beyond the spread measured, against a reference measured in the same run (never the baseline). */
export const REGRESSION_KINDS = ["death-cause", "banner-missing", "expectations", "errors", "capacity"] as const;
type RegressionKind = (typeof REGRESSION_KINDS)[number];

export interface Regression {
  key: string;
  kind: RegressionKind;
  message: string;
}

/** `<target>/<scenario>/<suite>`: one entry per target, scenario and Debian suite. */
/**
 * A run's key in the nightly's matrix, its shards and the baseline: `<target>/<scenario>/<stack>`, the stack being the
 * suite plus a worker class other than uvicorn's (`demo/deploy/sid-asgi`).
 */
export const matrixKey = (target: string, scenario: string, stack: string) => `${target}/${scenario}/${stack}`;

/** The key of a run that took place. */
export const baselineKey = (result: ResultJson) => matrixKey(result.stack.target.name, result.scenario.name, runStack(result));

/** The figures of one run that the baseline keeps. */
export function baselineEntry(result: ResultJson): BaselineEntry {
  const load = result.load.outcome;
  const deaths: Record<string, number> = {};
  for (const death of result.deaths) deaths[death.cause] = (deaths[death.cause] ?? 0) + 1;
  return {
    status: result.status,
    deaths,
    bannersMissing: result.banners.missing.length,
    errors: load ? load.non2xx + totalErrors(load.errors) : 0,
    requests: load ? load.ok + load.non2xx + totalErrors(load.errors) : 0,
    p99Ms: load?.latencyMs.p99 ?? 0,
    throughput: load?.throughput ?? 0,
    durationS: Math.round(result.durationS * 10) / 10,
  };
}

/**
 * A performance figure measured in the nightly, with the baseline machine's beside it for information only:
 * `12.3 (baseline machine: 8.4)`, or `12.3` when the baseline has no entry for the run.
 */
export const measuredHere = (here: number, baselineMachine: number | undefined): string =>
  baselineMachine === undefined ? `${here}` : `${here} (baseline machine: ${baselineMachine})`;

/**
 * Every way `current` behaves worse than `baseline`: death causes, banners, expectations, and the error count
 * (what users saw) beyond the tolerances. p99 and throughput are not compared: the baseline's are absolute
 * figures from the machine that recorded it, and a slower machine would fail every night on them.
 */
export function compareToBaseline(key: string, current: BaselineEntry, baseline: BaselineEntry, tolerances: Tolerances): Regression[] {
  const regressions: Regression[] = [];
  const add = (kind: RegressionKind, message: string) => regressions.push({ key, kind, message });
  const causes = new Set([...Object.keys(current.deaths), ...Object.keys(baseline.deaths)]);
  for (const cause of causes) {
    const now = current.deaths[cause] ?? 0;
    const before = baseline.deaths[cause] ?? 0;
    if (before === 0 && now > 0) add("death-cause", `new death cause: ${now} ${cause} (none in the baseline)`);
    else if (before > 0 && now === 0) add("death-cause", `death cause changed: no ${cause} now (baseline: ${before})`);
  }
  if (current.bannersMissing > baseline.bannersMissing) {
    add("banner-missing", `banners newly missing: ${current.bannersMissing} (baseline: ${baseline.bannersMissing})`);
  }
  if (current.status !== "passed" && baseline.status === "passed") add("expectations", `the run ${current.status} (baseline: passed)`);
  // The baseline's share of failed requests, applied to this run's request count when both are known.
  const scaled = baseline.requests && current.requests !== undefined ? (baseline.errors / baseline.requests) * current.requests : undefined;
  const errorBudget = (scaled ?? baseline.errors) * tolerances.errorsFactor + tolerances.errorsSlack;
  if (current.errors > errorBudget) {
    const share = (errors: number, requests: number | undefined) =>
      requests ? ` of ${requests} requests (${round((errors / requests) * 100)} %)` : "";
    add(
      "errors",
      `errors ${current.errors}${share(current.errors, current.requests)} over the tolerance of ${round(errorBudget)} ` +
        `(baseline: ${baseline.errors}${share(baseline.errors, baseline.requests)})`,
    );
  }
  return regressions;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function readBaseline(file: string): Baseline | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = baselineSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new UsageError(
      "INVALID_BASELINE",
      `${file} is not a valid baseline: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

export function writeBaseline(file: string, results: ResultJson[], previous: Baseline | undefined): Baseline {
  const baseline: Baseline = {
    version: 1,
    updatedAt: new Date().toISOString(),
    tolerances: previous?.tolerances ?? tolerancesSchema.parse({}),
    scenarios: { ...previous?.scenarios, ...Object.fromEntries(results.map((r) => [baselineKey(r), baselineEntry(r)])) },
  };
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}
