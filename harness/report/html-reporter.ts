import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { baselineEntry, baselineKey, measuredHere } from "../baseline/baseline.ts";
import { formatEvidence } from "../classify/death-wording.ts";
import type { DeployStepEvent, RunEvent } from "../events/events.ts";
import { formatEvent } from "../events/format-event.ts";
import { totalErrors } from "../load/load-result.ts";
import { describeTermination, isFailedLbRequest } from "../logs/haproxy-log.ts";
import { describeSkew } from "../logs/requests-per-worker.ts";
import { type Observed, workerLabel } from "../scenario/expectations.ts";
import { stepName, traceLostRequests } from "../scenario/lost-requests.ts";
import { type ResultJson, runStack } from "../scenario/result-json.ts";
import type { RunResult } from "../scenario/run-result.ts";
import type { Lifeline, ReplicaChart, ReportPageData } from "./client/report-page-data.ts";
import { describeCounts, describeGunicornSettings, escapeHtml } from "./format.ts";
import { chartLibraries, clientScript, pageCss, SEVERITY_COLOURS, scriptJson } from "./html-page.ts";
import { appLogName } from "./log-reporter.ts";
import type { NightlyReport, Reporter, RunReport } from "./reporter.ts";

const MAX_LOG_LINES = 20_000;
const ROUTINE = new Set<RunEvent["kind"]>(["log-record", "worker-lifecycle", "unparsed", "access"]);

/** report.html for a run (one self-contained file); index.html for a nightly, linking each run's report. */
export class HtmlReporter implements Reporter {
  onRunEnd({ result, json, dir }: RunReport): string[] {
    return [write(join(dir, "report.html"), htmlReport(json, result))];
  }

  onNightlyEnd(nightly: NightlyReport): string[] {
    return [write(join(nightly.dir, "index.html"), nightlyIndexHtml(nightly))];
  }
}

function write(file: string, html: string): string {
  writeFileSync(file, html);
  return file;
}

/**
 * One bar per worker: from its boot to its death (or the end of the run), in seconds since the load started,
 * grouped by replica. A worker is its pid within its replica: every replica's first worker is pid 7, and each
 * is a bar of its own.
 */
function lifelines(result: ResultJson, observed: Observed, origin: number, end: number): Lifeline[] {
  const deaths = new Map(result.deaths.map((d) => [workerLabel({ pid: d.pid, instance: d.instance ?? undefined }), d]));
  const boots = new Map<string, number>();
  for (const e of observed.events) if (e.kind === "worker-boot" && !boots.has(workerLabel(e))) boots.set(workerLabel(e), e.at);
  const rosters: Array<{ instance?: string; roster: Observed["roster"] }> = observed.replicas ?? [{ roster: observed.roster }];
  return rosters
    .flatMap(({ instance, roster }) =>
      roster.booted.flatMap((pid) => {
        const key = workerLabel({ pid, instance });
        const bootedAt = boots.get(key);
        if (bootedAt === undefined) return [];
        const death = deaths.get(key);
        return [
          {
            instance: instance ?? "",
            label: instance ? key : `pid ${pid}`,
            from: (bootedAt - origin) / 1000,
            to: death?.at ? (Date.parse(death.at) - origin) / 1000 : end,
            cause: death?.cause ?? null,
            severity: death?.severity ?? null,
          },
        ];
      }),
    )
    .sort((a, b) => byName(a.instance, b.instance) || a.from - b.from)
    .map(({ instance: _grouped, ...line }) => line);
}

/** The colour of a deploy step's line: what it does to users' requests. */
const STEP_COLOUR: Record<DeployStepEvent["action"], string> = {
  sigterm: "#cf222e",
  sigkill: "#cf222e",
  unready: "#bf8700",
  drain: "#bf8700",
  "pre-stop": "#bf8700",
  exited: "#57606a",
  remove: "#57606a",
  start: "#1a7f37",
  healthy: "#1a7f37",
  enable: "#1a7f37",
};
const STEP_PRECEDENCE = Object.keys(STEP_COLOUR) as Array<DeployStepEvent["action"]>;

