import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import { type Baseline, baselineKey, matrixKey, type Regression, readBaseline } from "../baseline/baseline.ts";
import { suiteWorkerLabel } from "../images/suites.ts";
import { writeNightlyReport, writeRunReport } from "../report/write-run-report.ts";
import type { ResultJson } from "../scenario/result-json.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { mergeNightly } from "./merge-nightly.ts";
import { assignShards, estimateMatrix, writeShardFile } from "./shard.ts";

const work = mkdtempSync(join(tmpdir(), "merge-nightly-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The recorded runs, in the order a nightly lists its matrix: worker-timeout and deploy on trixie, slow-db on bookworm. */
const runs = RECORDED_RUNS.filter((r) => ["worker-timeout", "deploy", "slow-db"].includes(r.scenario)).map((recorded) =>
  loadRunResult(runFixtureFile(recorded)),
);
const keyOfRun = (run: RunResult) =>
  matrixKey(run.stack.target.name, run.scenario.name, suiteWorkerLabel(run.stack.options.suite, run.stack.options.worker));
const matrix = runs.map(keyOfRun);
const [timeoutKey, deployKey, slowDbKey] = matrix as [string, string, string];

const baseline: Baseline = {
  version: 1,
  updatedAt: "2026-11-01T00:00:00.000Z",
  tolerances: { errorsFactor: 2, errorsSlack: 10 },
  scenarios: {
    [timeoutKey]: { status: "passed", deaths: { timeout: 1 }, bannersMissing: 0, errors: 0, p99Ms: 4.5, throughput: 9876.5, durationS: 30 },
    [deployKey]: { status: "passed", deaths: {}, bannersMissing: 0, errors: 0, p99Ms: 3, throughput: 5000, durationS: 20 },
  },
};
const baselineFile = join(work, "baseline.json");
writeFileSync(baselineFile, JSON.stringify(baseline));

/** What each run's judgement was (as the nightly wrote it in its shard's comparison.json). */
const judged: Record<string, { regressions: Regression[]; unbaselined: boolean }> = {
  [timeoutKey]: { regressions: [], unbaselined: false },
  [deployKey]: {
    regressions: [
      { key: deployKey, kind: "banner-missing", message: "banners newly missing: 3 (baseline: 0)" },
      { key: deployKey, kind: "expectations", message: "the run failed (baseline: passed)" },
    ],
    unbaselined: false,
  },
  [slowDbKey]: { regressions: [], unbaselined: true },
};
const capacityRegression: Regression = { key: "capacity/one configuration", kind: "capacity", message: "down 30% beyond the spread" };

/** Writes a shard's folder as `npm run nightly -- --shard i/n` does: its runs, its nightly report, shard.json, and capacity/ in shard 1. */
function writeShard(parent: string, index: number, count: number, withCapacity = false): string {
  const items = estimateMatrix(matrix, baseline);
  const mine = assignShards(items, count)[index - 1]!;
  const dir = join(parent, `nightly-2026-11-26-shard-${index}-of-${count}`);
  mkdirSync(dir, { recursive: true });
  writeShardFile(dir, {
    version: 1,
    shard: { index, count },
    target: "demo",
    matrix,
    keys: mine.map((i) => i.key),
    estimatesS: Object.fromEntries(mine.map((i) => [i.key, i.estimateS])),
    capacity: withCapacity && index === 1,
  });
  const jsons = runs
    .filter((run) => mine.some((i) => i.key === keyOfRun(run)))
    .map((run) => writeRunReport(run, dir, { linkLatest: false }).json);
  const regressions = jsons.flatMap((json) => judged[baselineKey(json)]!.regressions);
  if (withCapacity && index === 1) {
    regressions.push(capacityRegression);
    mkdirSync(join(dir, "capacity"));
    writeFileSync(join(dir, "capacity", "capacity.json"), JSON.stringify({ status: "failed" }));
  }
  const unbaselined = jsons.map(baselineKey).filter((key) => judged[key]!.unbaselined);
  writeNightlyReport({ dir, runs: jsons, regressions, unbaselined, tolerances: baseline.tolerances, baseline: baseline.scenarios });
  return dir;
}

/** What an unsharded nightly over the same runs writes, in `<parent>/<name>`. */
function unsharded(parent: string, name: string, withCapacity = false): string {
  const dir = join(parent, name);
  const jsons: ResultJson[] = runs.map((run) => writeRunReport(run, dir, { linkLatest: false }).json);
  const regressions = [...jsons.flatMap((json) => judged[baselineKey(json)]!.regressions), ...(withCapacity ? [capacityRegression] : [])];
  const unbaselined = jsons.map(baselineKey).filter((key) => judged[key]!.unbaselined);
  writeNightlyReport({ dir, runs: jsons, regressions, unbaselined, tolerances: baseline.tolerances, baseline: baseline.scenarios });
  return dir;
}

const NIGHTLY_FILES = ["comparison.json", "junit.xml", "summary.md", "index.html"];
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const merge = (dirs: string[], out: string, extra: { allowMissing?: boolean; updateBaseline?: boolean; baselineFile?: string } = {}) =>
  mergeNightly({ dirs, out, baselineFile, allowMissing: false, updateBaseline: false, reportsDir: join(work, "reports"), ...extra });

describe("nightly:merge", () => {
  it("writes the same index.html, junit.xml, summary.md and comparison.json as an unsharded nightly over the same runs", () => {
    const parent = join(work, "same");
    const shards = [writeShard(parent, 2, 2, true), writeShard(parent, 1, 2, true)]; // in any order
    expect(shards.map((dir) => readdirSync(dir).filter((f) => /^\d{8}T/.test(f)).length).sort()).toEqual([1, 2]);
    const reference = unsharded(join(parent, "reference"), "nightly-2026-11-26", true);
    const merged = join(parent, "merged", "nightly-2026-11-26");
    const outcome = merge(shards, merged);

    for (const file of NIGHTLY_FILES) expect(read(merged, file), file).toBe(read(reference, file));
    const mergedAgain = join(parent, "merged-again", "nightly-2026-11-26");
    merge([...shards].reverse(), mergedAgain); // the order the folders are given in does not matter
    for (const file of NIGHTLY_FILES) expect(read(mergedAgain, file), file).toBe(read(reference, file));
    // Every run's own folder, as in the unsharded one, and the capacity comparison from shard 1.
    const runFolders = (dir: string) => readdirSync(dir).filter((name) => !NIGHTLY_FILES.includes(name) && name !== "capacity");
    expect(runFolders(merged).sort()).toEqual(runFolders(reference).sort());
    for (const name of runFolders(merged)) expect(read(merged, join(name, "result.json"))).toBe(read(reference, join(name, "result.json")));
    expect(existsSync(join(merged, "capacity", "capacity.json"))).toBe(true);
    expect(existsSync(join(merged, ".writing"))).toBe(false);

    expect(outcome.results.map(baselineKey)).toEqual(matrix);
    expect(outcome.regressions.map((r) => r.kind)).toEqual(["banner-missing", "expectations", "capacity"]);
    expect(outcome.unbaselined).toEqual([slowDbKey]);
    expect(outcome.missing).toEqual([]);
    expect(outcome.capacityStatus).toBe("failed");
  });

  it("gives valid, empty reports for shards left empty (more shards than runs), and merges them", () => {
    const parent = join(work, "empty");
    const shards = [1, 2, 3, 4, 5].map((i) => writeShard(parent, i, 5));
    const empty = shards.filter((dir) => JSON.parse(read(dir, "shard.json")).keys.length === 0);
    expect(empty).toHaveLength(2);
    for (const dir of empty) {
      for (const file of NIGHTLY_FILES) expect(existsSync(join(dir, file)), file).toBe(true);
      expect(read(dir, "summary.md")).toMatch(/^## Nightly: ✅ no regression · 0 of 0 runs passed$/m);
      expect(JSON.parse(read(dir, "comparison.json"))).toEqual({ regressions: [], unbaselined: [], tolerances: baseline.tolerances });
      expect(() => new XMLParser().parse(read(dir, "junit.xml"))).not.toThrow();
    }
    const reference = unsharded(join(parent, "reference"), "nightly-2026-11-26");
    const merged = join(parent, "merged", "nightly-2026-11-26");
    merge(shards, merged);
    for (const file of NIGHTLY_FILES) expect(read(merged, file), file).toBe(read(reference, file));
  });

  it("refuses folders that are not shards of one matrix, a shard given twice, and missing shards (exit 2)", () => {
    const parent = join(work, "refuse");
    const [one, two] = [writeShard(parent, 1, 2), writeShard(parent, 2, 2)] as [string, string];
    const other = writeShard(join(parent, "three"), 1, 3);
    const out = (name: string) => join(parent, "out", name);
    expect(() => merge([one, other], out("a"))).toThrow(expect.objectContaining({ code: "NOT_ONE_MATRIX", exitCode: 2 }));
    expect(() => merge([one, one], out("b"))).toThrow(expect.objectContaining({ code: "SHARD_TWICE", exitCode: 2 }));
    expect(() => merge([one], out("c"))).toThrow(expect.objectContaining({ code: "SHARDS_MISSING", exitCode: 2 }));
    expect(() => merge([one], out("c"))).toThrow(/shard\(s\) 2\/2 not given[\s\S]*--allow-missing/);
    expect(() => merge([join(parent, "three")], out("d"))).toThrow(expect.objectContaining({ code: "NOT_A_SHARD" }));

    // The same matrix shared out under another baseline: two shards claim one run.
    const shifted = join(parent, "shifted");
    mkdirSync(shifted);
    writeShardFile(shifted, {
      version: 1,
      shard: { index: 2, count: 2 },
      target: "demo",
      matrix,
      keys: matrix,
      estimatesS: {},
      capacity: false,
    });
    expect(() => merge([one, shifted], out("e"))).toThrow(expect.objectContaining({ code: "KEY_TWICE" }));
    expect(merge([one, two], out("f")).results).toHaveLength(3);

    // A shard an older harness ran: its result.json is of another schema version.
    const older = writeShard(join(parent, "older"), 2, 2);
    const runDir = readdirSync(older, { withFileTypes: true }).find((e) => e.isDirectory())!.name;
    const file = join(older, runDir, "result.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), schemaVersion: 1 }));
    expect(() => merge([one, older], out("g"))).toThrow(/has schemaVersion 1; this harness reads 4\. Merge shards that this version/);
  });

  it("with --allow-missing, merges what is there and says what is missing", () => {
    const parent = join(work, "missing");
    const one = writeShard(parent, 1, 2);
    const merged = join(parent, "merged");
    const outcome = merge([one], merged, { allowMissing: true });
    const absent = matrix.filter((key) => !outcome.results.map(baselineKey).includes(key));
    expect(outcome.missing).toEqual(absent);
    expect(outcome.missingWhy).toEqual(["shard(s) 2/2 not given"]);
    expect(read(merged, "summary.md")).toContain(`⚠️ Not run (missing from the merged shards): ${absent.join(", ")}.`);
    expect(read(merged, "index.html")).toContain("Not run (missing from the merged shards)");
    expect(JSON.parse(read(merged, "comparison.json")).missing).toEqual(absent);
  });

  it("keeps one suite's worker classes apart: sid and sid-asgi are two runs of the matrix", () => {
    const parent = join(work, "workers");
    const deploy = runs[1]!;
    const onSid = (worker: "uvicorn" | "asgi"): RunResult => ({
      ...deploy,
      runId: `${deploy.runId}-sid-${worker}`,
      stack: { ...deploy.stack, options: { ...deploy.stack.options, suite: "sid", worker } },
    });
    const keys = ["demo/deploy/sid", "demo/deploy/sid-asgi"];
    const dir = join(parent, "nightly-2026-11-26-shard-1-of-1");
    mkdirSync(dir, { recursive: true });
    writeShardFile(dir, {
      version: 1,
      shard: { index: 1, count: 1 },
      target: "demo",
      matrix: keys,
      keys,
      estimatesS: Object.fromEntries(keys.map((key) => [key, 15])),
      capacity: false,
    });
    const jsons = [onSid("uvicorn"), onSid("asgi")].map((run) => writeRunReport(run, dir, { linkLatest: false }).json);
    writeNightlyReport({ dir, runs: jsons, regressions: [], unbaselined: keys, tolerances: baseline.tolerances, baseline: {} });
    expect(merge([dir], join(parent, "merged")).results.map(baselineKey)).toEqual(keys);
  });

  it("--update-baseline rewrites the baseline from the merged runs, with each run's duration", () => {
    const parent = join(work, "update");
    const shards = [writeShard(parent, 1, 2), writeShard(parent, 2, 2)];
    const file = join(parent, "baseline.json");
    writeFileSync(file, JSON.stringify(baseline));
    merge(shards, join(parent, "merged"), { updateBaseline: true, baselineFile: file });
    const updated = readBaseline(file);
    expect(Object.keys(updated?.scenarios ?? {}).sort()).toEqual([...matrix].sort());
    for (const key of matrix) expect(updated?.scenarios[key]?.durationS).toBeGreaterThan(0);
  });
});
