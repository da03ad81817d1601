import type { CapacityReport, ConfigurationResult } from "../capacity/capacity-result.ts";
import { totalErrors } from "../load/load-result.ts";
import { workerLabel } from "../scenario/expectations.ts";
import { type ResultJson, runStack } from "../scenario/result-json.ts";
import type { RunStatus } from "../scenario/run-result.ts";
import { markdownCell, STATUS_ICON } from "./format.ts";

/** The comment's first line: how the poster finds its own comment among a pull request's comments. */
export const PR_COMMENT_MARKER = "<!-- chaos-harness -->";

/** GitHub refuses a comment body longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface PrCommentInput {
  /** This branch's runs, as result.json. */
  results: readonly ResultJson[];
  /** This branch's capacity.json, when capacity was measured. */
  capacity?: CapacityReport | null;
  /** The base branch's last results, when one is available: each run is compared with the base's run of the same key. */
  base?: { results: readonly ResultJson[]; capacity?: CapacityReport | null; ref?: string } | null;
  /** Where the full reports are (the workflow run's artifacts). */
  detailsUrl?: string;
  /** The longest body allowed; GitHub's limit unless a test says otherwise. */
  limit?: number;
}

/**
 * The pull request's comment: the marker, a one-line verdict, one row per run (deaths by cause, banners missing, lost or
 * failed requests, p99, and what changed against the base branch), capacity per configuration. Cut to fit `limit`, with a
 * note saying so.
 */
