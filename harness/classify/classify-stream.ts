import { type JsonKeys, type LineShape, unwrapLine } from "../logs/line-envelope.ts";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { parseRecordPrefix, RULE_WORDS } from "../logs/parse-line.ts";
import { MAX_LINE_CHARS, type ReadStats, readLineRuns } from "../logs/read-line-runs.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import type { ClassifyOptions, Death } from "./death.ts";

export interface StreamOptions extends ClassifyOptions {
  /** Where a JSON line keeps its message, level, pid, time, logger and instance (`--json-keys`). */
  jsonKeys?: JsonKeys;
  /** Takes each death as it is judged, instead of `deaths` keeping them all: memory then stays flat however many workers died. */
  onDeath?: (death: InstanceDeath) => void;
}

/** A death, with the instance (replica, pod, container, host) whose log it is in; null for a single-instance log. */
export interface InstanceDeath extends Omit<Death, "instance"> {
  instance: string | null;
}

export interface StreamVerdict {
  /** Every death, in time order (empty when `onDeath` took them). */
  deaths: InstanceDeath[];
  /** Lines read. */
  lines: number;
  /** Lines read closely: the rest were routine (no word the classifier needs, outside any banner or traceback). */
  inspected: number;
  /** Inspected lines the parser did not understand (kept out of the verdict, counted). */
  unparsed: number;
  /** Inspected lines that were access lines (a request the app logged): understood, and no part of any death. */
  access: number;
  /** Inspected lines by the envelope they came in (plain, json, compose, kubectl, journald, syslog, platform ...). */
  shapes: Partial<Record<LineShape, number>>;
  unparsedByShape: Partial<Record<LineShape, number>>;
  /** Lines cut at 1 MiB. */
  overlong: number;
  gzip: boolean;
  /** The instances the lines named, in the order first seen (a death's `instance` is null when there was one or none). */
  instances: string[];
  /**
   * Lines that named no instance (what the app printed itself, beside records that name their host) in a stream of
   * several instances, and that nothing else placed: no other instance had a banner or traceback open, and the pid
   * they name (if any) is known to several instances or none. Each went to the instance named last: a guess.
   */
  guessedInstance: number;
}

/**
 * What the classifier looks for, one of which is on every line that can matter; any other line is routine
 * (an access line, the app's own chatter) and is passed over unread, unless a banner or traceback is open:
 * the first word of every parser rule (RULE_WORDS), what opens or marks a block (banners, tracebacks, errors),
 * and the target's banner patterns when given. A superset is enough (a line it lets through is only read
 * closely), so the words are short, and they are searched as one trie (`W(?:orker|aiting|ORKER)`): a long
 * list of alternatives made the search of a whole run 1.6x slower. Upper-case initials on purpose: a
 * pattern that can start with a common letter makes the search slow.
 */
export function neededWords(banners: Partial<Record<string, string>> = {}): string {
  const ruleWords = RULE_WORDS.map((word) => /^[^\s\\]+/.exec(word)?.[0] ?? word);
  const words = [...ruleWords, "WORKER", "Traceback", "Fatal", "FATAL", "ERROR", "Error", "CRITICAL", "Critical", "Exception"];
  const marks = ["={5}", "#{5}", "\\*{5}", '"(?:error|critical|fatal)"', ...Object.values(banners).flatMap((p) => (p ? [`(?:${p})`] : []))];
  return [trie(words), ...marks].join("|");
}