/** web-2 before web-10. */
const byName = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** What the balancer sent each replica, second by second, with the deploy's steps; undefined without a balancer. */
function replicaChart(events: readonly RunEvent[], origin: number): ReplicaChart | undefined {
  const requests = events.filter((e) => e.kind === "lb-request");
  if (requests.length === 0) return undefined;
  const secondOf = (at: number) => Math.floor((at - origin) / 1000);
  const perServer = new Map<string, Map<number, number>>();
  const lost = new Map<number, number>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const count = (bins: Map<number, number>, second: number) => bins.set(second, (bins.get(second) ?? 0) + 1);
  for (const request of requests) {
    const second = secondOf(request.acceptedAt);
    first = Math.min(first, second);
    last = Math.max(last, second);
    if (isFailedLbRequest(request)) count(lost, second);
    else {
      if (!perServer.has(request.server)) perServer.set(request.server, new Map());
      count(perServer.get(request.server)!, second);
    }
  }
  // Every second of the load for every series (they stack), and one more point to close the last second's step.
  const span = (bins: Map<number, number>) =>
    Array.from({ length: last - first + 2 }, (_, i) => ({ x: first + i, y: bins.get(Math.min(first + i, last)) ?? 0 }));
  const servers = [...perServer].sort(([a], [b]) => byName(a, b)).map(([name, bins]) => ({ name, points: span(bins) }));
  const steps: ReplicaChart["steps"] = [];
  let group: { at: number; actions: Array<DeployStepEvent["action"]>; labels: string[] } | undefined;
  const close = () => {
    if (!group) return;
    const worst = STEP_PRECEDENCE.find((action) => group!.actions.includes(action))!;
    steps.push({ at: (group.at - origin) / 1000, labels: group.labels, colour: STEP_COLOUR[worst] });
  };
  for (const step of events.filter((e) => e.kind === "deploy").sort((a, b) => a.at - b.at)) {
    if (!group || step.at - group.at > 50) {
      close();
      group = { at: step.at, actions: [], labels: [] };
    }
    group.actions.push(step.action);
    group.labels.push(`r${step.round} ${step.action} ${step.instance}`);
  }
  close();
  return { servers, lost: span(lost), steps };
}

/** The Replicas section: requests per replica per second, the deploy's steps, and what users lost in each. */
function replicasSection(result: ResultJson, observed: Observed): string {
  const { lost, steps, untraced } = traceLostRequests(observed.events, observed.load);
  const deployed = observed.events.some((e) => e.kind === "deploy");
  const rows = steps.map(
    (s) =>
      `<tr><td>${escapeHtml(stepName(s.step))}</td><td>${s.lost}</td><td>${Object.entries(s.byOutcome)
        .map(([outcome, n]) => escapeHtml(`${outcome} ×${n}: ${describeTermination(outcome.split(" ").at(-1) ?? "")}`))
        .join("<br>")}</td><td>${escapeHtml(s.servers.join(", "))}</td></tr>`,
  );
  if (untraced)
    rows.push(`<tr><td>not in the balancer's log</td><td>${untraced}</td><td class="muted">no failure logged</td><td></td></tr>`);
  const profile = result.deploy
    ? `<p>Rolling deploy, profile <strong>${escapeHtml(result.deploy.profile)}</strong>: ${escapeHtml(result.deploy.summary)}</p>`
    : "";
  return `<section id="replicas"><h2>Replicas <span class="muted">(requests each replica answered per second, by when the balancer accepted them; lost ones in red${deployed ? "; deploy steps marked" : ""})</span></h2>
${profile}<div class="chart tall"><canvas id="replica-chart" aria-label="requests per replica per second"></canvas></div>
<h2>${deployed ? "Lost requests by deploy step" : "Lost requests"}</h2>
${
  lost === 0 && steps.length === 0
    ? "<p>No request lost.</p>"
    : `<p>${lost} lost, as the load generator counted them.</p>
<table><thead><tr><th>step</th><th>lost</th><th>what the balancer saw</th><th>replicas</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`
}</section>`;
}

/** Requests per worker from the app's access log, and the finding when one worker took most of them; empty without an access log. */
function accessSection(result: ResultJson): string {
  const access = result.accessLog;
  if (!access) return "";
  const withReplica = access.workers.some((w) => w.instance !== null);
  const rows = access.workers.map(
    (w) =>
      `<tr>${withReplica ? `<td>${escapeHtml(w.instance ?? "")}</td>` : ""}<td>${w.pid}</td><td>${w.requests}</td><td>${Math.round(w.share * 100)}%</td></tr>`,
  );
  if (access.withoutPid)
    rows.push(`<tr>${withReplica ? "<td></td>" : ""}<td class="muted">no pid in the line</td><td>${access.withoutPid}</td><td></td></tr>`);
  return `<section id="access"><h2>Requests per worker <span class="muted">(from the access log: ${access.requests} requests the app logged)</span></h2>
${access.skewed.map((w) => `<p><strong>One worker took most of the traffic:</strong> ${escapeHtml(describeSkew(w))}.</p>`).join("\n")}
<table><thead><tr>${withReplica ? "<th>replica</th>" : ""}<th>pid</th><th>requests</th><th>share</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></section>`;
}

