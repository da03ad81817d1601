import { type JsonKeys, type LineShape, unwrapLine } from "../logs/line-envelope.ts";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { type ReadStats, readLineRuns } from "../logs/read-line-runs.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import type { ClassifyOptions, Death } from "./death.ts";

export interface StreamOptions extends ClassifyOptions {
  /** Where a JSON line keeps its message, level, pid, time, logger and instance (`--json-keys`). */
  jsonKeys?: JsonKeys;
}

/** A death, with the instance (replica, pod, container, host) whose log it is in; null for a single-instance log. */
interface InstanceDeath extends Omit<Death, "instance"> {
  instance: string | null;
}

export interface StreamVerdict {
  deaths: InstanceDeath[];
  /** Lines read. */
  lines: number;
  /** Lines read closely: the rest were routine (no word the classifier needs, outside any banner or traceback). */
  inspected: number;
  /** Inspected lines the parser did not understand (kept out of the verdict, counted). */
  unparsed: number;
  /** Inspected lines by the envelope they came in (plain, json, compose, kubectl, journald, syslog, platform ...). */
  shapes: Partial<Record<LineShape, number>>;
  unparsedByShape: Partial<Record<LineShape, number>>;
  /** Lines cut at 1 MiB. */
  overlong: number;
  gzip: boolean;
}

/**
 * Words the classifier needs, one of which is on every line that can matter; any other line is routine
 * (an access line, the app's own chatter) and is passed over unread, unless a banner or traceback is
 * open. Upper-case initials on purpose: a pattern that can start with a common letter makes the search
 * of a whole run slow. The target's banner patterns join them.
 */
const NEEDED =
  "Starting gunicorn|Booting worker|Handling signal|Hang up|Shutting down|Reason:|Application startup|Waiting for connections|" +
  "Finished server process|Worker |WORKER|Maximum request limit|Autorestarting|={5}|#{5}|\\*{5}|Traceback|Fatal|FATAL|" +
  'ERROR|Error|CRITICAL|Critical|Exception|"(?:error|critical|fatal)"';
/** A line is cut at this many characters when read closely (a longer one is counted). */
const MAX_LINE_CHARS = 1024 * 1024;

interface Instance {
  parser: GunicornLogParser;
  classifier: DeathClassifier;
}

/**
 * Classifies an exported log as production delivers it (plain gunicorn text, JSON lines, collector
 * prefixes, several instances in one stream, gzip), streaming: deaths are keyed by (instance, pid) and
 * never merged across instances, so interleaved replicas cannot change a verdict. Memory grows with live
 * workers and deaths, not with lines; the search for lines that matter runs over whole runs of text.
 */
export async function classifyLogStream(input: AsyncIterable<Buffer | string>, options: StreamOptions = {}): Promise<StreamVerdict> {
  const instances = new Map<string | null, Instance>();
  const deaths: InstanceDeath[] = [];
  const instanceOf = (name: string | null): Instance => {
    let instance = instances.get(name);
    if (!instance) {
      const classifier = new DeathClassifier(options, (death) => deaths.push({ ...death, instance: name }));
      instances.set(name, (instance = { classifier, parser: new GunicornLogParser((event) => classifier.push(event)) }));
    }
    return instance;
  };
  // "m": a target's banner pattern may anchor at a line's start, and the search runs over many lines at once.
  const needed = new RegExp([NEEDED, ...Object.values(options.banners ?? {})].map((p) => `(?:${p})`).join("|"), "gm");
  let openBlocks = 0;
  let lastInstance: string | null = null;
  const stats: ReadStats = { overlong: 0, gzip: false };
  const verdict: StreamVerdict = { deaths, lines: 0, inspected: 0, unparsed: 0, shapes: {}, unparsedByShape: {}, overlong: 0, gzip: false };

  const inspect = (raw: string, seq: number) => {
    verdict.inspected++;
    if (raw.length > MAX_LINE_CHARS) stats.overlong++;
    const line = unwrapLine(raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw, options.jsonKeys);
    // A line with no instance of its own (what the app printed itself, beside JSON records that name their host) belongs to the last one named.
    lastInstance = line.instance ?? lastInstance;
    const { parser } = instanceOf(lastInstance);
    const before = parser.unparsed;
    const wasInBlock = parser.inBlock;
    const stream = line.stream ?? "stderr";
    parser.push({ seq, source: "app", stream, text: line.text, at: line.at });
    for (const more of line.continuation ?? []) parser.push({ seq, source: "app", stream, text: more, at: line.at });
    openBlocks += Number(parser.inBlock) - Number(wasInBlock);
    verdict.shapes[line.shape] = (verdict.shapes[line.shape] ?? 0) + 1;
    const unparsed = parser.unparsed - before;
    if (unparsed > 0) verdict.unparsedByShape[line.shape] = (verdict.unparsedByShape[line.shape] ?? 0) + unparsed;
  };

  for await (const run of readLineRuns(input, stats)) {
    let start = 0;
    while (start < run.length) {
      if (openBlocks === 0) {
        needed.lastIndex = start;
        const found = needed.exec(run);
        if (!found) {
          verdict.lines += countLines(run, start, run.length);
          break;
        }
        const lineStart = run.lastIndexOf("\n", found.index - 1) + 1;
        verdict.lines += countLines(run, start, lineStart);
        start = lineStart;
      }
      const end = run.indexOf("\n", start);
      // A copy, not a slice: a slice would keep the whole run alive for as long as a death quotes the line.
      inspect(Buffer.from(run.slice(start, end)).toString(), ++verdict.lines);
      start = end + 1;
    }
  }
  for (const { parser, classifier } of instances.values()) {
    parser.flush();
    verdict.unparsed += parser.unparsed;
    classifier.finish();
  }
  deaths.sort((a, b) => a.at - b.at);
  return { ...verdict, overlong: stats.overlong, gzip: stats.gzip };
}

/** Lines (each ending with \n) in run[from, to). */
function countLines(run: string, from: number, to: number): number {
  let count = 0;
  for (let at = run.indexOf("\n", from); at >= 0 && at < to; at = run.indexOf("\n", at + 1)) count++;
  return count;
}