/** Words as one alternation that shares their prefixes; a word that is a prefix of another covers it. */
function trie(words: string[]): string {
  interface Node {
    end?: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { next: new Map() };
  for (const word of words) {
    let node = root;
    for (const char of word) {
      let next = node.next.get(char);
      if (!next) node.next.set(char, (next = { next: new Map() }));
      node = next;
    }
    node.end = true;
  }
  const source = (node: Node): string => {
    if (node.end) return "";
    const branches = [...node.next].map(([char, next]) => char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + source(next));
    return branches.length === 1 ? branches[0]! : `(?:${branches.join("|")})`;
  };
  return source(root);
}

interface Instance {
  parser: GunicornLogParser;
  classifier: DeathClassifier;
}

/**
 * Classifies an exported log as production delivers it (plain gunicorn text, JSON lines, collector
 * prefixes, several instances in one stream, gzip), streaming: deaths are keyed by (instance, pid) and
 * never merged across instances, so replicas interleaved line by line cannot change a verdict where every
 * line names its instance (the app's own lines in a JSON stream are placed, or counted as guessed). Memory grows with live
 * workers (and the deaths it keeps when no `onDeath` takes them), not with lines; the search for lines that
 * matter runs over whole runs of text.
 */
export async function classifyLogStream(input: AsyncIterable<Buffer | string>, options: StreamOptions = {}): Promise<StreamVerdict> {
  const instances = new Map<string | null, Instance>();
  const deaths: InstanceDeath[] = [];
  const instanceOf = (name: string | null): Instance => {
    let instance = instances.get(name);
    if (!instance) {
      const take = options.onDeath ?? ((death: InstanceDeath) => deaths.push(death));
      const classifier = new DeathClassifier(options, (death) => take({ ...death, instance: name }));
      instances.set(name, (instance = { classifier, parser: new GunicornLogParser((event) => classifier.push(event)) }));
    }
    return instance;
  };
  // "m": a target's banner pattern may anchor at a line's start, and the search runs over many lines at once.
  const needed = new RegExp(neededWords(options.banners), "gm");
  let openBlocks = 0;
  let lastInstance: string | null = null;
  const stats: ReadStats = { overlong: 0, gzip: false };
  const verdict: StreamVerdict = {
    deaths,
    lines: 0,
    inspected: 0,
    unparsed: 0,
    access: 0,
    shapes: {},
    unparsedByShape: {},
    overlong: 0,
    gzip: false,
    instances: [],
    guessedInstance: 0,
  };

  /**
   * Where a line that names no instance belongs, in a stream of several: the one instance with a banner or
   * traceback open, else the one instance that knows the pid the line names, else the instance named last.
   */
  const ownerOf = (text: string): string | null => {
    const named = [...instances].filter((entry): entry is [string, Instance] => entry[0] !== null);
    if (named.length < 2) return lastInstance;
    const open = named.filter(([, instance]) => instance.parser.inBlock);
    if (open.length === 1) return open[0]![0];
    const pid = pidNamedIn(text);
    const knowing = pid === undefined ? [] : named.filter(([, instance]) => instance.classifier.knows(pid));
    if (knowing.length === 1) return knowing[0]![0];
    verdict.guessedInstance++;
    return lastInstance;
  };

  const inspect = (raw: string, seq: number) => {
    verdict.inspected++;
    if (raw.length > MAX_LINE_CHARS) stats.overlong++;
    const line = unwrapLine(raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw, options.jsonKeys);
    const owner = line.instance ?? ownerOf(line.text);
    lastInstance = line.instance ?? lastInstance;
    const { parser } = instanceOf(owner);
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
    verdict.access += parser.access;
    classifier.finish();
  }
  deaths.sort((a, b) => a.at - b.at);
  verdict.instances = [...instances.keys()].filter((name): name is string => name !== null);
  nameInstances(deaths, verdict.instances);
  return { ...verdict, overlong: stats.overlong, gzip: stats.gzip };
}

/** One instance named throughout is a single-instance log, whatever envelope named it: its deaths name none (`instances` keeps the name). */
export function nameInstances(deaths: InstanceDeath[], instances: readonly string[]): void {
  if (instances.length === 1) for (const death of deaths) death.instance = null;
}

/** The pid a line names: its record prefix's `[pid]`, else a `pid 7` / `PID: 7` / `pid=7` in its text (banners). */
function pidNamedIn(text: string): number | undefined {
  const byPrefix = parseRecordPrefix(text)?.loggedBy;
  if (byPrefix !== undefined) return byPrefix;
  const named = /\bpid\b\D{0,3}(\d+)/i.exec(text);
  return named ? Number(named[1]) : undefined;
}

/** Lines (each ending with \n) in run[from, to). */
function countLines(run: string, from: number, to: number): number {
  let count = 0;
  for (let at = run.indexOf("\n", from); at >= 0 && at < to; at = run.indexOf("\n", at + 1)) count++;
  return count;
}
