import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import type { Baseline } from "../baseline/baseline.ts";
import { type ResultJson, runStack } from "../scenario/result-json.ts";
import { runCliToEnd, startCli } from "../testing/run-command.ts";

const work = mkdtempSync(join(tmpdir(), "nightly-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm run nightly", () => {
  it("writes a combined report, and exits 1 naming the regression against the baseline", async () => {
    const baselineFile = join(work, "baseline.json");
    const baseline: Baseline = {
      version: 1,
      updatedAt: "2026-11-01T00:00:00.000Z",
      tolerances: { errorsFactor: 2, errorsSlack: 10 },
      // A baseline from a world where this scenario killed a worker: today's run must be told apart.
      scenarios: {
        "demo/stray-sigterm/trixie": { status: "passed", deaths: { sigkill: 1 }, bannersMissing: 0, errors: 0, p99Ms: 5, throughput: 1000 },
      },
    };
    writeFileSync(baselineFile, JSON.stringify(baseline));
    const reports = join(work, "reports");
    const result = await runCliToEnd("nightly", ["--scenario", "stray-sigterm", "--stack", "trixie", "--baseline", baselineFile], {
      CHAOS_REPORTS_DIR: reports,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /regression demo\/stray-sigterm\/trixie \(death-cause\): new death cause: 1 unexpected-sigterm \(none in the baseline\)/,
    );
    expect(result.stdout).toMatch(
      /regression demo\/stray-sigterm\/trixie \(death-cause\): death cause changed: no sigkill now \(baseline: 1\)/,
    );

    const dir = join(reports, "latest");
    for (const file of ["index.html", "junit.xml", "summary.md", "comparison.json"]) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toMatch(
      /## Nightly: ❌ 2 regression\(s\)[\s\S]*\| stray-sigterm \| trixie \| ✅ passed \| 1 unexpected-sigterm \|/,
    );
    const index = readFileSync(join(dir, "index.html"), "utf8");
    const link = /href="([^"]+\/report\.html)"/.exec(index)?.[1];
    expect(link && existsSync(join(dir, link))).toBe(true);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, "junit.xml"), "utf8"));
    expect([junit.testsuites.testsuite].flat()).toHaveLength(1);

    // Deliberately accepting today's behaviour makes the next comparison clean.
    const update = await runCliToEnd(
      "nightly",
      ["--scenario", "stray-sigterm", "--stack", "trixie", "--baseline", baselineFile, "--update-baseline"],
      {
        CHAOS_REPORTS_DIR: reports,
      },
    );
    expect(update.code).toBe(0);
    const updated = JSON.parse(readFileSync(baselineFile, "utf8")) as Baseline;
    expect(updated.scenarios["demo/stray-sigterm/trixie"]).toMatchObject({
      status: "passed",
      deaths: { "unexpected-sigterm": 1 },
      bannersMissing: 0,
    });
  });

  it("runs 2 shards at the same time, and their merge reports what one unsharded nightly reports", async () => {
    // Read only: the committed baseline, so that there is something to compare with.
    const baselineFile = fileURLToPath(new URL("../../reports/baseline.json", import.meta.url));
    const args = ["--suite", "trixie", "--scenario", "smoke,scale-down", "--baseline", baselineFile];
    const sharded = join(work, "sharded");
    let started = performance.now();
    const shards = await Promise.all(
      ["1/2", "2/2"].map((shard) => startCli("nightly", [...args, "--shard", shard], { CHAOS_REPORTS_DIR: sharded }).done),
    );
    const shardedS = (performance.now() - started) / 1000;
    for (const shard of shards) expect(shard.stderr).toMatch(/^shard \d\/2: 1 of 2 runs, estimated \d+ s of \d+ s/m);
    const shardDirs = readdirSync(sharded)
      .filter((name) => /^nightly-.*-shard-\d-of-2$/.test(name))
      .map((name) => join(sharded, name));
    expect(shardDirs).toHaveLength(2);
    const mergedDir = join(work, "merged");
    const merged = await runCliToEnd("nightly-merge", [...shardDirs, "--out", mergedDir, "--baseline", baselineFile]);
    expect(merged.stderr).toBe("");

    const unshardedReports = join(work, "unsharded");
    started = performance.now();
    const unsharded = await runCliToEnd("nightly", args, { CHAOS_REPORTS_DIR: unshardedReports });
    const unshardedS = (performance.now() - started) / 1000;
    console.info(`2 shards at once: ${shardedS.toFixed(1)} s; unsharded: ${unshardedS.toFixed(1)} s`);
    const plainDir = join(unshardedReports, "latest");

    expect(merged.code).toBe(unsharded.code);
    const runs = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "result.json")))
        .map((e) => JSON.parse(readFileSync(join(dir, e.name, "result.json"), "utf8")) as ResultJson)
        .map((r) => `${r.stack.target.name}/${r.scenario.name}/${runStack(r)} ${r.status}`)
        .sort();
    expect(runs(mergedDir)).toHaveLength(2);
    expect(runs(mergedDir)).toEqual(runs(plainDir));
    const comparison = (dir: string) => {
      const c = JSON.parse(readFileSync(join(dir, "comparison.json"), "utf8"));
      return { regressions: c.regressions.map((r: { key: string; kind: string }) => `${r.key} ${r.kind}`), unbaselined: c.unbaselined };
    };
    expect(comparison(mergedDir)).toEqual(comparison(plainDir));
    // Figures aside: pids, p99, req/s and error counts are measured anew in every run.
    const figuresAside = (text: string) => text.replace(/\d+(\.\d+)?/g, "#");
    const testcases = (dir: string) => {
      const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, "junit.xml"), "utf8"));
      return [junit.testsuites.testsuite]
        .flat()
        .flatMap((suite: { "@_name": string; testcase: unknown }) =>
          [suite.testcase].flat().map((c) => `${suite["@_name"]}: ${figuresAside((c as { "@_name": string })["@_name"])}`),
        );
    };
    expect(testcases(mergedDir).length).toBeGreaterThan(0);
    expect(testcases(mergedDir)).toEqual(testcases(plainDir));
    const lines = (dir: string) => readFileSync(join(dir, "summary.md"), "utf8").split("\n").map(figuresAside);
    expect(lines(mergedDir)).toEqual(lines(plainDir));
  }, 300_000);
});
