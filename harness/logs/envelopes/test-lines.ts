import type { LogEvent } from "../../events/events.ts";
import { GunicornLogParser } from "../log-parser.ts";
import type { Unwrapped } from "./envelope.ts";

// Test support for the envelope tests: the records they wrap, JSON as the tools print it, and reading unwrapped
// lines as the parser does.

export const RECORD = "2026-11-25 20:54:06 +0000 [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?";
export const DEFAULT_RECORD = "[2026-11-25 20:54:06 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?";
export const AT = Date.UTC(2026, 10, 25, 20, 54, 6);

/** Go's encoding/json, as Docker's json-file driver writes strings (HTML characters escaped). */
export function goJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Python's json.dumps (ensure_ascii, `", "` and `": "` separators), as python-json-logger prints a record. */
export function pyJsonDumps(record: Record<string, string | number>): string {
  const value = (v: string | number) =>
    typeof v === "number"
      ? String(v)
      : JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `{${Object.entries(record)
    .map(([k, v]) => `${value(k)}: ${value(v)}`)
    .join(", ")}}`;
}

/** What an event says, without where and when it was read (seq, time, raw text). */
export function meaning(event: LogEvent): Record<string, unknown> {
  const { at, seq, raw, source, stream, ...rest } = event;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

export function parseTexts(texts: string[], read = meaning): { events: Record<string, unknown>[]; unparsed: number } {
  const events: LogEvent[] = [];
  const parser = new GunicornLogParser((e) => events.push(e));
  for (const [i, text] of texts.entries()) parser.push({ seq: i + 1, source: "app", stream: "stderr", text });
  parser.flush();
  return { events: events.map(read), unparsed: parser.unparsed };
}

export function fed(unwrapped: Unwrapped[]): string[] {
  return unwrapped.flatMap((u) => [u.text, ...(u.continuation ?? [])]);
}
