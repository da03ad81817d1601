import pc from "picocolors";
import type { Severity } from "../classify/causes.ts";
import type { RunStatus } from "../scenario/run-result.ts";

/** One icon per run status, for markdown. */
export const STATUS_ICON: Record<RunStatus, string> = { passed: "✅", failed: "❌", inconclusive: "❔", aborted: "⚠️", error: "💥" };

/** Text as HTML, safe in element content and in a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Text inside a markdown table cell. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A severity in its colour, for the terminal: normal green, investigate yellow, critical red. */
export function paintSeverity(severity: Severity, text: string = severity): string {
  return { normal: pc.green, investigate: pc.yellow, critical: pc.red }[severity](text);
}

/** `2 shutdown, 1 timeout`, or `none`. */
export function describeCounts(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .map(([what, n]) => `${n} ${what}`)
      .join(", ") || "none"
  );
}

/** What the gunicorn master really ran with, in one line: `bind 127.0.0.1:8000 · workers 3 · timeout 3 s · …`. */
export function describeGunicornSettings(gunicorn: { settings: Record<string, unknown> }): string {
  const s = gunicorn.settings;
  const list = (value: unknown) => (Array.isArray(value) ? value.join(", ") : String(value));
  return [
    `bind ${list(s.bind)}`,
    `workers ${s.workers}`,
    `timeout ${s.timeout} s`,
    `graceful_timeout ${s.graceful_timeout} s`,
    `keepalive ${s.keepalive} s`,
    `max_requests ${s.max_requests}${s.max_requests_jitter ? ` (jitter ${s.max_requests_jitter})` : ""}`,
    `worker_class ${s.worker_class}`,
  ].join(" · ");
}
