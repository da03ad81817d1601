import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CapacityReport, type ConfigurationResult, measuredSystem, type TrialRecord } from "../capacity/capacity-result.ts";
import { percent } from "../capacity/slo.ts";
import type { CapacityPageData } from "./client/capacity-page-data.ts";
import { escapeHtml } from "./format.ts";
import { chartLibraries, clientScript, pageCss, scriptJson } from "./html-page.ts";
import type { CapacityRunReport, Reporter } from "./reporter.ts";

/** report.html for a capacity run: one self-contained file, the figures, latency against offered rate with each knee marked, every trial. */
export class CapacityHtmlReporter implements Reporter {
  onCapacityEnd({ report, dir }: CapacityRunReport): string[] {
    const file = join(dir, "report.html");
    writeFileSync(file, capacityHtml(report));
    return [file];
  }
}

const dash = "—";
const orDash = (value: string | number | null | undefined) =>
  value === null || value === undefined || value === "" ? dash : String(value);

/** The chart's data: per configuration, p99 against offered rate over its constant-rate trials, and its knee. */
function chartData(report: CapacityReport): CapacityPageData {
  const p99Limit = report.slo.latency.find((l) => l.percentile === 99)?.maxMs ?? null;
  return {
    p99Limit,
    lines: report.configurations
      .filter((c) => !c.error)
      .map((c) => ({
        label: c.label,
        capacityRps: c.capacityRps,
        points: c.trials
          .filter((t) => (t.phase === "search" || t.phase === "confirm") && !t.inconclusive)
          .sort((a, b) => a.rateRps - b.rateRps || a.durationS - b.durationS)
          .map((t) => ({ x: t.rateRps, p99: t.latencyMs.p99, met: t.met, phase: t.phase })),
      })),
  };
}

function versionCell(c: ConfigurationResult): string {
  const http = c.versions.http;
  const loop = c.versions.loop;
  if (!http && !loop) return dash;
  return escapeHtml(`${http ?? "?"} / ${loop ?? "?"}`);
}

function configurationRow(report: CapacityReport, c: ConfigurationResult): string {
  const head = `<td>${escapeHtml(c.label)}</td><td>${orDash(c.workers)}</td><td>${c.memoryLimitMb === null ? dash : `${c.memoryLimitMb} MB`}</td><td>${escapeHtml(orDash(c.suite))}</td><td>${versionCell(c)}</td>`;
  if (c.error) return `<tr class="error">${head}<td colspan="8"><strong>not measured:</strong> ${escapeHtml(c.error)}</td></tr>`;
  const at = c.atCapacity;
  const requirement =
    c.meetsRequirement === null
      ? ""
      : c.meetsRequirement
        ? ` <span class="pass">≥ ${report.requireRps}</span>`
        : ` <span class="fail">&lt; ${report.requireRps}</span>`;
  return `<tr class="${c.meetsRequirement === false ? "failed" : ""}">${head}
<td class="num"><strong>${c.capacityRps}</strong>${requirement}${c.confirmed ? "" : ' <span class="muted">(unconfirmed)</span>'}</td>
<td class="num">${c.firstFailRps ?? "none"}</td>
<td class="num">${at ? `${at.latencyMs.p50} / ${at.latencyMs.p99}` : dash}</td>
<td class="num">${at ? percent(at.errorRatio) : dash}</td>
<td class="num">${at ? `${at.achievedRps} / ${at.offeredRps}` : dash}</td>
<td>${escapeHtml(c.limiting.summary)} <span class="muted">(${c.limiting.kind})</span>${list(c.limiting.evidence)}</td>
<td class="confidence-${c.confidence}">${c.confidence}${list(c.confidenceWhy)}</td>
<td class="num">${c.peakRps}</td></tr>`;
}

const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>` : "");

function trialVerdict(t: TrialRecord): string {
  if (t.phase === "peak") return '<span class="muted">closed-loop estimate (not judged)</span>';
  if (t.inconclusive) return `<span class="inconclusive">INCONCLUSIVE</span> ${escapeHtml(t.inconclusive)}`;
  if (t.met) return '<span class="pass">met</span>';
  return `<span class="fail">missed</span> ${escapeHtml(t.missed.join("; "))}`;
}

function trialsDetails(c: ConfigurationResult): string {
  const rows = c.trials.map(
    (t) =>
      `<tr><td>${t.phase}</td><td class="num">${t.rateRps}</td><td class="num">${t.durationS} s</td><td>${trialVerdict(t)}</td>` +
      `<td class="num">${t.latencyMs.p50} / ${t.latencyMs.p99}</td><td class="num">${percent(t.errorRatio)}</td><td class="num">${t.achievedRps}</td>` +
      `<td class="num">${t.lateStarts}</td><td class="num">${t.notStarted}</td><td class="num">${t.generator.scheduleLagP99Ms} ms</td>` +
      `<td class="num">${Math.round(t.generator.cpuShare * 100)} %</td></tr>`,
  );
  const summary = c.error
    ? `${escapeHtml(c.label)}: not measured`
    : `${escapeHtml(c.label)}: ${c.trials.length} trial(s) in ${c.searchS} s${c.image ? ` · ${escapeHtml(c.image)}` : ""}`;
  const versions = Object.entries(c.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(" · ");
  return `<details class="trials"><summary>${summary}</summary>
