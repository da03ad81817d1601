import { describe, expect, it } from "vitest";
import { type CapacityReport, capacityReportSchema, unmeasuredConfiguration } from "../capacity/capacity-result.ts";
import { type ResultJson, resultSchema, toResultJson } from "../scenario/result-json.ts";
import { loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { GITHUB_COMMENT_LIMIT, PR_COMMENT_MARKER, prComment } from "./pr-comment.ts";

// The recorded runs, as result.json: worker-timeout (passed, one timeout death), deploy with the seed config (failed:
// three shutdowns without their banners), slow-db (passed), rolling-deploy with the naive profile (failed: lost requests).
const [timeoutRun, seedDeploy, slowDb, rollingDeploy] = RECORDED_RUNS.map((recorded) =>
  toResultJson(loadRunResult(runFixtureFile(recorded))),
) as [ResultJson, ResultJson, ResultJson, ResultJson];
const all = [timeoutRun, seedDeploy, slowDb, rollingDeploy];

/** The table row of a scenario (the first cell after the icon names it). */
const row = (markdown: string, scenario: string) => markdown.split("\n").find((line) => line.includes(`| ${scenario} |`)) ?? "";

const capacity = (rps: number): CapacityReport =>
  capacityReportSchema.parse({
    version: 1,
    kind: "capacity",
    runId: "cap-1",
    startedAt: "2026-12-07T16:00:00.000Z",
    endedAt: "2026-12-07T16:05:00.000Z",
    status: "passed",
    summary: `workers=2: ${rps} req/s`,
    target: { name: "demo", file: "docker/demo.target.ts" },
    url: null,
    requests: [{ path: "/", weight: 1 }],
    slo: { text: "p99 < 100 ms, errors < 1%", latency: [{ percentile: 99, maxMs: 100 }], maxErrorRatio: 0.01 },
    requireRps: null,
    machine: { cores: 2, node: "v22" },
    configurations: [
      {
        ...unmeasuredConfiguration("workers=2"),
        workers: 2,
        capacityRps: rps,
        firstFailRps: rps + 100,
        confirmed: true,
        confidence: "high",
        limiting: { kind: "worker-cpu", summary: "both workers at 1 core", evidence: [] },
      },
    ],
    comparison: null,
  });

describe("prComment", () => {
  const comment = prComment({ results: all });

  it("starts with the marker the poster looks for, then the verdict counted from the runs", () => {
    const [first, verdict] = comment.split("\n");
    expect(first).toBe(PR_COMMENT_MARKER);
    expect(verdict).toBe("## ❌ Chaos harness: 2 passed, 2 failed, 0 inconclusive (4 runs)");
  });

  it("gives each run its stack, status, deaths by cause with severity, missing banners, failed requests and p99", () => {
    expect(row(comment, "worker-timeout")).toBe(
      `| ✅ | worker-timeout | trixie · default | passed | 1 timeout (critical) | none | 4 failed of 13201 (4 reset) | ${timeoutRun.load.outcome?.latencyMs.p99} ms |`,
    );
    const deploy = row(comment, "deploy");
    expect(deploy).toContain("| trixie · seed | failed | 3 shutdown (normal) |");
    expect(deploy).toContain("| 3: interrupt for 8, interrupt for 9, interrupt for 7 |");
    expect(deploy).toContain("13063 failed of 15575 (13 reset, 13046 refused, 4 closed)");
    expect(row(comment, "slow-db")).toContain("| bookworm · default | passed | none | none | 52 failed of 581 (52 non-2xx) |");
    expect(row(comment, "rolling-deploy (naive)")).toContain("| failed | 6 shutdown (normal) | none | 20 lost of 720 |");
  });

  it("says which expectations failed, as the runs recorded them", () => {
    const banners = seedDeploy.expectations.find((e) => e.verdict === "fail");
    expect(banners?.name).toBe("banners");
    expect(comment).toContain("**What failed**");
    expect(comment).toContain("- ❌ deploy · trixie · seed: **banners**: expected");
    expect(comment).toContain("- ❌ rolling-deploy (naive) · trixie · default: **lost requests**: expected");
    expect(comment).not.toContain("vs base");
  });

  it("compares each run with the base branch's: status changed, deaths added, the errors' delta", () => {
    // The base: worker-timeout failed there with one more death and fewer errors; deploy was identical; smoke ran only there.
    const baseTimeout = resultSchema.parse({
      ...timeoutRun,
      status: "failed",
      deaths: [...timeoutRun.deaths, { ...seedDeploy.deaths[0] }],
      load: { ...timeoutRun.load, outcome: { ...timeoutRun.load.outcome, errors: { ...timeoutRun.load.outcome?.errors, reset: 1 } } },
    });
    const smoke = resultSchema.parse({ ...slowDb, scenario: { name: "smoke", description: "a smoke run" } });
    const compared = prComment({
      results: [timeoutRun, seedDeploy, slowDb],
      base: { results: [baseTimeout, seedDeploy, smoke], ref: "main" },
    });
    expect(compared).toContain("Compared with `main`'s last results.");
    expect(row(compared, "worker-timeout")).toMatch(/\| failed → \*\*passed\*\*, −1 shutdown death, errors \+3 \|$/);
    expect(row(compared, "deploy")).toMatch(/\| same \|$/);
    expect(row(compared, "slow-db")).toMatch(/\| new \|$/);
    expect(compared).toContain("Run on the base branch but not here: smoke (bookworm).");
  });

  it("shows capacity per configuration, against the base's when given", () => {
    const withCapacity = prComment({ results: [slowDb], capacity: capacity(450), base: { results: [slowDb], capacity: capacity(500) } });
    expect(withCapacity.split("\n")[1]).toBe("## ✅ Chaos harness: 1 passed, 0 failed, 0 inconclusive (1 run); capacity passed");
    expect(withCapacity).toContain("### ✅ Capacity — passed");
    expect(withCapacity).toContain("| workers=2 | 450 req/s | 550 req/s | worker-cpu: both workers at 1 core | high | −50 req/s (−10%) |");
  });

  it("fits GitHub's comment limit, cut at a line with a note saying so", () => {
    const many = Array.from({ length: 400 }, () => all).flat();
    const full = prComment({ results: many, limit: Number.POSITIVE_INFINITY });
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
    const cut = prComment({ results: many });
    expect(cut.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(cut.startsWith(`${PR_COMMENT_MARKER}\n## ❌ Chaos harness: 800 passed, 800 failed, 0 inconclusive (1600 runs)`)).toBe(true);
    expect(cut).toMatch(/> ⚠️ Cut to fit GitHub's 65,536-character comment limit: \d+ of \d+ lines shown\./);
    expect(full.startsWith(cut.slice(0, cut.indexOf("\n\n> ⚠️")))).toBe(true);
    expect(prComment({ results: all })).not.toContain("Cut to fit");
  });

  it("says so when no scenario ran", () => {
    expect(prComment({ results: [] })).toBe(
      `${PR_COMMENT_MARKER}\n## ✅ Chaos harness: 0 passed, 0 failed, 0 inconclusive (0 runs)\n\nNo scenario ran.\n`,
    );
  });
});
