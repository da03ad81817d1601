import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Progress } from "../core/progress.ts";
import type { SuiteName } from "../images/suites.ts";
import { junitXml } from "../report/junit-report.ts";
import { markdownCell } from "../report/markdown-summary.ts";
import type { ResultJson } from "../report/result-json.ts";
import { pointLatestAt, REPORTS_DIR, writeRunReport } from "../report/write-run-report.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import { runScenario } from "../scenario/run-scenario.ts";
import { type Baseline, baselineEntry, baselineKey, compareToBaseline, type Regression, readBaseline, writeBaseline } from "./baseline.ts";

export interface NightlyOptions {
  suites: SuiteName[];
  scenarios: string[];
  baselineFile: string;
  updateBaseline: boolean;
  progress: Progress;
  signal: AbortSignal;
  reportsDir?: string;
}

export interface NightlyOutcome {
  dir: string;
  results: ResultJson[];
  regressions: Regression[];
  /** Runs with no baseline to compare with. */
  unbaselined: string[];
  baseline: Baseline | undefined;
}

/** Runs the catalogue on each stack, writes one combined report, and compares every run with the baseline. */
export async function runNightly(options: NightlyOptions): Promise<NightlyOutcome> {
  const parent = options.reportsDir ?? REPORTS_DIR;
  const dir = nightlyDir(parent);
  mkdirSync(dir, { recursive: true });
  const baseline = readBaseline(options.baselineFile);
  const results: ResultJson[] = [];
  const regressions: Regression[] = [];
  const unbaselined: string[] = [];
  const total = options.suites.length * options.scenarios.length;
  for (const suite of options.suites) {
    for (const name of options.scenarios) {
      if (options.signal.aborted) break;
      options.progress.info(`\n[${results.length + 1}/${total}] ${name} on ${suite}`);
      const run = await runScenario(await loadScenario(name), { progress: options.progress, signal: options.signal, overrides: { suite } });
      const { result } = writeRunReport(run, dir, { linkLatest: false });
      results.push(result);
      const key = baselineKey(result);
      const before = baseline?.scenarios[key];
      if (!before) unbaselined.push(key);
      else regressions.push(...compareToBaseline(key, baselineEntry(result), before, baseline.tolerances));
      options.progress.info(`${result.status.toUpperCase()} ${key}${regressions.some((r) => r.key === key) ? " — regression" : ""}`);
    }
  }
  const outcome: NightlyOutcome = { dir, results, regressions, unbaselined, baseline };
  writeFileSync(join(dir, "junit.xml"), junitXml(results));
  writeFileSync(join(dir, "summary.md"), nightlySummaryMarkdown(outcome));
  writeFileSync(join(dir, "index.html"), nightlyIndexHtml(outcome));
  writeFileSync(
    join(dir, "comparison.json"),
    `${JSON.stringify({ regressions, unbaselined, tolerances: baseline?.tolerances ?? null }, null, 2)}\n`,
  );
  if (options.updateBaseline && !options.signal.aborted) outcome.baseline = writeBaseline(options.baselineFile, results, baseline);
  pointLatestAt(parent, dir);
  return outcome;
}

function nightlyDir(parent: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const plain = join(parent, `nightly-${date}`);
  return existsSync(plain) ? `${plain}-${new Date().toISOString().slice(11, 19).replace(/:/g, "")}` : plain;
}

const ICON = { passed: "✅", failed: "❌", aborted: "⚠️", error: "💥" } as const;

export function nightlySummaryMarkdown(outcome: NightlyOutcome): string {
  const passed = outcome.results.filter((r) => r.status === "passed").length;
  const verdict = outcome.regressions.length ? `❌ ${outcome.regressions.length} regression(s)` : "✅ no regression";
  const lines = [`## Nightly: ${verdict} · ${passed} of ${outcome.results.length} runs passed`, ""];
  lines.push("| scenario | stack | result | deaths | errors | p99 ms | req/s |", "|---|---|---|---|---|---|---|");
  for (const r of outcome.results) {
    const entry = baselineEntry(r);
    const deaths =
      Object.entries(entry.deaths)
        .map(([c, n]) => `${n} ${c}`)
        .join(", ") || "none";
    lines.push(
      `| ${r.scenario.name} | ${r.stack.name} | ${ICON[r.status]} ${r.status} | ${deaths} | ${entry.errors} | ${entry.p99Ms} | ${entry.throughput} |`,
    );
  }
  lines.push("");
  if (outcome.regressions.length) {
    lines.push("### Regressions", "");
    for (const r of outcome.regressions) lines.push(`- **${r.key}** (${r.kind}): ${markdownCell(r.message)}`);
    lines.push("");
  }
  if (outcome.unbaselined.length)
    lines.push(`No baseline yet for: ${outcome.unbaselined.join(", ")} (run \`npm run nightly -- --update-baseline\`).`, "");
  return lines.join("\n");
}

function nightlyIndexHtml(outcome: NightlyOutcome): string {
  const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const rows = outcome.results.map((r) => {
    const entry = baselineEntry(r);
    const regressions = outcome.regressions.filter((x) => x.key === baselineKey(r));
    const deaths =
      Object.entries(entry.deaths)
        .map(([c, n]) => `${n} ${c}`)
        .join(", ") || "none";
    const link = relative(outcome.dir, join(outcome.dir, r.runId, "report.html"));
    return `<tr class="${r.status}"><td><a href="${esc(link)}">${esc(r.scenario.name)}</a></td><td>${esc(r.stack.name)}</td><td>${r.status}</td><td>${esc(deaths)}</td><td>${entry.errors}</td><td>${entry.p99Ms}</td><td>${entry.throughput}</td><td>${esc(regressions.map((x) => x.message).join("; "))}</td></tr>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nightly ${esc(outcome.dir.split("/").at(-1) ?? "")}</title>
<style>body{font:14px system-ui,sans-serif;margin:20px}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
tr.failed td,tr.error td{color:#cf222e}tr.aborted td{color:#9a6700}</style></head><body>
<h1>${outcome.regressions.length ? `${outcome.regressions.length} regression(s)` : "No regression"}</h1>
<table><thead><tr><th>scenario</th><th>stack</th><th>result</th><th>deaths</th><th>errors</th><th>p99 ms</th><th>req/s</th><th>regressions</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>
<p><a href="junit.xml">junit.xml</a> · <a href="summary.md">summary.md</a> · <a href="comparison.json">comparison.json</a></p>
</body></html>
`;
}
