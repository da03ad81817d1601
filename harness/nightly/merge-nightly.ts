import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { type Baseline, baselineKey, REGRESSION_KINDS, type Regression, readBaseline, writeBaseline } from "../baseline/baseline.ts";
import { UsageError } from "../core/errors.ts";
import { commandLine } from "../core/invocation.ts";
import { markWriting, REPORTS_DIR } from "../report/retention.ts";
import { pointLatestAt, writeNightlyReport } from "../report/write-run-report.ts";
import { RESULT_SCHEMA_VERSION, type ResultJson, resultSchema } from "../scenario/result-json.ts";
import { nightlyDir } from "./nightly-dir.ts";
import { readShardFile, type ShardFile } from "./shard.ts";

export interface MergeOptions {
  /** The shard folders `npm run nightly -- --shard i/n` wrote. */
  dirs: string[];
  /** The merged folder; default `<reports>/nightly-<date>`, then `latest` points at it. */
  out?: string;
  reportsDir?: string;
  /** Read for the figures shown beside each run (as the nightly does); rewritten with `updateBaseline`. */
  baselineFile: string;
  updateBaseline: boolean;
  /** Merge what is there when shards or runs are missing (and say what), instead of refusing. */
  allowMissing: boolean;
}

export interface MergeOutcome {
  dir: string;
  /** The merged nightly's own files, as its reporters wrote them. */
  files: string[];
  results: ResultJson[];
  regressions: Regression[];
  unbaselined: string[];
  /** Keys of the matrix no shard brought (only with `allowMissing`). */
  missing: string[];
  /** Why keys are missing: the shards not given, the runs a shard planned and did not write. */
  missingWhy: string[];
  baseline: Baseline | undefined;
  /** The status of the capacity comparison copied from shard 1, when it ran one. */
  capacityStatus?: string;
}

const comparisonSchema = z.object({
  regressions: z.array(z.object({ key: z.string(), kind: z.enum(REGRESSION_KINDS), message: z.string() })),
  unbaselined: z.array(z.string()),
  tolerances: z.unknown(),
});

interface ShardFolder {
  dir: string;
  shard: ShardFile;
  runs: Array<{ dir: string; json: ResultJson }>;
  comparison: z.output<typeof comparisonSchema>;
}

/**
 * Merges shard folders into one nightly folder, the same in form as an unsharded nightly's: every run's
 * folder copied in, then index.html, junit.xml, summary.md and comparison.json written by the same reporters,
 * runs, regressions and unbaselined keys in the matrix's order. The comparisons are the shards' own (each
 * judged against the baseline when it ran); the baseline file gives the figures shown beside each run.
 */
export function mergeNightly(options: MergeOptions): MergeOutcome {
  if (!options.dirs.length)
    throw new UsageError(
      "NO_SHARDS",
      `Give the shard folders to merge, e.g. ${commandLine("nightly:merge", "reports/nightly-*-shard-*")}.`,
    );
  const shards = options.dirs.map(readShardFolder);
  const first = shards[0]!.shard;
  const matrix = first.matrix;
  checkOneMatrix(shards);
  const present = new Set(shards.map((s) => s.shard.shard.index));
  const missingShards = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((i) => !present.has(i));
  const missingWhy: string[] = [];
  if (missingShards.length) missingWhy.push(`shard(s) ${missingShards.map((i) => `${i}/${first.shard.count}`).join(", ")} not given`);
  for (const s of shards) {
    const ran = new Set(s.runs.map((r) => baselineKey(r.json)));
    const notRun = s.shard.keys.filter((key) => !ran.has(key));
    if (notRun.length) missingWhy.push(`${basename(s.dir)} has no run of ${notRun.join(", ")} (interrupted?)`);
  }
  const brought = new Set(shards.flatMap((s) => s.runs.map((r) => baselineKey(r.json))));
  const missing = matrix.filter((key) => !brought.has(key));
  if (missing.length && !options.allowMissing)
    throw new UsageError(
      "SHARDS_MISSING",
      `The merge lacks ${missing.length} of ${matrix.length} runs: ${missingWhy.join("; ")}. Give every shard's folder, or ` +
        "pass --allow-missing to merge what is there (the report then lists what is missing, and the merge exits 3).",
    );

  const position = (key: string) => {
    const i = matrix.indexOf(key);
    return i < 0 ? matrix.length : i; // the capacity comparison's keys come after every run's, as in a nightly
  };
  const runs = shards.flatMap((s) => s.runs).sort((a, b) => position(baselineKey(a.json)) - position(baselineKey(b.json)));
  const regressions = shards.flatMap((s) => s.comparison.regressions).sort((a, b) => position(a.key) - position(b.key));
  const unbaselined = shards.flatMap((s) => s.comparison.unbaselined).sort((a, b) => position(a) - position(b));
  const tolerances = shards.map((s) => s.comparison.tolerances).find((t) => t !== null && t !== undefined);

  const parent = options.reportsDir ?? REPORTS_DIR;
  const dir = options.out ? resolve(options.out) : nightlyDir(parent);
  if (options.out && existsSync(dir) && readdirSync(dir).length)
    throw new UsageError("OUT_NOT_EMPTY", `${options.out} is not empty: give --out a new or empty folder.`);
  const baseline = readBaseline(options.baselineFile);
  const written = markWriting(dir);
  try {
    for (const run of runs) cpSync(run.dir, join(dir, basename(run.dir)), { recursive: true });
    const withCapacity = shards.find((s) => s.shard.capacity && existsSync(join(s.dir, "capacity")));
    if (withCapacity) cpSync(join(withCapacity.dir, "capacity"), join(dir, "capacity"), { recursive: true });
    const results = runs.map((r) => r.json);
    const files = writeNightlyReport({ dir, runs: results, regressions, unbaselined, tolerances, baseline: baseline?.scenarios, missing });
    const outcome: MergeOutcome = { dir, files, results, regressions, unbaselined, missing, missingWhy, baseline };
    const capacityStatus = withCapacity && readCapacityStatus(join(dir, "capacity"));
    if (capacityStatus) outcome.capacityStatus = capacityStatus;
    if (options.updateBaseline) outcome.baseline = writeBaseline(options.baselineFile, results, baseline);
    if (!options.out) pointLatestAt(parent, dir);
    return outcome;
  } finally {
    written();
  }
}

