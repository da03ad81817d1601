import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import { Progress } from "../core/progress.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import { type ResultJson, resultSchema } from "../scenario/result-json.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import { openOffline } from "../testing/chromium.ts";
import { REPO_ROOT } from "../testing/run-command.ts";
import { writeRunReport } from "./write-run-report.ts";

const reports = mkdtempSync(join(tmpdir(), "reports-test-"));
const artifacts = join(REPO_ROOT, "reports", "test-artifacts");
afterAll(() => rmSync(reports, { recursive: true, force: true }));

async function runAndReport(name: string, config: "default" | "seed") {
  const run = await runScenario(await loadScenario(name), {
    progress: new Progress(process.stderr, true),
    signal: new AbortController().signal,
    overrides: { config },
  });
  const { dir } = writeRunReport(run, reports);
  return { run, dir, json: JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as ResultJson };
}

function junitCases(dir: string) {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(readFileSync(join(dir, "junit.xml"), "utf8"));
  const suites = [parsed.testsuites.testsuite].flat();
  expect(suites).toHaveLength(1);
  return { suite: suites[0], cases: [suites[0].testcase].flat() as Array<{ name: string; failure?: { message: string } | string }> };
}

describe("the report of a real run", () => {
  it("worker-timeout: result.json fits its schema and holds the story; junit.xml reads back; report.html draws in Chromium", async () => {
    const { run, dir, json } = await runAndReport("worker-timeout", "default");
    expect(run.status).toBe("passed");

    expect(resultSchema.parse(json)).toEqual(json);
    expect(json).toMatchObject({
      schemaVersion: 4,
      status: "passed",
      stack: { suite: "trixie", versions: { gunicorn: "23.0.0", uvicorn: "0.32.0" } },
    });
    const [death] = json.deaths;
    expect(json.deaths).toHaveLength(1);
    expect(death).toMatchObject({ cause: "timeout", severity: "critical", bannersSeen: ["abort"] });
    expect(json.events.find((e) => e.kind === "worker-timeout")).toMatchObject({
      pid: death!.pid,
      raw: expect.stringMatching(/WORKER TIMEOUT \(pid:\d+\)/),
    });
    expect(json.banners.seen).toMatchObject([{ pid: death!.pid, kind: "abort", title: `CRITICAL: WORKER ABORTED - PID ${death!.pid}` }]);
    expect(json.faults).toMatchObject([{ action: "request", target: `worker ${death!.pid}`, offsetS: expect.any(Number) }]);
    expect(json.timeline.length).toBeGreaterThanOrEqual(6);
    expect(json.load.outcome!.latencyMs.p99).toBeGreaterThan(0);
    expect(json.expectations.every((e) => e.verdict === "pass")).toBe(true);
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toMatch(/✅ worker-timeout — PASSED[\s\S]*\| \d+ \| timeout \| critical \|/);

    const { suite, cases } = junitCases(dir);
    expect(suite.name).toBe("worker-timeout (trixie, default config)");
    expect(cases).toHaveLength(json.expectations.length);
    expect(cases.filter((c) => c.failure !== undefined)).toEqual([]);

    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
    const report = await openOffline(join(dir, "report.html"), () => document.querySelectorAll("canvas").length === 2);
    const { page, errors } = report;
    try {
      const inked = Object.values(await report.inkByCanvas());
      expect(inked.every((pixels) => pixels > 2_000)).toBe(true);
      expect(await page.textContent("header")).toMatch(/^PASSED · worker-timeout/);
      await page.fill("#log-filter", "WORKER TIMEOUT");
      expect(await page.locator("#log-lines [data-line]:visible").count()).toBe(1);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report-worker-timeout.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await report.close();
    }
  });

  it("deploy with the seed config: the failures reach junit.xml with expected vs observed", async () => {
    const { dir, json } = await runAndReport("deploy", "seed");
    expect(json.status).toBe("failed");
    expect(json.banners.missing.length).toBe(json.deaths.length);
    const { cases } = junitCases(dir);
    const failed = cases.filter((c) => c.failure !== undefined);
    expect(failed.map((c) => c.name)).toEqual([expect.stringMatching(/^banners: INTERRUPT for \d+/)]);
    const failure = failed[0]!.failure as { message: string };
    expect(failure.message).toMatch(
      /^expected INTERRUPT for .*, observed missing: .*no INTERRUPT or ABORT banner printed at all: under UvicornWorker, gunicorn's worker_int and worker_abort hooks never run/,
    );
  });
});
