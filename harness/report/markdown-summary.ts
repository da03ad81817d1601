import { totalErrors } from "../load/load-result.ts";
import type { ResultJson } from "./result-json.ts";

const ICON = { passed: "✅", failed: "❌", aborted: "⚠️", error: "💥" } as const;

/** A short markdown summary of one run, for a CI job summary. */
export function runSummaryMarkdown(result: ResultJson): string {
  const lines = [
    `### ${ICON[result.status]} ${result.scenario.name} — ${result.status.toUpperCase()}`,
    "",
    result.scenario.description,
    "",
  ];
  const versions = Object.entries(result.stack.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  lines.push(
    `Stack: ${result.stack.name} (${versions || "versions unknown"}), ${result.stack.config} config · run \`${result.runId}\` · ${result.durationS.toFixed(1)} s`,
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
  if (result.deaths.length) {
    lines.push("| pid | cause | severity | why |", "|---|---|---|---|");
    for (const d of result.deaths) lines.push(`| ${d.pid} | ${d.cause} | ${d.severity} | ${markdownCell(d.summary)} |`);
    lines.push("");
  } else {
    lines.push("No worker died.", "");
  }
  if (result.banners.missing.length)
    lines.push(`Banners missing: ${result.banners.missing.map((b) => `${b.kind} for ${b.pid}`).join(", ")}`, "");
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

export function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
