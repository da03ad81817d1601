import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import type { Baseline } from "../baseline/baseline.ts";
import { runCliToEnd } from "../testing/run-command.ts";

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
});