${versions ? `<p class="muted">${escapeHtml(versions)}</p>` : ""}
${c.error ? `<p><strong>Error:</strong> ${escapeHtml(c.error)}</p>` : ""}
${
  rows.length
    ? `<table><thead><tr><th>phase</th><th>rate req/s</th><th>duration</th><th>SLO</th><th>p50 / p99 ms</th><th>errors</th><th>answered/s</th><th>late starts</th><th>not started</th><th>generator lag p99</th><th>generator CPU</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`
    : "<p>No trial ran.</p>"
}
</details>`;
}

function comparisonSection(report: CapacityReport): string {
  const comparison = report.comparison;
  if (!comparison) return "";
  const rows = comparison.byConfiguration.map(
    (e) =>
      `<tr class="${e.regression ? "failed" : ""}"><td>${escapeHtml(e.configuration)}</td><td class="num">${e.referenceRps.join(", ") || dash}</td>` +
      `<td class="num">${e.candidateRps.join(", ") || dash}</td><td class="num">${e.spreadRps}</td><td class="num">${e.dropRps}</td>` +
      `<td class="${e.regression ? "fail" : ""}">${escapeHtml(e.verdict)}</td></tr>`,
  );
  return `<section id="comparison"><h2>Comparison with ${escapeHtml(comparison.reference)} <span class="muted">(${escapeHtml(comparison.order)})</span></h2>
<table><thead><tr><th>configuration</th><th>reference rounds req/s</th><th>candidate rounds req/s</th><th>spread req/s</th><th>drop req/s</th><th>verdict</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<p class="muted">A drop counts as a regression only when it is larger than the spread between two rounds of the same build, measured in this job on this machine.</p></section>`;
}

/** report.html: one self-contained file (chart.js inlined, data as JSON that cannot close its <script>). */
function capacityHtml(report: CapacityReport): string {
  const system = report.target ? `${report.target.name} (${report.target.file})` : (report.url ?? "unknown");
  const requests = report.requests.map((r) => `${r.path}${report.requests.length > 1 ? ` ×${r.weight}` : ""}`).join(", ");
  const data = chartData(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Capacity ${report.status.toUpperCase()} ${measuredSystem(report)} — ${report.runId}`)}</title>
<style>
${pageCss(1300)}
td.num { text-align: right; white-space: nowrap; }
td ul { margin: 2px 0 0; padding-left: 18px; font-size: 12px; color: #656d76; }
tr.failed td:first-child, tr.error td:first-child { border-left: 3px solid #cf222e; }
.pass { color: #1a7f37; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; } .inconclusive { color: #9a6700; font-weight: 600; }
.confidence-high { color: #1a7f37; } .confidence-medium { color: #9a6700; } .confidence-low { color: #cf222e; }
details.trials { margin: 8px 0; } details.trials summary { cursor: pointer; font-weight: 600; }
</style>
</head>
<body>
<header class="verdict ${report.status}">${report.status.toUpperCase()} · capacity of ${escapeHtml(measuredSystem(report))}
<small>${escapeHtml(report.summary)}</small></header>
<main>
<section id="summary">
<p>Run <code>${escapeHtml(report.runId)}</code> · ${escapeHtml(report.startedAt)} → ${escapeHtml(report.endedAt)}</p>
<p>System: ${escapeHtml(system)} · requests: ${escapeHtml(requests || dash)}</p>
<p>SLO: <strong>${escapeHtml(report.slo.text)}</strong> (${report.slo.latency.map((l) => `p${l.percentile} ≤ ${l.maxMs} ms`).join(", ") || "no latency limit"}, errors ≤ ${percent(report.slo.maxErrorRatio)}) · required rate: ${report.requireRps === null ? "none declared (--require)" : `<strong>${report.requireRps} req/s</strong>`}</p>
<p>Machine: ${report.machine.cores} cores, Node ${escapeHtml(report.machine.node)} <span class="muted">(the load generator ran on it too: the figures are this machine's)</span></p>
</section>
<section id="configurations"><h2>Configurations <span class="muted">(capacity: the highest constant rate that met the SLO)</span></h2>
<table><thead><tr><th>configuration</th><th>workers</th><th>memory</th><th>suite</th><th>HTTP parser / loop</th><th>capacity req/s</th><th>first fail req/s</th><th>p50 / p99 ms at capacity</th><th>errors at capacity</th><th>answered / offered req/s</th><th>limiting resource</th><th>confidence</th><th>closed-loop peak req/s</th></tr></thead><tbody>
${report.configurations.map((c) => configurationRow(report, c)).join("\n")}
</tbody></table></section>
<section id="latency"><h2>Latency vs offered rate <span class="muted">(p99 of each constant-rate trial, from each request's intended start; knees marked; inconclusive trials left out)</span></h2>
<div class="chart tall"><canvas id="capacity-chart" aria-label="p99 latency against offered rate, one line per configuration"></canvas></div>
${data.p99Limit === null ? '<p class="muted">The SLO sets no p99 limit: no limit line drawn.</p>' : ""}</section>
${comparisonSection(report)}
<section id="trials"><h2>Trials</h2>
${report.configurations.map(trialsDetails).join("\n")}
</section>
</main>
${chartLibraries()}
<script type="application/json" id="capacity-data">${scriptJson(data)}</script>
${clientScript("capacity-page.js")}
</body>
</html>
`;
}