/** One self-contained HTML file: verdict, charts (timeline with faults, replicas, worker lifelines), deaths, banners, the raw log. */
function htmlReport(result: ResultJson, run: RunResult): string {
  const { observed, logLines: log } = run;
  const { events } = observed;
  const origin = Date.parse(result.load.outcome?.startedAt ?? result.startedAt);
  const end = (Date.parse(result.endedAt) - origin) / 1000;
  const replicas = replicaChart(events, origin);
  const withReplica = result.deaths.some((d) => d.instance !== null);
  const data: ReportPageData = {
    timeline: result.timeline.map((p) => ({
      second: p.second,
      requests: p.completed,
      errors: p.non2xx + totalErrors(p.errors),
      p50: p.latencyMs.p50,
      p99: p.latencyMs.p99,
    })),
    // The target names the replica (`master of web-1`) or the worker (`worker 7`) the fault hit.
    faults: result.faults.flatMap((f) =>
      f.offsetS === null ? [] : [{ at: f.offsetS, label: `${f.action} → ${f.target}${f.detail ? `: ${f.detail}` : ""}` }],
    ),
    lifelines: lifelines(result, observed, origin, end),
    replicas: replicas ?? null,
    severityColours: SEVERITY_COLOURS,
  };
  // Access lines are summed up under "Requests per worker"; the log file keeps each one.
  const accessLines = new Set(events.flatMap((e) => (e.kind === "access" ? [e.seq] : [])));
  const shown = accessLines.size ? log.filter((l) => !accessLines.has(l.seq)) : log;
  const lines = shown.slice(-MAX_LOG_LINES);
  const status = result.status;
  const failed = result.expectations.filter((e) => e.verdict === "fail").length;
  const versions = Object.entries(result.stack.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${status.toUpperCase()} ${result.scenario.name} — ${result.runId}`)}</title>
<style>
${pageCss(1200)}
td.pass { color: #1a7f37; font-weight: 600; } td.fail { color: #cf222e; font-weight: 600; }
td.critical { color: ${SEVERITY_COLOURS.critical}; font-weight: 600; } td.investigate { color: ${SEVERITY_COLOURS.investigate}; font-weight: 600; }
td.normal { color: ${SEVERITY_COLOURS.normal}; }
td.inconclusive { color: ${SEVERITY_COLOURS.investigate}; font-weight: 600; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; margin: 6px 0; }
#log-lines { max-height: 480px; overflow-y: auto; white-space: pre; }
input[type=search] { width: 100%; padding: 6px 8px; font-size: 14px; box-sizing: border-box; }
</style>
</head>
<body>
<header class="verdict ${status}">${status.toUpperCase()} · ${escapeHtml(result.scenario.name)}${failed ? ` · ${failed} of ${result.expectations.length} expectations failed` : ""}
<small>${escapeHtml(result.scenario.description)}</small></header>
<main>
<section id="summary">
<p>Run <code>${escapeHtml(result.runId)}</code> · ${escapeHtml(runStack(result))} (${escapeHtml(versions || "versions unknown")}) · ${escapeHtml(result.stack.config)} config · ${result.durationS.toFixed(1)} s</p>
${result.stack.gunicorn ? `<p>gunicorn ran with ${escapeHtml(describeGunicornSettings(result.stack.gunicorn))} (read from the master: its config file, then <code>GUNICORN_CMD_ARGS</code>, then its command line)</p>` : ""}
${result.load.outcome ? `<p>Requests: ${result.load.outcome.completed} completed, ${result.load.outcome.non2xx} non-2xx, ${totalErrors(result.load.outcome.errors)} without response · p50 ${result.load.outcome.latencyMs.p50} ms · p99 ${result.load.outcome.latencyMs.p99} ms · ${result.load.outcome.throughput} req/s</p>` : "<p>No load ran.</p>"}
${result.error ? `<p><strong>Run error:</strong> ${escapeHtml(result.error.message)}</p>` : ""}
</section>
<section id="expectations"><h2>Expectations</h2>
<table><thead><tr><th>expectation</th><th>expected</th><th>observed</th><th></th></tr></thead><tbody>
${result.expectations.map((e) => `<tr><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.expected)}</td><td>${escapeHtml(e.observed)}</td><td class="${e.verdict}">${e.verdict}</td></tr>`).join("\n")}
</tbody></table></section>
<section id="timeline"><h2>Timeline <span class="muted">(seconds since the load started; faults marked)</span></h2><div class="chart"><canvas id="timeline-chart" aria-label="requests, errors and latency per second"></canvas></div></section>
${replicas ? replicasSection(result, observed) : ""}
${accessSection(result)}
<section id="workers"><h2>Workers <span class="muted">(boot to death, coloured by severity)</span></h2><div class="chart"><canvas id="lifeline-chart" aria-label="worker lifelines"></canvas></div></section>
<section id="deaths"><h2>Deaths</h2>
${
  result.deaths.length
    ? `<table><thead><tr>${withReplica ? "<th>replica</th>" : ""}<th>pid</th><th>cause</th><th>severity</th><th>why</th><th>evidence</th></tr></thead><tbody>
