import { describe, expect, it } from "vitest";
import type { Baseline } from "../baseline/baseline.ts";
import { assignShards, DEFAULT_RUN_ESTIMATE_S, estimateMatrix, type MatrixItem, parseShard, totalEstimateS } from "./shard.ts";

/** A small seeded generator (mulberry32): the same "random" matrices on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(random: () => number, size: number): MatrixItem[] {
  return Array.from({ length: size }, (_, i) => ({
    key: `demo/scenario-${i}/${i % 2 ? "bookworm" : "trixie"}`,
    estimateS: Math.round(1 + random() * 120),
  }));
}

describe("--shard i/n", () => {
  it("reads i/n", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    expect(parseShard("64/64")).toEqual({ index: 64, count: 64 });
  });

  it.each(["0/4", "5/4", "1/65", "2", "a/b", "-1/4", "1.5/4", ""])("refuses %j with exit 2, saying what to give", (text) => {
    expect(() => parseShard(text)).toThrow(expect.objectContaining({ code: "BAD_SHARD", exitCode: 2 }));
    expect(() => parseShard(text)).toThrow(/give i\/n with 1 ≤ i ≤ n ≤ 64, e\.g\. --shard 2\/4/);
  });
});

describe("estimates", () => {
  it("take each run's duration from the baseline, and the default where it has none", () => {
    const baseline: Baseline = {
      version: 1,
      updatedAt: "x",
      tolerances: { errorsFactor: 2, errorsSlack: 10 },
      scenarios: {
        "demo/slow-db/trixie": { status: "passed", deaths: {}, bannersMissing: 0, errors: 0, p99Ms: 1, throughput: 1, durationS: 42.5 },
        "demo/smoke/trixie": { status: "passed", deaths: {}, bannersMissing: 0, errors: 0, p99Ms: 1, throughput: 1 }, // an older entry
      },
    };
    expect(estimateMatrix(["demo/slow-db/trixie", "demo/smoke/trixie", "demo/deploy/trixie"], baseline)).toEqual([
      { key: "demo/slow-db/trixie", estimateS: 42.5 },
      { key: "demo/smoke/trixie", estimateS: DEFAULT_RUN_ESTIMATE_S },
      { key: "demo/deploy/trixie", estimateS: DEFAULT_RUN_ESTIMATE_S },
    ]);
    expect(estimateMatrix(["demo/smoke/trixie"], undefined)).toEqual([{ key: "demo/smoke/trixie", estimateS: DEFAULT_RUN_ESTIMATE_S }]);
  });
});

describe("assignShards", () => {
  const random = seeded(12);
  const matrices = Array.from({ length: 40 }, (_, i) => randomMatrix(random, 1 + (i % 30)));

  it("puts every item in exactly one shard, each shard in matrix order", () => {
    for (const items of matrices)
      for (const count of [1, 2, 3, 4, 7]) {
        const shards = assignShards(items, count);
        expect(shards).toHaveLength(count);
        expect(
          shards
            .flat()
            .map((i) => i.key)
            .sort(),
        ).toEqual(items.map((i) => i.key).sort());
        for (const shard of shards) {
          const positions = shard.map((item) => items.indexOf(item));
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        }
      }
  });

  it("is deterministic: the same split for the same matrix and durations, whatever order they were listed in", () => {
    for (const items of matrices) {
      const reversed = [...items].reverse();
      const keys = (shards: MatrixItem[][]) => shards.map((shard) => shard.map((i) => i.key).sort());
      expect(keys(assignShards(items, 4))).toEqual(keys(assignShards(items, 4)));
      expect(keys(assignShards(reversed, 4))).toEqual(keys(assignShards(items, 4)));
    }
    // Equal estimates (no baseline): ties go by key, then to the lowest shard.
    const even = ["demo/c/trixie", "demo/a/trixie", "demo/b/trixie"].map((key) => ({ key, estimateS: DEFAULT_RUN_ESTIMATE_S }));
    expect(assignShards(even, 2).map((shard) => shard.map((i) => i.key))).toEqual([["demo/c/trixie", "demo/a/trixie"], ["demo/b/trixie"]]);
  });

  it("is balanced: no shard exceeds the ideal (total / n) by the longest item or more", () => {
    for (const items of matrices)
      for (const count of [2, 3, 4, 7]) {
        const loads = assignShards(items, count).map(totalEstimateS);
        const longest = Math.max(...items.map((i) => i.estimateS));
        expect(Math.max(...loads)).toBeLessThanOrEqual(totalEstimateS(items) / count + longest);
      }
    // The 28 runs of today's nightly at about 15 s each, on 4 runners: 7 each.
    const nightly = Array.from({ length: 28 }, (_, i) => ({ key: `demo/s${String(i).padStart(2, "0")}/trixie`, estimateS: 15 }));
    expect(assignShards(nightly, 4).map((shard) => shard.length)).toEqual([7, 7, 7, 7]);
  });

  it("leaves shards empty when there are more shards than items", () => {
    const items = randomMatrix(seeded(3), 2);
    const shards = assignShards(items, 5);
    expect(shards.map((shard) => shard.length).sort()).toEqual([0, 0, 0, 1, 1]);
    expect(assignShards([], 3)).toEqual([[], [], []]);
  });
});
