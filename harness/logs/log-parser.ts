import type { FromLog, LogEvent } from "../events/events.ts";
import { matchAccessLine } from "./access-line.ts";
import type { LogLine } from "./log-line.ts";
import { type MessageFacts, matchBareLine, matchMessage, parseRecordPrefix } from "./parse-line.ts";

/** A line to parse; `at` may be missing for log files, where the line's own timestamp is used instead. */
export type ParserInput = Omit<LogLine, "at"> & { at?: number };

const RULE_LINE = /^\s*(?:={5,}|#{5,}|\*{5,})/;
const ONLY_RULE = /^\s*(?:={5,}|#{5,}|\*{5,})\s*$/;
const MAX_BLOCK_LINES = 400;

interface OpenBlock {
  kind: "banner" | "traceback";
  flavour: "exception" | "faulthandler";
  first: FromLog;
  lines: string[];
  /** An exception traceback saw its exception line; only a chained exception can continue it. */
  ended?: boolean;
}

const CHAINED = /^(During handling of the above exception|The above exception was the direct cause)/;

/**
 * Turns gunicorn/uvicorn output into events, one stream at a time. Multi-line blocks are kept whole:
 * banners (a rule line of 5+ `=`, `#` or `*`, the title on it or on the next line, up to the next rule
 * line), Python tracebacks, and faulthandler stack dumps. Structured log records that interleave with a
 * block (other processes write to the same pipe) are parsed on their own and do not break the block.
 * Access lines (harness/logs/access-line.ts), with or without a record prefix, become `access` events, counted
 * apart; like a record, one ends an open traceback. Every other line becomes an `unparsed` event: counted, never dropped.
 */
export class GunicornLogParser {
  private readonly open = new Map<string, OpenBlock>();
  private readonly lastPid = new Map<string, number>();
  private lastAt = 0;
  unparsed = 0;
  access = 0;

  constructor(private readonly emit: (event: LogEvent) => void) {}

  push(line: ParserInput): void {
    const key = `${line.source}/${line.stream}`;
    const text = line.text.replace(/\r$/, "");
    const record = parseRecordPrefix(text);
    const at = line.at ?? parseLoggedAt(record?.loggedAt) ?? this.lastAt;
    this.lastAt = Math.max(this.lastAt, at);
    const origin: FromLog = { at, source: line.source, stream: line.stream, seq: line.seq, raw: text };

    if (record) {
      if (this.open.get(key)?.kind === "traceback") this.close(key);
      if (record.loggedBy !== undefined) this.lastPid.set(key, record.loggedBy);
      if (record.message.startsWith("Traceback (most recent call last):")) {
        // uvicorn logs a failed startup as one record whose message is the whole traceback
        this.open.set(key, {
          kind: "traceback",
          flavour: "exception",
          first: { ...origin, loggedBy: record.loggedBy, level: record.level },
          lines: [text],
        });
        return;
      }
      const facts =
        matchMessage(record.message, record.loggedBy) ??
        accessFacts(record.message, record.loggedBy) ??
        ({ kind: "log-record", message: record.message } as const);
      this.emitFacts({ ...origin, loggedBy: record.loggedBy, level: record.level }, facts);
      return;
    }
    // An access line is whole, like a record: it ends a traceback (never its message), but a banner keeps every line.
    const access = this.open.get(key)?.kind === "banner" || /^\s/.test(text) ? undefined : accessFacts(text);
    if (access) {
      this.close(key);
      this.emitFacts(origin, access);
      return;
    }
    if (this.extendBlock(key, text, origin)) return;
    const bare = matchBareLine(text);
    this.emitFacts(origin, bare ?? { kind: "unparsed" });
  }

  /** A banner or traceback is open: every line may belong to it, so none may be skipped. */
  get inBlock(): boolean {
    return this.open.size > 0;
  }

  /** Closes blocks still open (end of stream, or the stream went quiet). */
  flush(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private extendBlock(key: string, text: string, origin: FromLog): boolean {
    const block = this.open.get(key);
    if (block) {
      if (block.kind === "banner") {
        block.lines.push(text);
        if (ONLY_RULE.test(text) || block.lines.length >= MAX_BLOCK_LINES) this.close(key);
        return true;
      }
      if (block.flavour === "exception") {
        // After the exception line, its message may go on (a driver's SQL and DETAIL lines), up to the next
        // record, block or line gunicorn would print on its own.
        const messageGoesOn = block.ended && !openBlock(text) && !matchBareLine(text);
        if (!block.ended || text === "" || CHAINED.test(text) || messageGoesOn) {
          block.lines.push(text);
          if (CHAINED.test(text)) block.ended = false;
          else if (!block.ended && endsTraceback(text)) block.ended = true;
          return true;
        }
      } else if (continuesFaulthandlerDump(text)) {
        block.lines.push(text);
        if (block.lines.length >= MAX_BLOCK_LINES) this.close(key);
        return true;
      }
      this.close(key);
    }
    const opened = openBlock(text);
    if (!opened) return false;
    this.open.set(key, { ...opened, first: { ...origin, loggedBy: this.lastPid.get(key) }, lines: [text] });
    return true;
  }

  private close(key: string): void {
    const block = this.open.get(key);
    if (!block) return;
    this.open.delete(key);
    while (block.lines.length > 1 && block.lines.at(-1) === "") block.lines.pop();
    const origin = { ...block.first, raw: block.lines.join("\n") };
    if (block.kind === "banner") {
      this.emit({ ...origin, kind: "banner", title: bannerTitle(block.lines), lines: block.lines });
    } else {
      this.emit({ ...origin, kind: "traceback", flavour: block.flavour, lines: block.lines });
    }
  }

  private emitFacts(origin: FromLog, facts: MessageFacts): void {
    if (facts.kind === "unparsed") this.unparsed++;
    else if (facts.kind === "access") this.access++;
    this.emit({ ...origin, ...facts } as LogEvent);
  }
}

function accessFacts(text: string, loggedBy?: number): MessageFacts | undefined {
  const request = matchAccessLine(text, loggedBy);
  return request && { kind: "access", ...request };
}

/** `ConnectionResetError: [Errno 104] ...`: an exception Python prints with no traceback of its own (the cause of a chained one). */
const EXCEPTION_LINE = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception)(?::|$)/;

function openBlock(text: string): Pick<OpenBlock, "kind" | "flavour" | "ended"> | undefined {
  if (RULE_LINE.test(text)) return { kind: "banner", flavour: "exception" };
  if (text.startsWith("Traceback (most recent call last):")) return { kind: "traceback", flavour: "exception" };
  if (text.startsWith("Fatal Python error:")) return { kind: "traceback", flavour: "faulthandler" };
  if (EXCEPTION_LINE.test(text)) return { kind: "traceback", flavour: "exception", ended: true };
  return undefined;
}

function continuesFaulthandlerDump(text: string): boolean {
  return text === "" || /^\s/.test(text) || /^(Current thread|Thread) 0x[0-9a-f]+|^Extension modules:|^<no Python frame>/.test(text);
}

function endsTraceback(text: string): boolean {
  return text !== "" && !/^\s/.test(text) && !/^(During handling|The above exception|Traceback \()/.test(text);
}

function bannerTitle(lines: string[]): string {
  const stripRule = (line: string) => line.replace(/^[\s=#*]+|[\s=#*]+$/g, "").trim();
  return lines.map(stripRule).find(Boolean) ?? "";
}

/** Reads `2026-11-25 20:54:06 +0000` (or ISO) as epoch ms; undefined when absent or unreadable. */
export function parseLoggedAt(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const iso = text
    .replace(" ", "T")
    .replace(",", ".")
    .replace(/ ?UTC$/, "Z")
    .replace(/ ?([+-]\d{2}):?(\d{2})$/, "$1:$2");
  const ms = Date.parse(/[Z+-]\d{2}:?\d{2}$|Z$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