export function prComment(input: PrCommentInput): string {
  const { results, capacity, base, detailsUrl } = input;
  const limit = input.limit ?? GITHUB_COMMENT_LIMIT;
  const baseByKey = base ? new Map(base.results.map((r) => [runKey(r), r])) : null;
  const lines = [PR_COMMENT_MARKER, `## ${verdictLine(results, capacity)}`, ""];
  if (base) lines.push(`Compared with ${base.ref ? `\`${markdownCell(base.ref)}\`` : "the base branch"}'s last results.`, "");
  if (results.length) {
    lines.push(
      `| | scenario | stack | status | deaths | banners missing | lost / failed requests | p99 |${baseByKey ? " vs base |" : ""}`,
      `|---|---|---|---|---|---|---|---|${baseByKey ? "---|" : ""}`,
    );
    for (const r of results) {
      const cells = [
        STATUS_ICON[r.status],
        markdownCell(runName(r)),
        `${runStack(r)} · ${markdownCell(r.stack.config)}`,
        r.status,
        describeDeaths(r),
        describeMissingBanners(r),
        describeLost(r),
        r.load.outcome ? `${r.load.outcome.latencyMs.p99} ms` : "–",
      ];
      if (baseByKey) cells.push(compareRun(r, baseByKey.get(runKey(r))));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
    if (baseByKey) {
      const here = new Set(results.map(runKey));
      const gone = base?.results.filter((r) => !here.has(runKey(r))) ?? [];
      if (gone.length)
        lines.push(`Run on the base branch but not here: ${gone.map((r) => `${runName(r)} (${runStack(r)})`).join(", ")}.`, "");
    }
    lines.push(...failures(results));
  } else {
    lines.push("No scenario ran.", "");
  }
  if (capacity) lines.push(...capacitySection(capacity, base?.capacity ?? null));
  if (detailsUrl) lines.push(`Full reports: ${detailsUrl}`, "");
  return cutToFit(lines, limit);
}

/** `❌ Chaos harness: 2 passed, 2 failed, 0 inconclusive (4 runs)`, plus aborted and errored runs when there are any. */
function verdictLine(results: readonly ResultJson[], capacity: CapacityReport | null | undefined): string {
  const count = (status: RunStatus) => results.filter((r) => r.status === status).length;
  const counts = `${count("passed")} passed, ${count("failed")} failed, ${count("inconclusive")} inconclusive`;
  const others = (["aborted", "error"] as const).filter((s) => count(s) > 0).map((s) => `, ${count(s)} ${s}`);
  const statuses = [...results.map((r) => r.status), ...(capacity ? [capacity.status] : [])];
  const icon = statuses.some((s) => s === "failed" || s === "error")
    ? STATUS_ICON.failed
    : statuses.some((s) => s !== "passed")
      ? STATUS_ICON.inconclusive
      : STATUS_ICON.passed;
  const capacityPart = capacity ? `; capacity ${capacity.status}` : "";
  return `${icon} Chaos harness: ${counts}${others.join("")} (${results.length} run${results.length === 1 ? "" : "s"})${capacityPart}`;
}

/** What pairs a run with the base's: the scenario (and deploy profile), the stack, the config. */
const runKey = (r: ResultJson): string => `${runName(r)}|${runStack(r)}|${r.stack.config}`;
const runName = (r: ResultJson): string => (r.deploy ? `${r.scenario.name} (${r.deploy.profile})` : r.scenario.name);

/** Deaths by cause, each with its severity: `1 timeout (critical)`, or `none`. */
function describeDeaths(r: ResultJson): string {
  const byCause = new Map<string, { n: number; severity: string }>();
  for (const d of r.deaths) {
    const entry = byCause.get(d.cause) ?? { n: 0, severity: d.severity };
    entry.n += 1;
    byCause.set(d.cause, entry);
  }
  return [...byCause].map(([cause, { n, severity }]) => `${n} ${cause} (${severity})`).join(", ") || "none";
}

function describeMissingBanners(r: ResultJson): string {
  const missing = r.banners.missing;
  if (!missing.length) return "none";
  const shown = missing.slice(0, 3).map((b) => `${b.kind} for ${workerLabel({ pid: b.pid, instance: b.instance ?? undefined })}`);
  return `${missing.length}: ${shown.join(", ")}${missing.length > shown.length ? ", …" : ""}`;
}

/** The requests users saw fail: lost in a deploy, else non-2xx plus requests without a response, by kind. */
function failedRequests(r: ResultJson): number | null {
  const load = r.load.outcome;
  if (r.deploy) return r.deploy.lost.total;
  return load ? load.non2xx + totalErrors(load.errors) : null;
}

function describeLost(r: ResultJson): string {
  const load = r.load.outcome;
  const failed = failedRequests(r);
  if (failed === null || !load) return "–";
  const kinds = [
    ...(load.non2xx ? [`${load.non2xx} non-2xx`] : []),
    ...Object.entries(load.errors).flatMap(([kind, n]) => (n ? [`${n} ${kind}`] : [])),
  ];
  const of = `of ${load.completed}`;
  if (r.deploy) return `${failed} lost ${of}${r.deploy.lost.untraced ? ` (${r.deploy.lost.untraced} untraced)` : ""}`;
  return failed ? `${failed} failed ${of} (${kinds.join(", ")})` : `0 failed ${of}`;
}

/** What changed since the base: the status, deaths added or gone (by cause), the failed requests' delta. */
function compareRun(r: ResultJson, before: ResultJson | undefined): string {
  if (!before) return "new";
  const changes: string[] = [];
  if (before.status !== r.status) changes.push(`${before.status} → **${r.status}**`);
  const byCause = (x: ResultJson) => x.deaths.reduce((m, d) => m.set(d.cause, (m.get(d.cause) ?? 0) + 1), new Map<string, number>());
  const now = byCause(r);
  const then = byCause(before);
  for (const cause of new Set([...now.keys(), ...then.keys()])) {
    const delta = (now.get(cause) ?? 0) - (then.get(cause) ?? 0);
    if (delta) changes.push(`${signed(delta)} ${cause} death${Math.abs(delta) === 1 ? "" : "s"}`);
  }
  const failedNow = failedRequests(r);
  const failedThen = failedRequests(before);
  if (failedNow !== null && failedThen !== null && failedNow !== failedThen) changes.push(`errors ${signed(failedNow - failedThen)}`);
  return changes.join(", ") || "same";
}

const signed = (n: number): string => (n > 0 ? `+${n}` : `−${-n}`);

/** The failed expectations of each failed run, and each run's error, one line apiece. */
function failures(results: readonly ResultJson[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const where = `${runName(r)} · ${runStack(r)} · ${r.stack.config}`;
    for (const e of r.expectations.filter((x) => x.verdict === "fail"))
      lines.push(`- ❌ ${markdownCell(where)}: **${markdownCell(e.name)}**: expected ${clip(e.expected)}; observed ${clip(e.observed)}`);
    if (r.error) lines.push(`- 💥 ${markdownCell(where)}: ${clip(r.error.message.split("\n")[0] ?? "")}`);
  }
  return lines.length ? ["**What failed**", "", ...lines, ""] : [];
}

const clip = (text: string, max = 300): string => markdownCell(text.length > max ? `${text.slice(0, max - 1)}…` : text);

function capacitySection(capacity: CapacityReport, baseCapacity: CapacityReport | null): string[] {
  const before = baseCapacity ? new Map(baseCapacity.configurations.map((c) => [c.label, c])) : null;
  const lines = [
    `### ${STATUS_ICON[capacity.status]} Capacity — ${capacity.status}`,
    "",
    markdownCell(capacity.summary),
    "",
    `SLO: ${markdownCell(capacity.slo.text)}${capacity.requireRps !== null ? ` · required ${capacity.requireRps} req/s` : ""}`,
    "",
    `| configuration | capacity | first failing rate | limited by | confidence |${before ? " vs base |" : ""}`,
    `|---|---|---|---|---|${before ? "---|" : ""}`,
  ];
  for (const c of capacity.configurations) {
    const cells = [
      markdownCell(c.label),
      c.error ? `not measured: ${clip(c.error, 120)}` : `${c.capacityRps} req/s${c.confirmed ? "" : " (unconfirmed)"}`,
      c.firstFailRps === null ? "–" : `${c.firstFailRps} req/s`,
      `${c.limiting.kind}: ${clip(c.limiting.summary, 120)}`,
      c.confidence,
    ];
    if (before) cells.push(compareCapacity(c, before.get(c.label)));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("");
  for (const c of capacity.comparison?.byConfiguration ?? [])
    lines.push(`- ${markdownCell(c.configuration)}: ${c.regression ? "❌ " : ""}${clip(c.verdict)}`);
  if (capacity.comparison) lines.push("");
  return lines;
}

function compareCapacity(c: ConfigurationResult, before: ConfigurationResult | undefined): string {
  if (!before) return "new";
  const delta = c.capacityRps - before.capacityRps;
  if (!delta) return "same";
  const percent = before.capacityRps ? ` (${signed(Math.round((delta / before.capacityRps) * 100))}%)` : "";
  return `${signed(delta)} req/s${percent}`;
}

/** The lines, cut at a line to fit `limit` characters with a note saying so. */
function cutToFit(lines: string[], limit: number): string {
  const body = lines.join("\n");
  if (body.length <= limit) return body;
  const note = (shown: number) =>
    `\n\n> ⚠️ Cut to fit GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en")}-character comment limit: ${shown} of ${lines.length} lines shown. The full results are in the workflow run's artifacts.`;
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 + note(lines.length).length > limit) break;
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join("\n") + note(kept.length);
}
