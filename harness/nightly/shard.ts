import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { Baseline } from "../baseline/baseline.ts";
import { UsageError } from "../core/errors.ts";

/** The estimate for a run the baseline has no duration for (docs/nightly.md). */
export const DEFAULT_RUN_ESTIMATE_S = 15;
/** The most shards `--shard i/n` accepts. */
const MAX_SHARDS = 64;

/** `--shard 2/4`: the second of four shards. */
export interface Shard {
  index: number;
  count: number;
}

/** One run of the matrix: its baseline key `<target>/<scenario>/<suite>` and its estimated duration. */
export interface MatrixItem {
  key: string;
  estimateS: number;
}

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !(index >= 1 && index <= count && count <= MAX_SHARDS))
    throw new UsageError(
      "BAD_SHARD",
      `--shard ${text}: give i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. --shard 2/4 for the second of four shards.`,
    );
  return { index, count };
}

/** Each key's estimate: its duration in the baseline, else DEFAULT_RUN_ESTIMATE_S. */
export function estimateMatrix(keys: readonly string[], baseline: Baseline | undefined): MatrixItem[] {
  return keys.map((key) => ({ key, estimateS: baseline?.scenarios[key]?.durationS ?? DEFAULT_RUN_ESTIMATE_S }));
}

/**
 * Splits the matrix into `count` shards: longest item first (ties by key), each to the least-loaded shard
 * (ties to the lowest index). The same matrix and baseline give the same split on every runner, and the
 * longest shard exceeds the ideal (total / count) by less than the longest item. Each shard keeps its
 * items in matrix order.
 */
export function assignShards(items: readonly MatrixItem[], count: number): MatrixItem[][] {
  const order = new Map(items.map((item, i) => [item.key, i]));
  const byLength = [...items].sort((a, b) => b.estimateS - a.estimateS || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shards: MatrixItem[][] = Array.from({ length: count }, () => []);
  const loads = new Array<number>(count).fill(0);
  for (const item of byLength) {
    let least = 0;
    for (let i = 1; i < count; i++) if (loads[i]! < loads[least]!) least = i;
    shards[least]!.push(item);
    loads[least]! += item.estimateS;
  }
  return shards.map((shard) => shard.sort((a, b) => order.get(a.key)! - order.get(b.key)!));
}

export const totalEstimateS = (items: readonly MatrixItem[]) => items.reduce((sum, item) => sum + item.estimateS, 0);

/** `shard.json` in a shard's folder: which shard of which matrix it is, and the runs it was given. */
const shardFileSchema = z
  .object({
    version: z.literal(1),
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1).max(MAX_SHARDS) }),
    target: z.string(),
    /** Every key of the whole matrix, in the order an unsharded nightly runs them. */
    matrix: z.array(z.string()),
    /** The keys this shard was given, with the estimates that placed them. */
    keys: z.array(z.string()),
    estimatesS: z.record(z.string(), z.number()),
    /** Whether the capacity comparison (`--compare`) ran in this shard (only shard 1 runs it). */
    capacity: z.boolean(),
  })
  .strict();

export type ShardFile = z.output<typeof shardFileSchema>;

const SHARD_FILE = "shard.json";

export function writeShardFile(dir: string, shard: ShardFile): string {
  const file = join(dir, SHARD_FILE);
  writeFileSync(file, `${JSON.stringify(shard, null, 2)}\n`);
  return file;
}

/** A shard folder's shard.json, or undefined when the folder has none (an unsharded nightly's). */
export function readShardFile(dir: string): ShardFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, SHARD_FILE), "utf8");
  } catch {
    return undefined;
  }
  const parsed = shardFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new UsageError(
      "INVALID_SHARD",
      `${join(dir, SHARD_FILE)} is not a shard file: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}
