import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { baselineEntry, baselineKey, measuredHere } from "../baseline/baseline.ts";
import { commandLine } from "../core/invocation.ts";
import { totalErrors } from "../load/load-result.ts";
import { describeTermination } from "../logs/haproxy-log.ts";
import { describeRequestsPerWorker, describeSkew } from "../logs/requests-per-worker.ts";
import { workerLabel } from "../scenario/expectations.ts";
import { type ResultJson, runStack } from "../scenario/result-json.ts";
import { describeCounts, markdownCell, STATUS_ICON } from "./format.ts";
import type { NightlyReport, Reporter, RunReport } from "./reporter.ts";

/** summary.md: a few lines for a CI job summary, for one run or for a whole nightly. */
export class MarkdownReporter implements Reporter {
  onRunEnd({ json, dir }: RunReport): string[] {
    return [write(join(dir, "summary.md"), runSummaryMarkdown(json))];
  }

  onNightlyEnd(nightly: NightlyReport): string[] {
    return [write(join(nightly.dir, "summary.md"), nightlySummaryMarkdown(nightly))];
  }
}

function write(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}

function runSummaryMarkdown(result: ResultJson): string {
  const lines = [
    `### ${STATUS_ICON[result.status]} ${result.scenario.name} — ${result.status.toUpperCase()}`,
    "",
    result.scenario.description,
    "",
  ];
  const versions = Object.entries(result.stack.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  lines.push(
    `Stack: ${runStack(result)} (${versions || "versions unknown"}), ${result.stack.config} config · run \`${result.runId}\` · ${result.durationS.toFixed(1)} s`,
    "",
  );
  const load = result.load.outcome;
  if (load) {
    const errors = totalErrors(load.errors);
    lines.push(
      `Requests: ${load.completed} completed, ${load.non2xx} non-2xx, ${errors} without response; p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms; ${load.throughput} req/s`,
      "",
    );
  }
  if (result.accessLog) {
    lines.push(`Requests per worker (from the access log): ${describeRequestsPerWorker(result.accessLog)}`, "");
    for (const skewed of result.accessLog.skewed) lines.push(`⚠️ One worker took most of the traffic: ${describeSkew(skewed)}.`, "");
  }
  if (result.deaths.length) {
    const withReplica = result.deaths.some((d) => d.instance !== null);
    lines.push(`| ${withReplica ? "replica | " : ""}pid | cause | severity | why |`, `|${withReplica ? "---|" : ""}---|---|---|---|`);
    for (const d of result.deaths)
      lines.push(`| ${withReplica ? `${d.instance ?? ""} | ` : ""}${d.pid} | ${d.cause} | ${d.severity} | ${markdownCell(d.summary)} |`);
    lines.push("");
  } else {
    lines.push("No worker died.", "");
  }
  if (result.banners.missing.length)
    lines.push(
      `Banners missing: ${result.banners.missing.map((b) => `${b.kind} for ${workerLabel({ pid: b.pid, instance: b.instance ?? undefined })}`).join(", ")}`,
      "",
    );
  if (result.deploy) lines.push(...lostByStep(result.deploy), "");
  const failed = result.expectations.filter((e) => e.verdict === "fail");
  if (failed.length) {
    lines.push("| failed expectation | expected | observed |", "|---|---|---|");
    for (const e of failed) lines.push(`| ${markdownCell(e.name)} | ${markdownCell(e.expected)} | ${markdownCell(e.observed)} |`);
    lines.push("");
  } else if (result.expectations.length) {
    lines.push(`All ${result.expectations.length} expectations held.`, "");
  }
  if (result.error) lines.push(`Run error: ${markdownCell(result.error.message.split("\n")[0] ?? "")}`, "");
  return lines.join("\n");
}

/** The deploy's losses, one item per step that lost requests: where, how many, what the balancer saw, on which replicas. */
function lostByStep(deploy: NonNullable<ResultJson["deploy"]>): string[] {
  const { total, untraced, byStep } = deploy.lost;
  const heading = `**Lost requests by deploy step** (${deploy.profile} profile): ${total === 0 ? "no request lost." : `${total} lost.`}`;
  const items = byStep.map((s) => {
    const where = s.round === null ? "before the deploy" : `round ${s.round}, at "${s.detail}"`;
    const seen = Object.entries(s.byOutcome)
      .map(([outcome, n]) => `${outcome} ×${n}: ${describeTermination(outcome.split(" ").at(-1) ?? "")}`)
      .join("; ");
    return `- ${s.lost} in ${markdownCell(where)}, on ${s.servers.join(", ")} — ${markdownCell(seen)}`;
  });
  if (untraced) items.push(`- ${untraced} not in the balancer's log`);
  return items.length ? [heading, "", ...items] : [heading];
}

const PERFORMANCE_NOT_JUDGED =
  "_Behaviour (deaths, banners, expectations, errors) is compared with the baseline. p99 and req/s are " +
  "measured in this run, on this machine, and never judged against it; in brackets, for information, the figures of " +
  "the machine that recorded the baseline._";

function nightlySummaryMarkdown(nightly: NightlyReport): string {
  const passed = nightly.runs.filter((r) => r.status === "passed").length;
  const verdict = nightly.regressions.length ? `❌ ${nightly.regressions.length} regression(s)` : "✅ no regression";
  const lines = [`## Nightly: ${verdict} · ${passed} of ${nightly.runs.length} runs passed`, ""];
  lines.push(
    "| scenario | stack | result | deaths | errors | p99 ms (measured here) | req/s (measured here) |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of nightly.runs) {
    const entry = baselineEntry(r);
    const before = nightly.baseline?.[baselineKey(r)];
    lines.push(
      `| ${r.scenario.name} | ${runStack(r)} | ${STATUS_ICON[r.status]} ${r.status} | ${describeCounts(entry.deaths)} | ${entry.errors} | ${measuredHere(entry.p99Ms, before?.p99Ms)} | ${measuredHere(entry.throughput, before?.throughput)} |`,
    );
  }
  lines.push("", PERFORMANCE_NOT_JUDGED, "");
  if (nightly.regressions.length) {
    lines.push("### Regressions", "");
    for (const r of nightly.regressions) lines.push(`- **${r.key}** (${r.kind}): ${markdownCell(r.message)}`);
    lines.push("");
  }
  if (nightly.unbaselined.length)
    lines.push(`No baseline yet for: ${nightly.unbaselined.join(", ")} (run \`${commandLine("nightly", "--update-baseline")}\`).`, "");
  if (nightly.missing?.length) lines.push(`⚠️ Not run (missing from the merged shards): ${nightly.missing.join(", ")}.`, "");
  return lines.join("\n");
}
