import { readdirSync, readFileSync } from "node:fs";
import type { HarnessEvent, LogEvent, LogSource, LogStream, RunEvent } from "../../events/events.ts";
import type { SuiteName, WorkerClass } from "../../images/suites.ts";
import { splitDockerTimestamp } from "../../logs/container-logs.ts";
import type { LogLine } from "../../logs/log-line.ts";
import { GunicornLogParser } from "../../logs/log-parser.ts";
import type { Cause } from "../causes.ts";

/** One recorded run: `<name>.log` holds the raw lines, `<name>.json` this. */
export interface CorpusRecord {
  case: string;
  suite: SuiteName;
  /** gunicorn's worker class, when not uvicorn's UvicornWorker. */
  worker?: WorkerClass;
  /** The demo target's config: default (banners that print) or seed (the hooks as deployments write them). */
  config: DemoConfig;
  /** What the harness did, in words. */
  description: string;
  /** gunicorn's max_requests for the run (0 = off). */
  maxRequests: number;
  /** Why each worker that died did, by construction of the case (what the harness did), not by the classifier. */
  truth: Record<string, Cause>;
  /** The same from the log alone, where the log cannot tell as much (no container evidence, no fault timeline). */
  truthLogOnly: Record<string, Cause>;
  /** The harness's own events: faults, docker events, memory cgroup readings. */
  harnessEvents: HarnessEvent[];
}

export type DemoConfig = "default" | "seed";

/** A line in the demo's logconfig format: `2026-11-25 21:31:12 +0000 [7] [INFO] message`. */
const RECORD_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000) \[(\d+)\] \[(\w+)\] (.*)$/;

/** The log record a logconfig-format line holds; undefined for what the app printed itself (banners, tracebacks). */
export function recordOf(text: string): { asctime: string; pid: number; level: string; message: string } | undefined {
  const record = RECORD_LINE.exec(text);
  return record ? { asctime: record[1]!, pid: Number(record[2]), level: record[3]!, message: record[4]! } : undefined;
}

/**
 * The line as python-json-logger in a logconfig_dict prints its record (with `extra` keys, a host for one); what the
 * app printed itself stays text, as it does when a team's logging writes JSON.
 */
export function asJsonLoggerRecord(text: string, extra: Record<string, unknown> = {}): string {
  const record = recordOf(text);
  if (!record) return text;
  const { asctime, pid, level, message } = record;
  return JSON.stringify({ asctime, process: pid, levelname: level, name: "gunicorn.error", message, ...extra });
}

export const CORPUS_DIR = new URL("./", import.meta.url);

/** `<docker timestamp> <stream> <text>` per line: the app container's output as the daemon received it. */
export function formatCorpusLine(line: LogLine): string {
  return `${new Date(Math.floor(line.at)).toISOString().replace("Z", "")}${String(Math.round((line.at % 1) * 1000)).padStart(3, "0")}Z ${line.stream} ${line.text}`;
}

export function readCorpusLog(file: URL, source: LogSource = "app"): LogLine[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((raw, i) => {
      const [at, rest] = splitDockerTimestamp(raw);
      const space = rest.indexOf(" ");
      return { seq: i + 1, at, source, stream: rest.slice(0, space) as LogStream, text: rest.slice(space + 1) };
    });
}

/** The names of the recorded cases (`<case>.<suite>.<config>`), sorted. */
export function corpusNames(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** One recorded case: what the harness did and the truth, and the app's lines as Docker received them. */
export function readCorpusCase(name: string): { record: CorpusRecord; lines: LogLine[] } {
  const record = JSON.parse(readFileSync(new URL(`${name}.json`, CORPUS_DIR), "utf8")) as CorpusRecord;
  return { record, lines: readCorpusLog(new URL(`${name}.log`, CORPUS_DIR)) };
}

/** Parses recorded lines into events, as a live run would. */
export function parseLines(lines: LogLine[]): { events: LogEvent[]; unparsed: number } {
  const events: LogEvent[] = [];
  const parser = new GunicornLogParser((e) => events.push(e));
  for (const line of lines) parser.push(line);
  parser.flush();
  return { events, unparsed: parser.unparsed };
}

export function byTime(events: RunEvent[]): RunEvent[] {
  return [...events].sort((a, b) => a.at - b.at);
}
