import pc from "picocolors";
import { BANNER_LABEL, type BannerKind } from "../classify/banners.ts";
import type { Death } from "../classify/death.ts";
import { formatEvidence } from "../classify/death-wording.ts";
import type { RunEvent } from "../events/events.ts";
import { WORKER_CLASS_LABELS } from "../images/suites.ts";
import { type LoadResult, totalErrors } from "../load/load-result.ts";
import { describeRequestsPerWorker, describeSkew, requestsPerWorker } from "../logs/requests-per-worker.ts";
import { workerLabel } from "../scenario/expectations.ts";
import type { RunResult } from "../scenario/run-result.ts";
import { METRICS } from "../scenario/thresholds.ts";
import { describeGunicornSettings, paintSeverity } from "./format.ts";
import type { Reporter, RunReport } from "./reporter.ts";
import { consoleTable } from "./table.ts";

const STATUS_LABEL = {
  passed: pc.green(pc.bold("PASS")),
  failed: pc.red(pc.bold("FAIL")),
  inconclusive: pc.yellow(pc.bold("INCONCLUSIVE")),
  aborted: pc.yellow(pc.bold("ABORTED")),
  error: pc.red(pc.bold("ERROR")),
} as const;

/** The human summary of each run (and of an `--all` catalogue), on stdout. Writes no file. */
export class ConsoleReporter implements Reporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  onRunEnd({ result }: RunReport): undefined {
    this.out.write(`\n${formatConsoleReport(result)}\n`);
    return undefined;
  }

  onCatalogueEnd(results: readonly RunResult[], planned: number): void {
    this.out.write(`\n${formatCatalogueSummary(results, planned)}\n`);
  }
}

