import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, describe, expect, it } from "vitest";
import { type CapacityReport, type ConfigurationResult, capacityReportSchema, type TrialRecord } from "../capacity/capacity-result.ts";
import { chartsDrawn, itInChromium, openOffline } from "../testing/chromium.ts";
import { writeCapacityReport } from "./capacity-report.ts";

const work = mkdtempSync(join(tmpdir(), "capacity-report-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOSTILE = `</script><script>alert("x & y")</script>`;
const SLO = { text: "p99<=250ms,errors<=0.1%", latency: [{ percentile: 99 as const, maxMs: 250 }], maxErrorRatio: 0.001 };

/** A constant-rate trial on a server whose p99 climbs past the SLO's 250 ms above `knee` req/s. */
function trial(phase: TrialRecord["phase"], rateRps: number, knee: number, more: Partial<TrialRecord> = {}): TrialRecord {
  const over = rateRps > knee;
  const p99 = over ? Math.round(300 + (rateRps - knee) * 40) : Math.round(20 + (rateRps / knee) * 60);
  return {
    phase,
    rateRps,
    durationS: phase === "confirm" ? 8 : 3,
    met: !over,
    missed: over ? [`p99 ${p99} ms > 250 ms`, "answered 81 % of the offered rate (a queue grew; at least 95 % needed)"] : [],
    achievedRps: over ? Math.round(knee * 1.02) : rateRps,
    errorRatio: over ? 0.004 : 0,
    latencyMs: { count: rateRps * 3, p50: Math.round(p99 / 4), p90: Math.round(p99 / 2), p99, max: p99 * 2, mean: Math.round(p99 / 3) },
    lateStarts: over ? 120 : 0,
    notStarted: over ? 7 : 0,
    generator: { scheduleLagP99Ms: 1.2, cpuShare: 0.31 },
    resources: { workerCpu: { "101": over ? 0.98 : 0.7 }, machineCpu: 0.6, machineCores: 2, oomKills: 0, poolTimeouts: 0 },
    ...more,
  };
}

/** A configuration measured by a search around `knee` (bracket, bisection, a confirmation at the answer). */
function measured(label: string, knee: number, more: Partial<ConfigurationResult> = {}): ConfigurationResult {
  const capacity = Math.floor(knee);
  const firstFail = Math.round(knee * 1.03);
  const confirm = trial("confirm", capacity, knee);
  return {
    label,
    role: "candidate",
    round: 1,
    workers: 2,
    memoryLimitMb: 512,
    suite: "trixie",
    image: "chaos-app:trixie",
    versions: { gunicorn: "23.0.0", uvicorn: "0.35.0", python: "3.13.5", http: "httptools", loop: "uvloop 0.21.0" },
    peakRps: Math.round(knee * 1.1),
    capacityRps: capacity,
    firstFailRps: firstFail,
    confirmed: true,
    atCapacity: {
      offeredRps: confirm.rateRps,
      achievedRps: confirm.achievedRps,
      errorRatio: confirm.errorRatio,
      latencyMs: confirm.latencyMs,
      durationS: confirm.durationS,
    },
    limiting: {
      kind: "worker-cpu",
      summary: "worker CPU: 2 workers at 98 % of a core each",
      evidence: [`pid 101: 0.98 cores at ${firstFail} req/s`, "pid 102: 0.97 cores & climbing"],
    },
    confidence: "high",
    confidenceWhy: [`confirmed by a longer trial, bracketed ${capacity}–${firstFail} req/s`],
    meetsRequirement: capacity >= 300,
    searchS: 61.4,
    trials: [
      trial("peak", Math.round(knee * 1.1), knee, { met: true, missed: [] }),
      trial("search", Math.round(knee * 0.5), knee),
      trial("search", Math.round(knee * 1.2), knee),
      trial("search", Math.round(knee * 0.85), knee),
      trial("search", firstFail, knee),
      trial("search", capacity, knee),
      trial("search", Math.round(knee * 1.4), knee, { inconclusive: "the generator lagged its schedule (p99 41 ms)", met: false }),
      confirm,
    ],
    ...more,
  };
}

function report(more: Partial<CapacityReport>): CapacityReport {
  return {
    version: 1,
    kind: "capacity",
    runId: "20261126T120000Z-capacity-ab12",
    startedAt: "2026-11-26T12:00:00.000Z",
    endedAt: "2026-11-26T12:05:30.000Z",
    status: "passed",
    summary: "",
    target: { name: "demo & co", file: "examples/demo.target.ts" },
    url: null,
    requests: [{ path: "/items?limit=10&offset=0", weight: 1 }],
    slo: SLO,
    requireRps: 300,
    machine: { cores: 2, node: "v20.19.0" },
    configurations: [],
    comparison: null,
    ...more,
  };
}

/** Two worker counts, the second could not boot: status "error". */
const withError = report({
  status: "error",
  summary: `1 configuration(s) could not be measured: workers=4 memory=256MB ${HOSTILE}`,
  configurations: [
    measured("workers=2 memory=512MB", 412.5, {
      limiting: { kind: "worker-cpu", summary: `worker CPU ${HOSTILE}`, evidence: [`evidence ${HOSTILE}`] },
    }),
    measured("workers=1 memory=512MB", 190.2, { workers: 1, meetsRequirement: false, versions: { http: "h11", loop: "asyncio" } }),
    {
      ...measured("workers=4 memory=256MB", 0),
      workers: 4,
      memoryLimitMb: 256,
      versions: {},
      image: null,
      peakRps: 0,
      capacityRps: 0,
      firstFailRps: null,
      confirmed: false,
      atCapacity: null,
      limiting: { kind: "unknown", summary: "not measured", evidence: [] },
      confidence: "low",
      confidenceWhy: [],
      meetsRequirement: null,
      searchS: 0,
      trials: [],
      error: `the app did not answer /health within 60 s: ${HOSTILE}`,
    },
  ],
});

/** A B B A: the candidate is clearly slower than the reference, beyond the spread between rounds. */
const compared = report({
  status: "failed",
  summary: "capacity regression: workers=2: regression: 85 req/s lower (21 %)",
  requireRps: null,
  configurations: [
    measured("reference workers=2 #1", 405, { role: "reference", meetsRequirement: null, image: "chaos-app:previous" }),
    measured("candidate workers=2 #1", 322, { meetsRequirement: null }),
    measured("candidate workers=2 #2", 318, { round: 2, meetsRequirement: null }),
    measured("reference workers=2 #2", 401, { role: "reference", round: 2, meetsRequirement: null, image: "chaos-app:previous" }),
  ],
  comparison: {
    reference: "chaos-app:previous <b>&</b>",
    order: "A B B A (A: reference, B: candidate)",
    byConfiguration: [
      {
        configuration: "workers=2",
        referenceRps: [405, 401],
        candidateRps: [322, 318],
        spreadRps: 4,
        dropRps: 83,
        regression: true,
        verdict: "regression: 83 req/s lower (21 %), beyond the 4 req/s spread between rounds",
      },
      {
        configuration: "workers=4",
        referenceRps: [700],
        candidateRps: [650, 640],
        spreadRps: 10,
        dropRps: 55,
        regression: false,
        verdict: "not judged: a round could not be measured",
      },
    ],
  },
});

/** Short of --require only because the generator could not offer the rate. */
const inconclusive = report({
  status: "inconclusive",
  summary: "the load generator could not offer 300 req/s on this machine; workers=1: 190 req/s",
  configurations: [measured("workers=1", 190.2, { meetsRequirement: false })],
});

type JunitCase = {
  name: string;
  classname: string;
  properties?: { property: Array<{ name: string; value: string }> | { name: string; value: string } };
  failure?: { message: string; type: string };
  error?: { message: string; type: string };
  skipped?: unknown;
};

function junitOf(dir: string) {
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", allowBooleanAttributes: true }).parse(
    readFileSync(join(dir, "junit.xml"), "utf8"),
  );
  const suites = [parsed.testsuites.testsuite].flat();
  expect(suites).toHaveLength(1);
  const cases = [suites[0].testcase].flat() as JunitCase[];
  const props = (c: JunitCase) => Object.fromEntries([c.properties?.property ?? []].flat().map((p) => [p.name, String(p.value)]));
  return { suite: suites[0], cases, props };
}

const write = (name: string, r: CapacityReport) => {
  const dir = join(work, name);
  return { dir, files: writeCapacityReport(r, dir) };
};
const html = (dir: string) => readFileSync(join(dir, "report.html"), "utf8");

describe("the capacity report folder", () => {
  it("creates the folder and returns capacity.json, junit.xml and report.html", () => {
    const { dir, files } = write("error", withError);
    expect(files.map((f) => basename(f))).toEqual(["capacity.json", "junit.xml", "report.html"]);
    expect(files.every((f) => f.startsWith(dir) && existsSync(f))).toBe(true);
  });

  it("capacity.json: the report exactly, two-space indented, valid against its schema", () => {
    for (const [name, r] of [
      ["error", withError],
      ["compared", compared],
    ] as const) {
      const { dir } = write(name, r);
      const text = readFileSync(join(dir, "capacity.json"), "utf8");
      expect(text).toBe(`${JSON.stringify(r, null, 2)}\n`);
      const json = JSON.parse(text);
      expect(capacityReportSchema.parse(json)).toEqual(r);
    }
  });

  it("junit.xml: a testcase per configuration, a failure below --require, an error when not measured", () => {
    const { dir } = write("error", withError);
    const { suite, cases, props } = junitOf(dir);
    expect(suite.name).toBe("capacity");
    expect(Number(suite.tests)).toBe(3);
    expect(Number(suite.failures)).toBe(1);
    expect(Number(suite.errors)).toBe(1);
    expect(cases.map((c) => c.name)).toEqual(["workers=2 memory=512MB", "workers=1 memory=512MB", "workers=4 memory=256MB"]);
    const [two, one, four] = cases as [JunitCase, JunitCase, JunitCase];
    expect(two.failure).toBeUndefined();
    expect(two.error).toBeUndefined();
    expect(props(two)).toEqual({ capacityRps: "412", firstFailRps: "425", confidence: "high", limiting: "worker-cpu" });
    expect(one.failure?.message).toBe("190 req/s sustained under p99<=250ms,errors<=0.1%, below the required 300 req/s");
    expect(four.error?.message).toBe(`the app did not answer /health within 60 s: ${HOSTILE}`);
    expect(props(four)).toMatchObject({ capacityRps: "0", firstFailRps: "none" });
  });

  it("junit.xml: a comparison fails on a regression and is skipped when a round is missing", () => {
    const { dir } = write("compared", compared);
    const { cases, props } = junitOf(dir);
    expect(cases).toHaveLength(6);
    const comparisons = cases.slice(4);
    expect(comparisons.map((c) => c.name)).toEqual([
      "compare workers=2 with chaos-app:previous <b>&</b>",
      "compare workers=4 with chaos-app:previous <b>&</b>",
    ]);
    expect(comparisons[0]!.failure).toEqual({ message: compared.comparison!.byConfiguration[0]!.verdict, type: "regression" });
    expect(props(comparisons[0]!)).toMatchObject({ referenceRps: "405,401", candidateRps: "322,318", spreadRps: "4", dropRps: "83" });
    expect(comparisons[1]!.failure).toBeUndefined();
    expect(comparisons[1]!.skipped).toBeDefined();
    expect(cases.slice(0, 4).every((c) => !c.failure && !c.error)).toBe(true);
  });

  it("junit.xml: an inconclusive report is an error of type inconclusive, never a failure", () => {
    const { dir } = write("inconclusive", inconclusive);
    const { suite, cases } = junitOf(dir);
    expect(Number(suite.failures)).toBe(0);
    expect(cases[0]!.failure).toBeUndefined();
    expect(cases[0]!.error).toEqual({ message: `INCONCLUSIVE: ${inconclusive.summary}`, type: "inconclusive" });
  });

  it("report.html: every configuration and figure, the strings escaped, no </script> from the data", () => {
    const { dir } = write("error", withError);
    const page = html(dir);
    for (const c of withError.configurations) {
      expect(page).toContain(`<td>${c.label}</td>`);
      if (!c.error) expect(page).toContain(`<strong>${c.capacityRps}</strong>`);
    }
    expect(page).toContain("httptools / uvloop 0.21.0");
    expect(page).toContain("h11 / asyncio");
    expect(page).toContain("demo &amp; co");
    expect(page).toContain("/items?limit=10&amp;offset=0");
    expect(page).toContain("&lt;/script&gt;&lt;script&gt;alert(&quot;x &amp; y&quot;)&lt;/script&gt;");
    expect(page).toContain("pid 102: 0.97 cores &amp; climbing");
    expect(page).not.toContain("<script>alert");
    expect(page).toContain('<canvas id="capacity-chart"');
    expect(page).toContain("p99&lt;=250ms,errors&lt;=0.1%");
    expect(page).toContain("<strong>300 req/s</strong>");
    expect(page).toContain("2 cores, Node v20.19.0");
    // Every </script> closes one of the report's own script elements: none comes from the data.
    expect(page.match(/<\/script/gi)).toHaveLength(page.match(/<script[\s>]/gi)!.length);
    expect(page).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
  });

  it("report.html: the chart's data reads back, one line per measured configuration, the knee and the SLO limit", () => {
    const { dir } = write("error", withError);
    const embedded = /<script type="application\/json" id="capacity-data">([^<]*)<\/script>/.exec(html(dir));
    expect(embedded).not.toBeNull();
    const data = JSON.parse(embedded![1]!) as {
      p99Limit: number;
      lines: Array<{ label: string; capacityRps: number; points: Array<{ x: number; p99: number; met: boolean; phase: string }> }>;
    };
    expect(data.p99Limit).toBe(250);
    expect(data.lines.map((l) => [l.label, l.capacityRps])).toEqual([
      ["workers=2 memory=512MB", 412],
      ["workers=1 memory=512MB", 190],
    ]);
    const points = data.lines[0]!.points;
    expect(points.map((p) => p.x)).toEqual([206, 351, 412, 412, 425, 495]);
    expect(points.some((p) => p.phase === "confirm")).toBe(true);
    expect(points.filter((p) => !p.met).every((p) => p.p99 > 250)).toBe(true);
  });

  it("report.html: every trial in a collapsible block, the comparison table when there is one", () => {
    const withErrorPage = html(write("error", withError).dir);
    expect(withErrorPage.match(/<details class="trials">/g)).toHaveLength(3);
    expect(withErrorPage).toContain("INCONCLUSIVE</span> the generator lagged its schedule (p99 41 ms)");
    expect(withErrorPage).toContain("p99 800 ms &gt; 250 ms; answered 81 % of the offered rate");
    expect(withErrorPage).toContain("closed-loop estimate");
    expect(withErrorPage).not.toContain('id="comparison"');

    const comparedPage = html(write("compared", compared).dir);
    expect(comparedPage).toContain('id="comparison"');
    expect(comparedPage).toContain("chaos-app:previous &lt;b&gt;&amp;&lt;/b&gt;");
    expect(comparedPage).toContain("405, 401");
    expect(comparedPage).toContain("regression: 83 req/s lower (21 %), beyond the 4 req/s spread between rounds");
    for (const c of compared.configurations) expect(comparedPage).toContain(`<strong>${c.capacityRps}</strong>`);
  });

  itInChromium(
    "report.html: the chart draws in Chromium with no console error and no network",
    async () => {
      const { dir } = write("error", withError);
      const report = await openOffline(join(dir, "report.html"), chartsDrawn);
      try {
        expect((await report.inkByCanvas())["capacity-chart"]).toBeGreaterThan(2_000);
        expect(report.errors).toEqual([]);
      } finally {
        await report.close();
      }
    },
    30_000,
  );
});