${result.deaths.map((d) => `<tr>${withReplica ? `<td>${escapeHtml(d.instance ?? "")}</td>` : ""}<td>${d.pid}</td><td>${d.cause}</td><td class="${d.severity}">${d.severity}</td><td>${escapeHtml(d.summary)}</td><td><details><summary>${d.evidence.length} item(s)</summary><pre>${escapeHtml(d.evidence.map(formatEvidence).join("\n"))}</pre></details></td></tr>`).join("\n")}
</tbody></table>`
    : "<p>No worker died.</p>"
}</section>
<section id="banners"><h2>Banners</h2>
${result.banners.missing.length ? `<p><strong>Missing:</strong> ${escapeHtml(result.banners.missing.map((b) => `${b.kind} for ${workerLabel({ pid: b.pid, instance: b.instance ?? undefined })}`).join(", "))}</p>` : ""}
${result.banners.seen.length ? result.banners.seen.map((b) => `<pre>${escapeHtml(b.lines.join("\n"))}</pre>`).join("\n") : "<p>No banner printed.</p>"}
</section>
<section id="events"><h2>Events <span class="muted">(what the harness did and saw, in time order; routine lines left to the raw log)</span></h2>
<table><tbody>
${events
  .filter((e) => !ROUTINE.has(e.kind))
  .map((e) => `<tr><td class="muted">${new Date(e.at).toISOString().slice(11, 23)}</td><td>${escapeHtml(formatEvent(e))}</td></tr>`)
  .join("\n")}
</tbody></table></section>
<section id="log"><h2>Raw log <span class="muted">(${lines.length} lines${shown.length > lines.length ? `, the last ${MAX_LOG_LINES} of ${shown.length}` : ""}${accessLines.size ? `; ${accessLines.size} access lines left out, summed up under Requests per worker` : ""}${lines.length < log.length ? `; every line is in ${appLogName(log)}, beside this page` : ""})</span></h2>
<input type="search" id="log-filter" placeholder="Filter the log: a word, a pid…">
<pre id="log-lines">${lines.map((l) => `<span data-line>${escapeHtml(`${new Date(l.at).toISOString().slice(11, 23)} ${l.source}/${l.stream} ${l.text}`)}\n</span>`).join("")}</pre>
</section>
</main>
${chartLibraries()}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
${clientScript("report-page.js")}
</body>
</html>
`;
}

function nightlyIndexHtml(nightly: NightlyReport): string {
  const rows = nightly.runs.map((r) => {
    const entry = baselineEntry(r);
    const key = baselineKey(r);
    const before = nightly.baseline?.[key];
    const regressions = nightly.regressions.filter((x) => x.key === key);
    const link = `${r.runId}/report.html`;
    return `<tr class="${r.status}"><td><a href="${escapeHtml(link)}">${escapeHtml(r.scenario.name)}</a></td><td>${escapeHtml(runStack(r))}</td><td>${r.status}</td><td>${escapeHtml(describeCounts(entry.deaths))}</td><td>${entry.errors}</td><td>${measuredHere(entry.p99Ms, before?.p99Ms)}</td><td>${measuredHere(entry.throughput, before?.throughput)}</td><td>${escapeHtml(regressions.map((x) => x.message).join("; "))}</td></tr>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nightly ${escapeHtml(nightly.dir.split("/").at(-1) ?? "")}</title>
<style>body{font:14px system-ui,sans-serif;margin:20px}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
tr.failed td,tr.error td{color:#cf222e}tr.aborted td{color:#9a6700}</style></head><body>
<h1>${nightly.regressions.length ? `${nightly.regressions.length} regression(s)` : "No regression"}</h1>
<table><thead><tr><th>scenario</th><th>stack</th><th>result</th><th>deaths</th><th>errors</th><th>p99 ms (measured here)</th><th>req/s (measured here)</th><th>regressions</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>${nightly.missing?.length ? `\n<p class="missing">Not run (missing from the merged shards): ${escapeHtml(nightly.missing.join(", "))}.</p>` : ""}
<p>Behaviour (deaths, banners, expectations, errors) is compared with the baseline. p99 and req/s are measured in this run, on this machine, and never judged against it; in brackets, for information, the figures of the machine that recorded the baseline.</p>
<p><a href="junit.xml">junit.xml</a> · <a href="summary.md">summary.md</a> · <a href="comparison.json">comparison.json</a></p>
</body></html>
`;
}
