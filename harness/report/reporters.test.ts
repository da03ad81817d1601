import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { gunzipSync } from "node:zlib";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../events/events.ts";
import { totalErrors } from "../load/load-result.ts";
import { isFailedLbRequest } from "../logs/haproxy-log.ts";
import type { LogLine } from "../logs/log-line.ts";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { resultSchema, toResultJson } from "../scenario/result-json.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { chartsDrawn, itInChromium, openOffline } from "../testing/chromium.ts";
import { bootedPerReplica, loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { ConsoleReporter } from "./console-reporter.ts";
import { fileReporters, writeNightlyReport, writeRunReport } from "./write-run-report.ts";

const work = mkdtempSync(join(tmpdir(), "reporters-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const [timeoutRun, seedDeploy, slowDb, rollingDeploy] = RECORDED_RUNS.map((recorded) => loadRunResult(runFixtureFile(recorded))) as [
  RunResult,
  RunResult,
  RunResult,
  RunResult,
];
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

function junitCases(xml: string) {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
  const suites = [parsed.testsuites.testsuite].flat() as Array<{ name: string; testcase: unknown }>;
  return suites.map((suite) => ({
    name: suite.name,
    cases: [suite.testcase].flat() as Array<{ name: string; failure?: { message: string }; error?: { message: string } }>,
  }));
}

function consoleOutput(act: (reporter: ConsoleReporter) => void): string {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  act(new ConsoleReporter(out));
  return stripVTControlCharacters(text);
}

describe("a run's report folder, written by the file reporters from a recorded run", () => {
  it("holds result.json, junit.xml, summary.md, report.html and app.log, and says so", () => {
    const { dir, files } = writeRunReport(timeoutRun, work, { linkLatest: false });
    expect(dir).toBe(join(work, timeoutRun.runId));
    expect(files.map((f) => basename(f))).toEqual(["result.json", "junit.xml", "summary.md", "report.html", "app.log"]);
    for (const file of files) expect(existsSync(file)).toBe(true);
  });

  it("result.json: the run's projection, valid against its schema, faults in words, evidence structured", () => {
    const { dir } = writeRunReport(timeoutRun, work, { linkLatest: false });
    const json = JSON.parse(read(dir, "result.json"));
    expect(resultSchema.parse(json)).toEqual(json);
    expect(json).toEqual(JSON.parse(JSON.stringify(toResultJson(timeoutRun))));
    const [death] = timeoutRun.observed.deaths;
    expect(json.faults).toEqual([
      {
        at: expect.any(String),
        offsetS: expect.any(Number),
        action: "request",
        target: `worker ${death!.pid}`,
        detail: "GET /block?ms=8000",
      },
    ]);
    expect(json.deaths[0].evidence[0]).toEqual({
      source: "log",
      line: expect.any(Number),
      text: expect.stringMatching(new RegExp(`Worker \\(pid:${death!.pid}\\) was sent SIGABRT!$`)),
    });
    expect(json.stack).toMatchObject({ suite: "trixie", config: "default", versions: { gunicorn: "23.0.0" } });
    expect(json.stack.options).not.toHaveProperty("suite"); // said once, in stack.suite
    expect(json.stack.options).toMatchObject({ workers: 2 });
  });

  it("junit.xml: one testcase per expectation; a failure says expected and observed", () => {
    const passed = junitCases(read(writeRunReport(timeoutRun, work, { linkLatest: false }).dir, "junit.xml"));
    expect(passed).toHaveLength(1);
    expect(passed[0]!.name).toBe("worker-timeout (trixie, default config)");
    expect(passed[0]!.cases.map((c) => c.name)).toEqual(timeoutRun.expectations.map((e) => `${e.name}: ${e.expected}`));
    expect(passed[0]!.cases.filter((c) => c.failure)).toEqual([]);

    const [failed] = junitCases(read(writeRunReport(seedDeploy, work, { linkLatest: false }).dir, "junit.xml"));
    const failures = failed!.cases.filter((c) => c.failure);
    expect(failures.map((c) => c.name)).toEqual([expect.stringMatching(/^banners: INTERRUPT for \d+/)]);
    expect(failures[0]!.failure!.message).toMatch(
      /^expected INTERRUPT for .*, observed missing: .*\(no INTERRUPT or ABORT banner printed at all: under UvicornWorker, .* hooks never run\)$/,
    );
  });

  it("junit.xml: a run that broke is an error testcase with the harness's code", () => {
    const broken: RunResult = {
      ...slowDb,
      runId: `${slowDb.runId}-broken`,
      status: "error",
      error: Object.assign(new Error("The app did not become ready"), { code: "STACK_NOT_READY" }),
      expectations: [],
    };
    const [suite] = junitCases(read(writeRunReport(broken, work, { linkLatest: false }).dir, "junit.xml"));
    expect(suite!.cases).toMatchObject([{ name: "run", error: { message: "The app did not become ready" } }]);
  });

  it("summary.md: verdict, deaths, missing banners and failed expectations", () => {
    const passed = read(writeRunReport(timeoutRun, work, { linkLatest: false }).dir, "summary.md");
    expect(passed).toMatch(/^### ✅ worker-timeout — PASSED$/m);
    expect(passed).toMatch(new RegExp(`^\\| ${timeoutRun.observed.deaths[0]!.pid} \\| timeout \\| critical \\| event loop blocked`, "m"));
    expect(passed).toMatch(new RegExp(`^All ${timeoutRun.expectations.length} expectations held\\.$`, "m"));

    const failed = read(writeRunReport(seedDeploy, work, { linkLatest: false }).dir, "summary.md");
    expect(failed).toMatch(/^### ❌ deploy — FAILED$/m);
    expect(failed).toMatch(/^Banners missing: (interrupt for \d+(, )?)+$/m);
    expect(failed).toMatch(/^\| banners \| INTERRUPT for .* \| missing: .* \|$/m);

    expect(read(writeRunReport(slowDb, work, { linkLatest: false }).dir, "summary.md")).toMatch(/^No worker died\.$/m);
  });

  it("report.html: self-contained, escaped, with the events in words and the whole log", () => {
    const hostile: RunResult = {
      ...timeoutRun,
      runId: `${timeoutRun.runId}-escaped`,
      scenario: { name: "worker-timeout", description: 'a <img src=x onerror="alert(1)"> description' },
    };
    const html = read(writeRunReport(hostile, work, { linkLatest: false }).dir, "report.html");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:|x)/i);
    expect(html).toContain("a &lt;img src=x onerror=&quot;alert(1)&quot;&gt; description");
    expect(html).toMatch(/<header class="verdict passed">PASSED · worker-timeout/);
    const [death] = timeoutRun.observed.deaths;
    expect(html).toContain(`fault request → worker ${death!.pid} (GET /block?ms=8000)`);
    expect(html).toContain(`(${timeoutRun.logLines.length} lines)`);
    expect(html.match(/<span data-line>/g)).toHaveLength(timeoutRun.logLines.length);
  });

  it("app.log: every raw line, time-stamped, with its source and stream", () => {
    const log = read(writeRunReport(slowDb, work, { linkLatest: false }).dir, "app.log")
      .split("\n")
      .filter(Boolean);
    expect(log).toHaveLength(slowDb.logLines.length);
    expect(log.every((line) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (app|db)\/(stdout|stderr) /.test(line))).toBe(true);
    expect(log.some((line) => line.startsWith(new Date(slowDb.logLines[0]!.at).toISOString()))).toBe(true);
  });
});

/** What report.html hands its charts (the JSON in its `report-data` script). */
interface ReportData {
  lifelines: Array<{ label: string; from: number; to: number; cause: string | null }>;
  replicas: {
    servers: Array<{ name: string; points: Array<{ x: number; y: number }> }>;
    lost: Array<{ x: number; y: number }>;
    steps: Array<{ at: number; labels: string[] }>;
  } | null;
}

function reportData(html: string): ReportData {
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1];
  expect(json).toBeDefined();
  return JSON.parse(json!);
}

describe("the report of a recorded rolling deploy (naive profile: SIGTERM while the balancer still routes)", () => {
  const { dir } = writeRunReport(rollingDeploy, work, { linkLatest: false });
  const html = read(dir, "report.html");
  const data = reportData(html);
  const deploySteps = rollingDeploy.observed.events.filter((e) => e.kind === "deploy");

  it("result.json: as written, valid against its schema, with the deploy's 18 steps and the losses traced to them", () => {
    const json = JSON.parse(read(dir, "result.json"));
    expect(resultSchema.parse(json)).toEqual(json);
    expect(json.deploy.steps).toHaveLength(deploySteps.length);
    expect(deploySteps).toHaveLength(18);
    expect(json.deploy.lost.byStep.map((s: { action: string; lost: number }) => `${s.action} ${s.lost > 0}`)).toEqual([
      "sigterm true",
      "sigterm true",
      "sigterm true",
    ]);
  });

  it("report.html: a Replicas section with a series per replica and each deploy step marked r{round} {action} {instance}", () => {
    expect(html).toMatch(/<section id="replicas"><h2>Replicas /);
    expect(html).toContain("Rolling deploy, profile <strong>naive</strong>");
    const replicas = data.replicas!;
    expect(replicas.servers.map((s) => s.name)).toEqual(["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]);
    const lbRequests = rollingDeploy.observed.events.filter((e) => e.kind === "lb-request");
    const failed = lbRequests.filter(isFailedLbRequest).length;
    const sum = (points: Array<{ y: number }>) => points.slice(0, -1).reduce((n, p) => n + p.y, 0); // the last point only closes a step
    expect(sum(replicas.lost)).toBe(failed);
    expect(replicas.servers.reduce((n, s) => n + sum(s.points), 0)).toBe(lbRequests.length - failed);
    const labels = replicas.steps.flatMap((s) => s.labels);
    expect(labels).toHaveLength(deploySteps.length);
    expect(labels).toEqual(expect.arrayContaining(["r1 sigterm web-1", "r2 sigterm web-2", "r3 sigterm web-3", "r1 healthy web-4"]));
    for (const step of deploySteps) expect(labels).toContain(`r${step.round} ${step.action} ${step.instance}`);
  });

  it("report.html: lost requests by deploy step, each at the SIGTERM of a replica still routed", () => {
    expect(html).toContain("<h2>Lost requests by deploy step</h2>");
    const load = rollingDeploy.observed.load!;
    expect(html).toContain(`<p>${load.non2xx + totalErrors(load.errors)} lost, as the load generator counted them.</p>`);
    const rows = [...html.matchAll(/<tr><td>(round \d+, at [^<]*)<\/td><td>(\d+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)];
    expect(rows.map((r) => r[4])).toEqual(["web-1", "web-2", "web-3"]);
    for (const [, step, , seen, replica] of rows) {
      expect(step).toContain(`SIGTERM to ${replica}'s master`);
      expect(seen).toMatch(/^503 SC-- ×\d+: the server aborted or refused while connecting$/);
    }
  });

  it("report.html: a lifeline per worker of each replica (web-1/7 and web-2/7 are two), and deaths by replica", () => {
    const labels = data.lifelines.map((l) => l.label);
    expect(labels).toHaveLength(12);
    expect(new Set(labels).size).toBe(12);
    // The same pid in two replicas is two workers: a pid web-1 and web-2 both booted (what the kernel gave them).
    const booted = bootedPerReplica(rollingDeploy, ["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]);
    const shared = booted.get("web-1")!.find((pid) => booted.get("web-2")!.includes(pid))!;
    expect(shared).toBeDefined();
    expect([...labels].sort()).toEqual([...booted].flatMap(([instance, pids]) => pids.map((pid) => `${instance}/${pid}`)).sort());
    const line = (label: string) => data.lifelines.find((l) => l.label === label)!;
    expect(line(`web-1/${shared}`).cause).toBe("shutdown");
    expect(line(`web-2/${shared}`).cause).toBe("shutdown");
    // Round 2 stops web-2 seconds after round 1 stopped web-1.
    expect(line(`web-2/${shared}`).to).toBeGreaterThan(line(`web-1/${shared}`).to + 2);
    expect(line(`web-4/${booted.get("web-4")![0]}`).cause).toBeNull(); // the new replicas outlive the run
    expect(html).toContain("<th>replica</th><th>pid</th><th>cause</th>");
    for (const instance of ["web-1", "web-2", "web-3"])
      for (const pid of booted.get(instance)!) expect(html).toMatch(new RegExp(`<tr><td>${instance}</td><td>${pid}</td><td>shutdown</td>`));
  });

  it("summary.md: deaths by replica, and the lost requests by deploy step", () => {
    const summary = read(dir, "summary.md");
    expect(summary).toMatch(/^\| replica \| pid \| cause \| severity \| why \|$/m);
    const [web2] = bootedPerReplica(rollingDeploy, ["web-2"]).get("web-2")!;
    expect(summary).toMatch(new RegExp(`^\\| web-2 \\| ${web2} \\| shutdown \\| normal \\| `, "m"));
    expect(summary).toMatch(/^\*\*Lost requests by deploy step\*\* \(naive profile\): \d+ lost\.$/m);
    const items = summary.match(/^- \d+ in round \d, at "SIGTERM to (web-\d)'s master .*", on \1 — 503 SC-- ×\d+: .*$/gm);
    expect(items).toHaveLength(3);
  });

  itInChromium(
    "report.html: every chart draws in Chromium with no console error and no network",
    async () => {
      const report = await openOffline(join(dir, "report.html"), chartsDrawn);
      try {
        const inked = await report.inkByCanvas();
        expect(Object.keys(inked)).toEqual(["timeline-chart", "replica-chart", "lifeline-chart"]);
        for (const pixels of Object.values(inked)) expect(pixels).toBeGreaterThan(2_000);
        expect(report.errors).toEqual([]);
      } finally {
        await report.close();
      }
    },
    30_000,
  );

  it("a run without replicas has no Replicas section, and its workers are pids alone", () => {
    const { dir: singleDir } = writeRunReport(timeoutRun, work, { linkLatest: false });
    const single = read(singleDir, "report.html");
    expect(single).not.toContain('id="replicas"');
    expect(reportData(single).replicas).toBeNull();
    expect(reportData(single).lifelines.map((l) => l.label)).toEqual(timeoutRun.observed.roster.booted.map((pid) => `pid ${pid}`));
    expect(single).toContain("<th>pid</th><th>cause</th>");
    expect(single).not.toContain("<th>replica</th>");
    expect(read(singleDir, "summary.md")).not.toContain("Lost requests");
  });
});

describe("the console reporter", () => {
  it("prints the verdict, each death with its exit line and banners, and the expectations", () => {
    const text = consoleOutput((reporter) => reporter.onRunEnd({ result: timeoutRun, json: toResultJson(timeoutRun), dir: work }));
    const [death] = timeoutRun.observed.deaths;
    expect(text).toMatch(/^worker-timeout — One request blocks/m);
    expect(text).toMatch(/^Workers {3}2 booted \(\d+, \d+\) · 1 stopped$/m);
    expect(text).toMatch(
      new RegExp(`│ ${death!.pid} +│ timeout +│ critical +│ .*Worker \\(pid:${death!.pid}\\) was sent SIGABRT! +│ ABORT ✓ +│`),
    );
    expect(text).toMatch(/^PASS worker-timeout \(\d+\.\d s\)$/m);
  });

  it("names missing banners and failed expectations", () => {
    const text = consoleOutput((reporter) => reporter.onRunEnd({ result: seedDeploy, json: toResultJson(seedDeploy), dir: work }));
    expect(text).toMatch(/INTERRUPT missing/);
    expect(text).toMatch(new RegExp(`^FAIL deploy \\(\\d+\\.\\d s\\) — 1 of ${seedDeploy.expectations.length} expectations failed$`, "m"));
  });

  it("tells refusals after the master was told to stop (a deploy's design) apart from errors users saw, and what gunicorn ran with", () => {
    const text = consoleOutput((reporter) => reporter.onRunEnd({ result: seedDeploy, json: toResultJson(seedDeploy), dir: work }));
    const { errors } = seedDeploy.observed.load!;
    const line =
      /^Requests {2}[\d,]+ completed · ([\d,]+) errors \(.* ([\d,]+) refused\) · ([\d,]+) refused after the app was stopped \(by design\) · /m.exec(
        text,
      );
    expect(line, text).not.toBeNull();
    const [, shown, refusedBefore, refusedAfter] = line!.map((count) => Number(count.replace(/,/g, "")));
    expect(refusedAfter).toBeGreaterThan(1_000);
    expect(refusedBefore! + refusedAfter!).toBe(errors.refused);
    expect(shown).toBe(errors.timeout + errors.reset + errors.closed + errors.other + refusedBefore!);
    expect(text).toMatch(/^gunicorn ran with bind 127\.0\.0\.1:\d+ · workers 3 · timeout 3 s · graceful_timeout 2 s · /m);
  });

  it("summarises a catalogue, counting runs not run", () => {
    const text = consoleOutput((reporter) => reporter.onCatalogueEnd([timeoutRun, seedDeploy], 3));
    expect(text).toMatch(/│ worker-timeout +│ PASS +│/);
    expect(text).toMatch(/│ deploy +│ FAIL +│ [\d.]+ s +│ banners +│/);
    expect(text).toMatch(/^1 of 3 scenarios passed \(1 not run\)$/m);
  });
});

/** The run with an access log: `counts[i]` requests answered by its i-th booted worker, each line padded by `pad` characters. */
function withAccessLog(run: RunResult, counts: number[], pad = 0): RunResult {
  const lines: LogLine[] = [];
  const events: RunEvent[] = [];
  const parser = new GunicornLogParser((event) => events.push(event));
  const at = (run.observed.load?.startedAt ?? run.startedAt) + 100;
  for (const [i, count] of counts.entries()) {
    const pid = run.observed.roster.booted[i]!;
    for (let n = 0; n < count; n++) {
      const text = `[2026-12-07 15:23:37 +0000] [${pid}] [INFO] 127.0.0.1:5000 - "GET /health${pad ? `?${"x".repeat(pad)}` : ""} HTTP/1.1" 200`;
      const line: LogLine = { seq: run.logLines.length + lines.length + 1, at, source: "app", stream: "stdout", text };
      lines.push(line);
      parser.push(line);
    }
  }
  return {
    ...run,
    runId: `${run.runId}-access${pad ? "-large" : ""}`,
    logLines: [...run.logLines, ...lines],
    observed: { ...run.observed, events: [...run.observed.events, ...events] },
  };
}

describe("a run whose app logs every request", () => {
  const run = withAccessLog(timeoutRun, [100, 30]);
  const [busy, idle] = timeoutRun.observed.roster.booted as [number, number];
  // the two that booted, and the one that replaced the timed-out worker
  const workers = 3;
  let dir = "";
  let files: string[] = [];
  beforeAll(() => ({ dir, files } = writeRunReport(run, work, { linkLatest: false })));

  it("result.json: the access log summed up per worker (adding up), its lines out of the events, none 'not understood'", () => {
    const json = JSON.parse(read(dir, "result.json"));
    expect(resultSchema.parse(json)).toEqual(json);
    expect(json.accessLog).toEqual({
      requests: 130,
      withoutPid: 0,
      workers: [
        { pid: busy, instance: null, requests: 100, share: 100 / 130 },
        { pid: idle, instance: null, requests: 30, share: 30 / 130 },
      ].sort((a, b) => a.pid - b.pid),
      skewed: [{ pid: busy, instance: null, requests: 100, share: 100 / 130, workers, of: 130 }],
    });
    expect(json.events.some((e: { kind: string }) => e.kind === "access")).toBe(false);
    expect(json.unparsedLines).toBe(timeoutRun.unparsedLines);
    expect(toResultJson(timeoutRun).accessLog).toBeNull();
  });

  it("console: requests per worker, and the finding that one worker took most of the traffic", () => {
    const text = consoleOutput((reporter) => reporter.onRunEnd({ result: run, json: toResultJson(run), dir: work }));
    expect(text).toMatch(/^Access {4}130 requests in the app's access log, per worker: pid \d+ \d+ \(\d+%\) · pid \d+ \d+ \(\d+%\)$/m);
    expect(text).toContain(`pid ${busy} 100 (77%)`);
    expect(text).toMatch(
      new RegExp(
        `^one worker took most of the traffic: pid ${busy} answered 77% of the 130 requests the app logged, among ${workers} workers$`,
        "m",
      ),
    );
    expect(consoleOutput((reporter) => reporter.onRunEnd({ result: timeoutRun, json: toResultJson(timeoutRun), dir: work }))).not.toMatch(
      /^Access /m,
    );
  });

  it("summary.md: requests per worker and the finding", () => {
    const md = read(dir, "summary.md");
    expect(md).toMatch(/^Requests per worker \(from the access log\): 130 requests in the app's access log, per worker: /m);
    expect(md).toContain(
      `⚠️ One worker took most of the traffic: pid ${busy} answered 77% of the 130 requests the app logged, among ${workers} workers.`,
    );
  });

  it("report.html: a Requests per worker table; the raw log leaves the access lines out and says where they are", () => {
    const html = read(dir, "report.html");
    expect(html).toContain('<section id="access">');
    expect(html).toContain(`<tr><td>${busy}</td><td>100</td><td>77%</td></tr>`);
    expect(html).toContain(`One worker took most of the traffic:</strong> pid ${busy} answered 77%`);
    expect(html.match(/<span data-line>/g)).toHaveLength(timeoutRun.logLines.length);
    expect(html).toContain(
      `(${timeoutRun.logLines.length} lines; 130 access lines left out, summed up under Requests per worker; every line is in app.log, beside this page)`,
    );
    expect(html).not.toMatch(/<td>access: /);
    expect(files.map((f) => basename(f))).toContain("app.log");
  });

  it("app.log.gz: a log over 1 MiB is written gzipped, every line kept, and the page names it", () => {
    const large = withAccessLog(timeoutRun, [3000, 3000], 300);
    const written = writeRunReport(large, work, { linkLatest: false });
    expect(written.files.map((f) => basename(f))).toEqual(["result.json", "junit.xml", "summary.md", "report.html", "app.log.gz"]);
    expect(existsSync(join(written.dir, "app.log"))).toBe(false);
    const log = gunzipSync(readFileSync(join(written.dir, "app.log.gz")))
      .toString()
      .split("\n")
      .filter(Boolean);
    expect(log).toHaveLength(large.logLines.length);
    expect(log.at(-1)).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z app\/stdout \[2026-12-07 15:23:37 \+0000\] \[\d+\] \[INFO\] 127\.0\.0\.1:5000 - "GET \/health\?x+ HTTP\/1\.1" 200$/,
    );
    expect(read(written.dir, "report.html")).toContain("every line is in app.log.gz, beside this page");
  });
});

describe("a nightly's combined report", () => {
  const runs = [timeoutRun, seedDeploy, slowDb].map((run) => toResultJson(run));
  const dir = join(work, "nightly");
  const files = writeNightlyReport(
    {
      dir,
      runs,
      regressions: [{ key: "demo/deploy/trixie", kind: "banner-missing", message: 'banners newly missing: "3" <of 3>' }],
      unbaselined: ["demo/slow-db/bookworm"],
      tolerances: { errorsFactor: 2, errorsSlack: 10 },
      // Recorded on another machine: shown beside today's figures, never judged.
      baseline: {
        "demo/worker-timeout/trixie": {
          status: "passed",
          deaths: { timeout: 1 },
          bannersMissing: 0,
          errors: 0,
          p99Ms: 4.5,
          throughput: 9876.5,
        },
      },
    },
    fileReporters(),
  );

  it("writes comparison.json, junit.xml, summary.md and index.html", () => {
    expect(files.map((f) => basename(f))).toEqual(["comparison.json", "junit.xml", "summary.md", "index.html"]);
    expect(JSON.parse(read(dir, "comparison.json"))).toEqual({
      regressions: [{ key: "demo/deploy/trixie", kind: "banner-missing", message: 'banners newly missing: "3" <of 3>' }],
      unbaselined: ["demo/slow-db/bookworm"],
      tolerances: { errorsFactor: 2, errorsSlack: 10 },
    });
  });

  it("junit.xml holds one suite per run", () => {
    expect(junitCases(read(dir, "junit.xml")).map((s) => s.name)).toEqual([
      "worker-timeout (trixie, default config)",
      "deploy (trixie, seed config)",
      "slow-db (bookworm, default config)",
    ]);
  });

  it("summary.md gives the verdict and one row per run", () => {
    const summary = read(dir, "summary.md");
    expect(summary).toMatch(/^## Nightly: ❌ 1 regression\(s\) · 2 of 3 runs passed$/m);
    expect(summary).toMatch(
      /^\| scenario \| stack \| result \| deaths \| errors \| p99 ms \(measured here\) \| req\/s \(measured here\) \|$/m,
    );
    expect(summary).toMatch(
      /^\| worker-timeout \| trixie \| ✅ passed \| 1 timeout \| \d+ \| [\d.]+ \(baseline machine: 4\.5\) \| [\d.]+ \(baseline machine: 9876\.5\) \|$/m,
    );
    expect(summary).toMatch(/^\| slow-db \| bookworm \| ✅ passed \| none \| \d+ \| [\d.]+ \| [\d.]+ \|$/m); // no baseline entry: nothing beside
    expect(summary).toContain("never judged against it");
    expect(summary).toMatch(/^- \*\*demo\/deploy\/trixie\*\* \(banner-missing\): banners newly missing: "3" <of 3>$/m);
    expect(summary).toMatch(/^No baseline yet for: demo\/slow-db\/bookworm/m);
  });

  it("index.html links each run's report and escapes what it quotes", () => {
    const index = read(dir, "index.html");
    for (const run of runs) expect(index).toContain(`<a href="${run.runId}/report.html">${run.scenario.name}</a>`);
    expect(index).toContain("banners newly missing: &quot;3&quot; &lt;of 3&gt;");
    expect(index).toMatch(/<h1>1 regression\(s\)<\/h1>/);
    expect(index).toContain("<th>p99 ms (measured here)</th><th>req/s (measured here)</th>");
    expect(index).toMatch(/<td>[\d.]+ \(baseline machine: 4\.5\)<\/td><td>[\d.]+ \(baseline machine: 9876\.5\)<\/td>/);
  });
});