function formatConsoleReport(result: RunResult): string {
  const out: string[] = [];
  const { observed, stack } = result;
  const gunicorn = observed.events.find((e) => e.kind === "master-start");
  // What really ran: gunicorn as it announced itself, its worker class, and the HTTP parser and event loop it picked.
  const ran = [
    gunicorn?.kind === "master-start" ? `gunicorn ${gunicorn.version}` : undefined,
    WORKER_CLASS_LABELS[stack.options.worker ?? "uvicorn"],
    stack.versions.http,
    stack.versions.loop,
  ].filter((part): part is string => Boolean(part));
  out.push(`${pc.bold(result.scenario.name)} — ${result.scenario.description}`);
  out.push(
    pc.dim(
      `run ${result.runId} · ${stack.target.name} on ${stack.options.suite} (${ran.join(", ") || "versions unknown"}) · ` +
        `${stack.options.replicas > 1 || stack.options.balancer ? `${stack.options.replicas} replicas behind HAProxy × ` : ""}${stack.options.workers === "app" ? `${stack.gunicorn?.settings.workers ?? "?"} workers (the app's count)` : `${stack.options.workers} workers`} · ` +
        `${stack.options.config} config${result.deploy ? ` · deploy profile ${result.deploy.name}` : ""}`,
    ),
  );
  if (stack.gunicorn) out.push(pc.dim(`gunicorn ran with ${describeGunicornSettings(stack.gunicorn)}`));
  out.push("");
  if (result.deploy) out.push(`${pc.bold("Deploy")}    ${result.deploy.summary}`);
  if (observed.load) {
    const l = observed.load;
    const afterStop = refusedAfterStop(l, observed.events);
    const refused = l.errors.refused - afterStop;
    const n = (count: number) => count.toLocaleString("en-US");
    out.push(
      `${pc.bold("Requests")}  ${n(l.completed)} completed · ${n(totalErrors(l.errors) - afterStop)} errors (${n(l.errors.timeout)} timeout, ` +
        `${n(l.errors.reset)} reset, ${n(l.errors.closed)} closed, ${n(refused)} refused)` +
        `${afterStop ? ` · ${n(afterStop)} refused after the app was stopped (by design)` : ""} · ` +
        `${n(l.non2xx)} non-2xx · p50 ${l.latencyMs.p50} ms · p99 ${l.latencyMs.p99} ms · ${METRICS.throughput(l)} req/s`,
    );
  }
  if (observed.replicas) {
    const replicas = observed.replicas.map(({ instance, roster }) => `${instance} (${roster.booted.join(", ") || "none"})`);
    out.push(`${pc.bold("Replicas")}  ${replicas.join(" · ")} · ${observed.deaths.length} workers stopped`);
  } else {
    out.push(
      `${pc.bold("Workers")}   ${observed.bootedBeforeFaults.length} booted (${observed.bootedBeforeFaults.join(", ") || "none"}) · ${observed.deaths.length} stopped`,
    );
  }
  out.push(...accessLogLines(result));
  if (observed.deaths.length > 0) {
    const withReplica = observed.deaths.some((d) => d.instance);
    const table = consoleTable([...(withReplica ? ["replica"] : []), "pid", "cause", "severity", "exit line", "banners"]);
    for (const death of observed.deaths)
      table.push([
        ...(withReplica ? [death.instance ?? ""] : []),
        death.pid,
        death.cause,
        paintSeverity(death.severity),
        exitLine(death),
        bannerCell(death, observed.banners.declared),
      ]);
    out.push(table.toString());
  }
  for (const banner of observed.banners.unexpected) out.push(pc.yellow(`unexpected banner for ${workerLabel(banner)}: ${banner.title}`));
  if (result.expectations.length > 0) {
    const table = consoleTable(["expectation", "expected", "observed", ""]);
    for (const e of result.expectations)
      table.push([e.name, e.expected, e.observed, e.pass ? pc.green("pass") : e.inconclusive ? pc.yellow("inconclusive") : pc.red("FAIL")]);
    out.push(table.toString());
  }
  if (result.error) out.push(`${pc.red("run error")}: ${result.error.message}`);
  if (result.unparsedLines > 0)
    out.push(pc.dim(`${result.unparsedLines} app line(s) not understood by the parser (kept in the run's log)`));
  const failed = result.expectations.filter((e) => !e.pass && !e.inconclusive).length;
  out.push(
    `${STATUS_LABEL[result.status]} ${result.scenario.name} ${pc.dim(`(${((result.endedAt - result.startedAt) / 1000).toFixed(1)} s)`)}` +
      (failed ? ` — ${failed} of ${result.expectations.length} expectations failed` : ""),
  );
  return out.join("\n");
}

/** Requests per worker, from the app's access log (when it keeps one), and the finding when one worker took most of them. */
function accessLogLines(result: RunResult): string[] {
  const access = requestsPerWorker(result.observed.events);
  if (!access) return [];
  const lines = [`${pc.bold("Access")}    ${describeRequestsPerWorker(access)}`];
  for (const skewed of access.skewed) lines.push(pc.yellow(`one worker took most of the traffic: ${describeSkew(skewed)}`));
  return lines;
}

/**
 * Connections refused once the master was told to stop (SIGTERM, SIGINT or SIGQUIT, as a deploy does): nothing listens
 * by design then, so these are not errors users of a running app saw. Counted from the second the signal was handled.
 */
function refusedAfterStop(load: LoadResult, events: readonly RunEvent[]): number {
  const stop = events.find((e) => e.kind === "master-signal" && /^(SIG)?(TERM|INT|QUIT)$/i.test(e.signal));
  if (!stop) return 0;
  const from = Math.floor((stop.at - load.startedAt) / 1000);
  return load.timeline.filter((point) => point.second >= from).reduce((n, point) => n + point.errors.refused, 0);
}

/** The line the worker's end was logged with, as printed; or why there is none. */
function exitLine(death: Death): string {
  const line = death.evidence.find((e) => e.source === "log");
  const first = death.evidence[0];
  return line ? line.text : pc.dim(first ? formatEvidence(first) : "(no exit line)");
}

function bannerCell(death: Death, declared: readonly BannerKind[]): string {
  if (declared.length === 0) return pc.dim("none declared");
  if (death.bannersExpected.length === 0) return pc.dim("none due");
  return death.bannersExpected
    .map((kind) => (death.bannersSeen.includes(kind) ? pc.green(`${BANNER_LABEL[kind]} ✓`) : pc.red(`${BANNER_LABEL[kind]} missing`)))
    .join(", ");
}

/** One line per scenario of an --all run, and the count. */
function formatCatalogueSummary(results: readonly RunResult[], planned: number): string {
  const table = consoleTable(["scenario", "result", "time", "failed expectations"]);
  for (const r of results) {
    const failed = r.expectations.filter((e) => !e.pass).map((e) => e.name);
    table.push([
      r.scenario.name,
      STATUS_LABEL[r.status],
      `${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`,
      r.error ? r.error.message.split("\n")[0]! : failed.join(", "),
    ]);
  }
  const passed = results.filter((r) => r.status === "passed").length;
  const notRun = planned - results.length;
  return `${table.toString()}\n${passed} of ${planned} scenarios passed${notRun ? ` (${notRun} not run)` : ""}`;
}