function readShardFolder(dir: string): ShardFolder {
  if (!existsSync(dir)) throw new UsageError("NO_SUCH_FOLDER", `${dir} does not exist: give the folders the shards wrote.`);
  const shard = readShardFile(dir);
  if (!shard)
    throw new UsageError(
      "NOT_A_SHARD",
      `${dir} has no shard.json: it is not a shard's folder. Give the folders \`${commandLine("nightly", "--shard i/n")}\` wrote (nightly-<date>-shard-i-of-n).`,
    );
  const runs = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "result.json")))
    .map((entry) => {
      const file = join(dir, entry.name, "result.json");
      const raw = JSON.parse(readFileSync(file, "utf8")) as { schemaVersion?: unknown } | null;
      if (raw?.schemaVersion !== RESULT_SCHEMA_VERSION)
        throw new UsageError(
          "INVALID_RESULT",
          `${file} has schemaVersion ${raw?.schemaVersion}; this harness reads ${RESULT_SCHEMA_VERSION}. Merge shards that this version of the harness ran.`,
        );
      const parsed = resultSchema.safeParse(raw);
      if (!parsed.success) throw new UsageError("INVALID_RESULT", `${file} is not a valid result.json: ${parsed.error.issues[0]?.message}`);
      return { dir: join(dir, entry.name), json: parsed.data };
    });
  for (const run of runs)
    if (!shard.keys.includes(baselineKey(run.json)))
      throw new UsageError("NOT_OF_THIS_SHARD", `${run.dir} ran ${baselineKey(run.json)}, which is not among ${dir}'s keys (shard.json).`);
  const comparisonFile = join(dir, "comparison.json");
  let comparison: z.output<typeof comparisonSchema> = { regressions: [], unbaselined: [], tolerances: null };
  if (existsSync(comparisonFile)) {
    const parsed = comparisonSchema.safeParse(JSON.parse(readFileSync(comparisonFile, "utf8")));
    if (!parsed.success) throw new UsageError("INVALID_COMPARISON", `${comparisonFile} is not a nightly's comparison.json.`);
    comparison = parsed.data;
  } else if (runs.length) {
    throw new UsageError("NO_COMPARISON", `${dir} has runs but no comparison.json: the shard did not finish; run it again.`);
  }
  return { dir, shard, runs, comparison };
}

/** Same number of shards, same target, same matrix; no shard twice, no key in two shards. */
function checkOneMatrix(shards: ShardFolder[]): void {
  const first = shards[0]!;
  const seenIndex = new Map<number, string>();
  const seenKey = new Map<string, string>();
  for (const s of shards) {
    const { shard, target, matrix } = s.shard;
    if (
      shard.count !== first.shard.shard.count ||
      target !== first.shard.target ||
      JSON.stringify(matrix) !== JSON.stringify(first.shard.matrix)
    )
      throw new UsageError(
        "NOT_ONE_MATRIX",
        `${s.dir} (shard ${shard.index}/${shard.count} of ${target}, ${matrix.length} runs) and ${first.dir} ` +
          `(shard ${first.shard.shard.index}/${first.shard.shard.count} of ${first.shard.target}, ${first.shard.matrix.length} runs) ` +
          "are not shards of one nightly: give the shards of one run, sharded with the same options and baseline.",
      );
    const twice = seenIndex.get(shard.index);
    if (twice)
      throw new UsageError("SHARD_TWICE", `${s.dir} and ${twice} are both shard ${shard.index}/${shard.count}: give each shard once.`);
    seenIndex.set(shard.index, s.dir);
    for (const key of s.shard.keys) {
      const other = seenKey.get(key);
      if (other)
        throw new UsageError(
          "KEY_TWICE",
          `${s.dir} and ${other} both ran ${key}: they were sharded differently (another baseline?). Shard every runner with the same baseline.`,
        );
      seenKey.set(key, s.dir);
    }
  }
}

function readCapacityStatus(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "capacity.json"), "utf8")) as { status?: string }).status;
  } catch {
    return undefined;
  }
}
