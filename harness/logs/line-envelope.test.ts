import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, readCorpusLog } from "../classify/corpus/corpus-format.ts";
import type { LogEvent } from "../events/events.ts";
import { DEFAULT_JSON_KEYS, type LineShape, parseJsonKeys, type Unwrapped, unwrapLine } from "./line-envelope.ts";
import type { LogLine } from "./log-line.ts";
import { GunicornLogParser } from "./log-parser.ts";
import { parseRecordPrefix } from "./parse-line.ts";

// ---------------------------------------------------------------------------------------------------
// The corpus, and each envelope exactly as its tool prints it

const CORPUS = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith(".log"))
  .sort()
  .map((f) => ({ name: f.slice(0, -4), lines: readCorpusLog(new URL(f, CORPUS_DIR)) }));

/** gunicorn's default format, `[date] [pid] [LEVEL] msg`, from the logconfig format the corpus was recorded in. */
function toDefaultFormat(lines: LogLine[]): LogLine[] {
  return lines.map((line) => ({ ...line, text: line.text.replace(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}) (?=\[\d+\] \[)/, "[$1] ") }));
}

const VARIANTS = [
  ...CORPUS.map(({ name, lines }) => ({ name: `${name} (logconfig format)`, lines })),
  ...CORPUS.map(({ name, lines }) => ({ name: `${name} (gunicorn default format)`, lines: toDefaultFormat(lines) })),
];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const COMPOSE_WIDTH = "worker-1".length + 1; // compose v2 pads every name to the longest one plus one

/** RFC 3339 with `digits` of fraction (0, 3, 6 or 9) and the zone as given. */
function rfc3339(at: number, digits: number, zone = "Z"): string {
  const iso = new Date(Math.floor(at)).toISOString();
  const fraction = `${iso.slice(20, 23)}${String(Math.round((at % 1) * 1000)).padStart(3, "0")}000`.slice(0, digits);
  return `${iso.slice(0, 19)}${digits > 0 ? `.${fraction}` : ""}${zone}`;
}

/** `Nov 25 21:31:22` (journalctl: zero-padded day) or `Nov  5 ...` (RFC 3164: space-padded). */
function syslogTime(at: number, pad: "0" | " " = "0", precise = false): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, pad)} ${time}${precise ? rfc3339(at, 6).slice(19, 26) : ""}`;
}

/** Go's encoding/json, as Docker's json-file driver writes strings (HTML characters escaped). */
function goJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Python's json.dumps (ensure_ascii, `", "` and `": "` separators), as python-json-logger prints a record. */
function pyJsonDumps(record: Record<string, string | number>): string {
  const value = (v: string | number) =>
    typeof v === "number"
      ? String(v)
      : JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `{${Object.entries(record)
    .map(([k, v]) => `${value(k)}: ${value(v)}`)
    .join(", ")}}`;
}

type TimePrecision = "none" | "micro" | "milli" | "second" | "syslog";

interface LineWrap {
  shape: LineShape;
  instance?: string;
  time: TimePrecision;
  stream?: "stderr";
  wrap: (text: string, at: number) => string;
}

const POD = "pod/web-7d9f8c6b5-x2k4q/app";

/** One raw line per app line, as each tool prints it. */
const LINE_WRAPS: Record<string, LineWrap> = {
  "compose v2": { shape: "compose", instance: "web-1", time: "none", wrap: (t) => `${"web-1".padEnd(COMPOSE_WIDTH)} | ${t}` },
  "compose v1": { shape: "compose", instance: "web_1", time: "none", wrap: (t) => `${"web_1".padEnd(COMPOSE_WIDTH)} | ${t}` },
  "compose logs -t": {
    shape: "compose",
    instance: "web-1",
    time: "micro",
    wrap: (t, at) => `${"web-1".padEnd(COMPOSE_WIDTH)} | ${rfc3339(at, 9)} ${t}`,
  },
  "kubectl --prefix": { shape: "kubectl", instance: POD, time: "none", wrap: (t) => `[${POD}] ${t}` },
  "kubectl --prefix --timestamps": { shape: "kubectl", instance: POD, time: "micro", wrap: (t, at) => `[${POD}] ${rfc3339(at, 9)} ${t}` },
  "kubectl --timestamps": { shape: "timestamped", time: "micro", wrap: (t, at) => `${rfc3339(at, 9)} ${t}` },
  "docker logs -t": { shape: "timestamped", time: "micro", wrap: (t, at) => `${rfc3339(at, 9)} ${t}` },
  "CRI log file": { shape: "timestamped", time: "micro", stream: "stderr", wrap: (t, at) => `${rfc3339(at, 9)} stderr F ${t}` },
  "journalctl (short)": {
    shape: "journald",
    instance: "ip-10-0-1-23",
    time: "syslog",
    wrap: (t, at) => `${syslogTime(at)} ip-10-0-1-23 gunicorn[812]: ${t}`,
  },
  "journalctl -o short-precise": {
    shape: "journald",
    instance: "ip-10-0-1-23",
    time: "syslog",
    wrap: (t, at) => `${syslogTime(at, "0", true)} ip-10-0-1-23 gunicorn[812]: ${t}`,
  },
  "journalctl -o short-iso": {
    shape: "journald",
    instance: "ip-10-0-1-23",
    time: "second",
    wrap: (t, at) => `${rfc3339(at, 0, "+0000")} ip-10-0-1-23 gunicorn[812]: ${t}`,
  },
  "syslog RFC 5424": {
    shape: "syslog",
    instance: "web-host-2",
    time: "micro",
    wrap: (t, at) => `<134>1 ${rfc3339(at, 6)} web-host-2 gunicorn 812 - - ${t}`,
  },
  "syslog RFC 5424 with structured data": {
    shape: "syslog",
    instance: "web-host-2",
    time: "milli",
    wrap: (t, at) => `<134>1 ${rfc3339(at, 3)} web-host-2 gunicorn 812 app [origin ip="10.0.1.23"][meta seq="1" note="a \\] b"] ${t}`,
  },
  "syslog RFC 3164": {
    shape: "syslog",
    instance: "web-host-2",
    time: "syslog",
    wrap: (t, at) => `<134>${syslogTime(at, " ")} web-host-2 gunicorn[812]: ${t}`,
  },
  "Heroku drain (octet-counted RFC 5424)": {
    shape: "syslog",
    instance: "web.1",
    time: "micro",
    wrap: (t, at) => {
      const body = `<190>1 ${rfc3339(at, 6, "+00:00")} host app web.1 - ${t}`;
      return `${Buffer.byteLength(body)} ${body}`;
    },
  },
  "heroku logs": { shape: "platform", instance: "web.1", time: "micro", wrap: (t, at) => `${rfc3339(at, 6, "+00:00")} app[web.1]: ${t}` },
  "fly logs": {
    shape: "platform",
    instance: "148e1234",
    time: "second",
    wrap: (t, at) => `${rfc3339(at, 0)} app[148e1234] iad [info]${t}`,
  },
  Render: {
    shape: "platform",
    instance: "srv-d0abc123xyz-7f9c4",
    time: "micro",
    wrap: (t, at) => `${rfc3339(at, 6)} srv-d0abc123xyz-7f9c4 ${t}`,
  },
  "aws logs tail": {
    shape: "platform",
    instance: "ecs/web/4f1c2b0e9a7d4c2f",
    time: "milli",
    wrap: (t, at) => `${rfc3339(at, 6, "+00:00").replace(/(\.\d{3})\d{3}/, "$1000")} ecs/web/4f1c2b0e9a7d4c2f ${t}`,
  },
  "Docker json-file": {
    shape: "json",
    time: "micro",
    stream: "stderr",
    wrap: (t, at) => `{"log":${goJsonString(`${t}\n`)},"stream":"stderr","time":"${rfc3339(at, 9)}"}`,
  },
  "Fluent Bit (Kubernetes)": {
    shape: "json",
    instance: "web-7d9f8c6b5-x2k4q",
    time: "micro",
    stream: "stderr",
    wrap: (t, at) =>
      JSON.stringify({
        date: Number((at / 1000).toFixed(6)),
        time: rfc3339(at, 9),
        stream: "stderr",
        _p: "F",
        log: t,
        kubernetes: { pod_name: "web-7d9f8c6b5-x2k4q", namespace_name: "default", container_name: "app", host: "node-1" },
      }),
  },
};

const HOSTNAME = "ip-10-0-1-23";

/**
 * python-json-logger around gunicorn's records (`%(message)s %(levelname)s %(process)d %(asctime)s %(name)s`,
 * a `hostname` static field). uvicorn's failed startup is one record whose message is the whole traceback;
 * lines that are no record (banners, faulthandler dumps, the master's last traceback) are printed as they are.
 */
function pythonJsonLogger(lines: LogLine[]): { text: string; at: number; record: boolean }[] {
  const out: { text: string; at: number; record: boolean }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const record = parseRecordPrefix(line.text);
    if (!record) {
      out.push({ text: line.text, at: line.at, record: false });
      continue;
    }
    let message = record.message;
    if (message.startsWith("Traceback (most recent call last):")) {
      while (i + 1 < lines.length && !parseRecordPrefix(lines[i + 1]!.text)) message += `\n${lines[++i]!.text}`;
    }
    const fields: Record<string, string | number> = { message, levelname: record.level };
    if (record.loggedBy !== undefined) fields.process = record.loggedBy;
    if (record.loggedAt !== undefined) fields.asctime = record.loggedAt;
    fields.name = "gunicorn.error";
    fields.hostname = HOSTNAME;
    out.push({ text: pyJsonDumps(fields), at: line.at, record: true });
  }
  return out;
}

interface JsonWrap {
  /** The shape for a record line and for a line that is none. */
  shape: [record: LineShape, other: LineShape];
  /** The instance for a record line and for a line that is none. */
  instance: [record: string | undefined, other: string | undefined];
  wrap: (text: string, at: number) => string;
}

const JSON_WRAPS: Record<string, JsonWrap> = {
  "python-json-logger": { shape: ["json", "plain"], instance: [HOSTNAME, undefined], wrap: (t) => t },
  "compose around python-json-logger": {
    shape: ["compose", "compose"],
    instance: ["web-1", "web-1"],
    wrap: (t) => LINE_WRAPS["compose v2"]!.wrap(t, 0),
  },
  "Docker json-file around python-json-logger": {
    shape: ["json", "json"],
    instance: [HOSTNAME, undefined],
    wrap: (t, at) => LINE_WRAPS["Docker json-file"]!.wrap(t, at),
  },
  "kubectl --prefix --timestamps around python-json-logger": {
    shape: ["kubectl", "kubectl"],
    instance: [POD, POD],
    wrap: (t, at) => LINE_WRAPS["kubectl --prefix --timestamps"]!.wrap(t, at),
  },
  "heroku logs around python-json-logger": {
    shape: ["platform", "platform"],
    instance: ["web.1", "web.1"],
    wrap: (t, at) => LINE_WRAPS["heroku logs"]!.wrap(t, at),
  },
};

// ---------------------------------------------------------------------------------------------------
// Reading the unwrapped lines as the parser does

/** What an event says, without where and when it was read (seq, time, raw text). */
function meaning(event: LogEvent): Record<string, unknown> {
  const { at, seq, raw, source, stream, ...rest } = event;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** The same, but a block's first line is not compared: a JSON record is rebuilt in the logconfig format. */
function meaningOfRebuilt(event: LogEvent): Record<string, unknown> {
  const facts = meaning(event);
  return "lines" in event ? { ...facts, lines: event.lines.slice(1) } : facts;
}

function parseTexts(texts: string[], read = meaning): { events: Record<string, unknown>[]; unparsed: number } {
  const events: LogEvent[] = [];
  const parser = new GunicornLogParser((e) => events.push(e));
  for (const [i, text] of texts.entries()) parser.push({ seq: i + 1, source: "app", stream: "stderr", text });
  parser.flush();
  return { events: events.map(read), unparsed: parser.unparsed };
}

function fed(unwrapped: Unwrapped[]): string[] {
  return unwrapped.flatMap((u) => [u.text, ...(u.continuation ?? [])]);
}

function expectTime(u: Unwrapped, line: LogLine, precision: TimePrecision): void {
  switch (precision) {
    case "none":
      expect(u.at).toBeUndefined();
      break;
    case "micro":
      expect(Math.abs(u.at! - line.at)).toBeLessThan(0.002);
      break;
    case "milli":
      expect(u.at).toBe(Math.floor(line.at));
      break;
    case "second":
      expect(u.at).toBe(Math.floor(line.at / 1000) * 1000);
      break;
    case "syslog": {
      // no year on the line: the inner line's year, when it has one
      const sameDay = new Date(Math.floor(line.at / 1000) * 1000);
      if (/^\[?\d{4}-/.test(line.text)) expect(new Date(u.at!).toISOString().slice(0, 19)).toBe(sameDay.toISOString().slice(0, 19));
      else expect(new Date(u.at!).toISOString().slice(4, 19)).toBe(sameDay.toISOString().slice(4, 19));
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------

describe("the corpus, wrapped in every envelope", () => {
  it("has logs to wrap", () => expect(CORPUS.length).toBeGreaterThanOrEqual(10));

  describe.each(VARIANTS)("$name", ({ lines }) => {
    const texts = lines.map((l) => l.text);
    const original = parseTexts(texts);

    it("reads every line as plain, unchanged", () => {
      for (const line of lines) expect(unwrapLine(line.text), line.text).toEqual({ shape: "plain", text: line.text });
    });

    it.each(Object.keys(LINE_WRAPS))("%s: the original text, instance and time", (kind) => {
      const { shape, instance, time, stream, wrap } = LINE_WRAPS[kind]!;
      const unwrapped = lines.map((line) => {
        const raw = wrap(line.text, line.at);
        const u = unwrapLine(raw);
        expect(u.text, raw).toBe(line.text);
        expect(u.shape, raw).toBe(shape);
        expect(u.instance, raw).toBe(instance);
        expect(u.stream, raw).toBe(stream);
        expect(u.continuation, raw).toBeUndefined();
        expectTime(u, line, time);
        return u;
      });
      expect(parseTexts(fed(unwrapped))).toEqual(original);
    });

    it.each(Object.keys(JSON_WRAPS))("%s: the same events (kinds, pids, levels, signals), instance and shape", (kind) => {
      const { shape, instance, wrap } = JSON_WRAPS[kind]!;
      const unwrapped = pythonJsonLogger(lines).map(({ text, at, record }) => {
        const raw = wrap(text, at);
        const u = unwrapLine(raw);
        expect(u.shape, raw).toBe(shape[record ? 0 : 1]);
        expect(u.instance, raw).toBe(instance[record ? 0 : 1]);
        if (record) expect(u.logger, raw).toBe("gunicorn.error");
        return u;
      });
      expect(unwrapped.some((u) => u.continuation !== undefined) || !lines.some((l) => l.text.includes("[ERROR] Traceback"))).toBe(true);
      expect(parseTexts(fed(unwrapped), meaningOfRebuilt)).toEqual(parseTexts(texts, meaningOfRebuilt));
    });
  });
});

// ---------------------------------------------------------------------------------------------------

const RECORD = "2026-11-25 20:54:06 +0000 [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?";
const DEFAULT_RECORD = "[2026-11-25 20:54:06 +0000] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?";
const AT = Date.UTC(2026, 10, 25, 20, 54, 6);

function eventsOf(u: Unwrapped): Record<string, unknown>[] {
  return parseTexts(fed([u])).events;
}

describe("plain lines", () => {
  it.each([
    RECORD,
    DEFAULT_RECORD,
    "[ERROR] Worker (pid:59) was sent SIGTERM!",
    "Traceback (most recent call last):",
    '  File "/srv/app/app/main.py", line 46 in block_event_loop',
    "==================== WORKER KILLED BY SIGKILL - PID 7 ====================",
    "Signal: SIGTERM",
    "INFO:     Started server process [8]",
    "web | not a compose prefix: no replica number",
    "Blocking call: block_event_loop at /srv/app/app/main.py:46",
    "{not json}",
    "[1] [INFO] x",
    "<html>",
    "2026-11-25",
    "x",
  ])("%s", (line) => {
    expect(unwrapLine(line)).toEqual({ shape: "plain", text: line });
  });

  it("the empty string", () => expect(unwrapLine("")).toEqual({ shape: "plain", text: "" }));

  it("strips a CRLF export's \\r, and a byte-order mark", () => {
    expect(unwrapLine(`${RECORD}\r`)).toEqual({ shape: "plain", text: RECORD });
    expect(unwrapLine(`\uFEFF${DEFAULT_RECORD}\r`)).toEqual({ shape: "plain", text: DEFAULT_RECORD });
    expect(unwrapLine(`web-1  | ${RECORD}\r`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
    expect(unwrapLine(`{"message": "Worker exiting (pid: 7)", "levelname": "INFO", "process": 7}\r`).text).toBe(
      "[7] [INFO] Worker exiting (pid: 7)",
    );
  });
});

describe("compose", () => {
  it("v2, padded to the longest service name", () => {
    expect(unwrapLine(`web-1     | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
    expect(unwrapLine(`worker-12 | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "worker-12" });
    expect(unwrapLine(`billing-api-web-1  | ${RECORD}`).instance).toBe("billing-api-web-1");
  });

  it("v1, and an empty line", () => {
    expect(unwrapLine(`web_1  | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web_1" });
    expect(unwrapLine("web-1  |")).toEqual({ shape: "compose", text: "", instance: "web-1" });
  });

  it("coloured, as on a terminal", () => {
    const esc = String.fromCharCode(27);
    expect(unwrapLine(`${esc}[36mweb-1  | ${esc}[0m${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
  });

  it("with docker compose logs --timestamps", () => {
    expect(unwrapLine(`web-1  | 2026-11-25T20:54:06.123456789Z ${RECORD}`)).toEqual({
      shape: "compose",
      text: RECORD,
      instance: "web-1",
      at: AT + 123.456,
    });
  });
});

describe("kubectl", () => {
  it("--prefix", () => {
    expect(unwrapLine(`[pod/web-7d9f-abcde/app] ${RECORD}`)).toEqual({
      shape: "kubectl",
      text: RECORD,
      instance: "pod/web-7d9f-abcde/app",
    });
  });

  it("--timestamps alone is a timestamped line", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z ${DEFAULT_RECORD}`)).toEqual({
      shape: "timestamped",
      text: DEFAULT_RECORD,
      at: AT + 123.456,
    });
  });

  it("--prefix --timestamps, in kubectl's order", () => {
    expect(unwrapLine(`[pod/web-7d9f-abcde/app] 2026-11-25T20:54:06.5Z ${RECORD}`)).toEqual({
      shape: "kubectl",
      text: RECORD,
      instance: "pod/web-7d9f-abcde/app",
      at: AT + 500,
    });
  });
});

describe("journald", () => {
  it("short: the host, and the inner line's year", () => {
    expect(unwrapLine(`Nov 25 20:54:06 ip-10-0-1-23 gunicorn[812]: ${DEFAULT_RECORD}`)).toEqual({
      shape: "journald",
      text: DEFAULT_RECORD,
      instance: "ip-10-0-1-23",
      at: AT,
    });
  });

  it("short without a year in the line: this year, or last year if that would be in the future", () => {
    const u = unwrapLine("Nov 25 20:54:06 ip-10-0-1-23 gunicorn[812]: Traceback (most recent call last):");
    expect(u.text).toBe("Traceback (most recent call last):");
    const year = new Date(u.at!).getUTCFullYear();
    expect([new Date().getUTCFullYear(), new Date().getUTCFullYear() - 1]).toContain(year);
    expect(u.at).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
  });

  it("short-precise, and a kernel line without a pid", () => {
    expect(unwrapLine(`Nov 25 20:54:06.250000 web-host gunicorn[812]: ${RECORD}`).at).toBe(AT + 250);
    const oom = unwrapLine("Nov 25 20:54:06 web-host kernel: Out of memory: Killed process 7 (gunicorn) total-vm:812344kB");
    expect(oom).toMatchObject({
      shape: "journald",
      instance: "web-host",
      text: "Out of memory: Killed process 7 (gunicorn) total-vm:812344kB",
    });
  });

  it("short-iso", () => {
    expect(unwrapLine(`2026-11-25T21:54:06+0100 web-host gunicorn[812]: ${RECORD}`)).toEqual({
      shape: "journald",
      text: RECORD,
      instance: "web-host",
      at: AT,
    });
  });
});

describe("syslog", () => {
  it("RFC 5424 with structured data (an escaped ] inside) and a BOM before the message", () => {
    const line = `<134>1 2026-11-25T20:54:06.123Z web-host-2 gunicorn 812 - [meta seq="1" x="a\\]b"][origin ip="10.0.0.1"] \uFEFF${RECORD}`;
    expect(unwrapLine(line)).toEqual({ shape: "syslog", text: RECORD, instance: "web-host-2", at: AT + 123 });
  });

  it("RFC 5424 with nil values", () => {
    expect(unwrapLine(`<14>1 - - - - - - ${RECORD}`)).toEqual({ shape: "syslog", text: RECORD });
  });

  it("a Heroku drain: octet-counted, host `host`, the dyno as PROCID, no structured data", () => {
    const body = `<190>1 2026-11-25T20:54:06.000001+00:00 host app web.1 - ${DEFAULT_RECORD}`;
    expect(unwrapLine(`${body.length} ${body}`)).toEqual({ shape: "syslog", text: DEFAULT_RECORD, instance: "web.1", at: AT + 0.001 });
  });

  it("RFC 3164", () => {
    expect(unwrapLine(`<134>Nov 25 20:54:06 web-host-2 gunicorn[812]: ${RECORD}`)).toEqual({
      shape: "syslog",
      text: RECORD,
      instance: "web-host-2",
      at: AT,
    });
  });
});

describe("platforms", () => {
  it("Render", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456Z srv-abc123-7f9c4 ${RECORD}`)).toEqual({
      shape: "platform",
      text: RECORD,
      instance: "srv-abc123-7f9c4",
      at: AT + 123.456,
    });
  });

  it("Heroku, and its router lines", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456+00:00 app[web.1]: ${DEFAULT_RECORD}`)).toEqual({
      shape: "platform",
      text: DEFAULT_RECORD,
      instance: "web.1",
      at: AT + 123.456,
    });
    const router = unwrapLine(
      '2026-11-25T20:54:06.123456+00:00 heroku[router]: at=error code=H13 desc="Connection closed without response"',
    );
    expect(router).toMatchObject({
      shape: "platform",
      instance: "router",
      text: 'at=error code=H13 desc="Connection closed without response"',
    });
  });

  it("Fly.io, with and without a space after the level, keeping a traceback's indentation", () => {
    const expected = { shape: "platform", text: RECORD, instance: "148e1234", at: AT };
    expect(unwrapLine(`2026-11-25T20:54:06Z app[148e1234] iad [info] ${RECORD}`)).toEqual(expected);
    expect(unwrapLine(`2026-11-25T20:54:06Z app[148e1234] iad [info]${RECORD}`)).toEqual(expected);
    expect(unwrapLine('2026-11-25T20:54:06Z app[148e1234] iad [info]  File "/srv/app/app/main.py", line 25').text).toBe(
      '  File "/srv/app/app/main.py", line 25',
    );
  });

  it("AWS CloudWatch (aws logs tail)", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123000+00:00 ecs/web/4f1c2b0e9a7d4c2f ${RECORD}`)).toEqual({
      shape: "platform",
      text: RECORD,
      instance: "ecs/web/4f1c2b0e9a7d4c2f",
      at: AT + 123,
    });
    expect(unwrapLine(`2026-11-25T20:54:06.123000+00:00 i-0abc123def4567890 ${RECORD}`).instance).toBe("i-0abc123def4567890");
  });

  it("bare text after a timestamp is not taken for an instance", () => {
    for (const text of [
      "Signal: SIGTERM",
      "Blocking call: block_event_loop at /srv/app/app/main.py:46",
      "app/main.py:12: UserWarning: x",
    ]) {
      expect(unwrapLine(`2026-11-25T20:54:06Z ${text}`)).toEqual({ shape: "timestamped", text, at: AT });
    }
  });
});

describe("timestamped", () => {
  it("docker logs -t, a CRI log file, and the harness's own corpus format", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z ${RECORD}`)).toEqual({ shape: "timestamped", text: RECORD, at: AT + 123.456 });
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z stderr F ${RECORD}`)).toEqual({
      shape: "timestamped",
      text: RECORD,
      at: AT + 123.456,
      stream: "stderr",
    });
    expect(unwrapLine(`2026-11-25T20:54:06.123456Z stdout ${RECORD}`)).toEqual({
      shape: "timestamped",
      text: RECORD,
      at: AT + 123.456,
      stream: "stdout",
    });
    expect(unwrapLine("2026-11-25T20:54:06Z")).toEqual({ shape: "timestamped", text: "", at: AT });
  });
});

describe("JSON", () => {
  const pyRecord = (fields: Record<string, string | number>) => pyJsonDumps(fields);

  it("python-json-logger's record becomes gunicorn's logconfig line", () => {
    const line = pyRecord({
      message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      levelname: "ERROR",
      process: 1,
      asctime: "2026-11-25 20:54:06 +0000",
      name: "gunicorn.error",
    });
    const u = unwrapLine(line);
    expect(u).toEqual({ shape: "json", text: RECORD, at: AT, logger: "gunicorn.error" });
    expect(eventsOf(u)).toEqual([
      { kind: "worker-signaled", pid: 7, signal: "SIGKILL", coreDumped: false, oomHint: true, loggedBy: 1, level: "ERROR" },
    ]);
  });

  it("a message that already is a gunicorn line is kept", () => {
    expect(unwrapLine(JSON.stringify({ message: DEFAULT_RECORD, level: "error", time: "2026-11-25T20:54:07Z" })).text).toBe(DEFAULT_RECORD);
  });

  it("levels: upper-case, WARN → WARNING, FATAL → CRITICAL, numeric Python levels; an unknown or missing level is INFO beside a pid, bare without", () => {
    const text = (level: unknown) => unwrapLine(JSON.stringify({ msg: "Shutting down", level, pid: 7 })).text;
    expect(text("warn")).toBe("[7] [WARNING] Shutting down");
    expect(text("Warning")).toBe("[7] [WARNING] Shutting down");
    expect(text("FATAL")).toBe("[7] [CRITICAL] Shutting down");
    expect(text(40)).toBe("[7] [ERROR] Shutting down");
    expect(text("verbose")).toBe("[7] [INFO] Shutting down");
    expect(text(undefined)).toBe("[7] [INFO] Shutting down");
    expect(unwrapLine(JSON.stringify({ msg: "Shutting down", level: "verbose" })).text).toBe("Shutting down");
  });

  it("a traceback in exc_info: the record line first, the traceback as continuation lines", () => {
    const line = pyRecord({
      message: "Exception in ASGI application",
      levelname: "ERROR",
      process: 8,
      asctime: "2026-11-25 20:54:06,412",
      name: "uvicorn.error",
      exc_info:
        'Traceback (most recent call last):\n  File "/srv/app/app/main.py", line 46, in block\n    raise ValueError("boom")\nValueError: boom',
    });
    const u = unwrapLine(line);
    expect(u.text).toBe("2026-11-25 20:54:06 +0000 [8] [ERROR] Exception in ASGI application");
    expect(u.continuation).toEqual([
      "Traceback (most recent call last):",
      '  File "/srv/app/app/main.py", line 46, in block',
      '    raise ValueError("boom")',
      "ValueError: boom",
    ]);
    expect(u.at).toBe(AT + 412);
    expect(eventsOf(u).map((e) => [e.kind, e.loggedBy, e.level])).toEqual([
      ["log-record", 8, "ERROR"],
      ["traceback", 8, undefined],
    ]);
  });

  it("uvicorn's failed startup: one record whose message is the traceback", () => {
    const u = unwrapLine(
      JSON.stringify({
        message: 'Traceback (most recent call last):\r\n  File "/srv/app/app/db.py", line 75\r\nRuntimeError: Startup failed\n',
        levelname: "ERROR",
        process: 7,
      }),
    );
    expect(u.text).toBe("[7] [ERROR] Traceback (most recent call last):");
    expect(u.continuation).toEqual(['  File "/srv/app/app/db.py", line 75', "RuntimeError: Startup failed"]);
    expect(eventsOf(u)).toMatchObject([{ kind: "traceback", loggedBy: 7, level: "ERROR" }]);
  });

  it("Docker's json-file driver: the line, its stream and the daemon's time", () => {
    const line = `{"log":${goJsonString(`${DEFAULT_RECORD}\n`)},"stream":"stderr","time":"2026-11-25T20:54:06.123456789Z"}`;
    expect(unwrapLine(line)).toEqual({ shape: "json", text: DEFAULT_RECORD, stream: "stderr", at: AT + 123.456 });
  });

  it("json-file around python-json-logger: the inner record, the envelope's time", () => {
    const inner = pyRecord({
      message: "Booting worker with pid: 9",
      levelname: "INFO",
      process: 9,
      asctime: "2026-11-25 20:54:05 +0000",
      hostname: "web-a",
    });
    const u = unwrapLine(`{"log":${goJsonString(`${inner}\n`)},"stream":"stdout","time":"2026-11-25T20:54:06Z"}`);
    expect(u).toEqual({
      shape: "json",
      text: "2026-11-25 20:54:05 +0000 [9] [INFO] Booting worker with pid: 9",
      instance: "web-a",
      at: AT,
      stream: "stdout",
    });
  });

  it("Fluent Bit with the record parsed into a nested `log` object", () => {
    const line = JSON.stringify({
      date: AT / 1000,
      log: {
        message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
        levelname: "ERROR",
        process: 1,
        asctime: "2026-11-25 20:54:06 +0000",
      },
      kubernetes: { pod_name: "web-7d9f8c6b5-x2k4q", container_name: "app" },
    });
    expect(unwrapLine(line)).toEqual({ shape: "json", text: RECORD, instance: "web-7d9f8c6b5-x2k4q", at: AT });
  });

  it("ECS (ecs-logging-python): dotted and nested keys", () => {
    const line = JSON.stringify({
      "@timestamp": "2026-11-25T20:54:06.000Z",
      "log.level": "error",
      message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      process: { pid: 1, name: "MainProcess" },
      host: { hostname: "web-a" },
      log: { logger: "gunicorn.error" },
    });
    expect(unwrapLine(line)).toEqual({ shape: "json", text: RECORD, instance: "web-a", at: AT, logger: "gunicorn.error" });
  });

  it("custom keys through parseJsonKeys", () => {
    const keys = { ...DEFAULT_JSON_KEYS, ...parseJsonKeys("message=text, level=lvl,pid=proc,instance=dyno,time=t,logger=src") };
    const line = JSON.stringify({
      text: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      lvl: "err",
      proc: "1",
      dyno: "web.2",
      t: AT / 1000,
      src: "gunicorn.error",
    });
    expect(unwrapLine(line, keys)).toEqual({ shape: "json", text: RECORD, instance: "web.2", at: AT, logger: "gunicorn.error" });
    // the defaults no longer apply to the fields given
    expect(unwrapLine(JSON.stringify({ message: "x", level: "info" }), keys)).toEqual({
      shape: "json",
      text: '{"message":"x","level":"info"}',
    });
  });

  it("invalid JSON, or JSON that is not an object, is plain; an object without a message stays whole", () => {
    for (const line of ['{"message": "x"', '{"message": "x",}', '{"a": 1} trailing', "[1, 2]", '"text"', "{}{}"]) {
      expect(unwrapLine(line), line).toEqual({ shape: "plain", text: line });
    }
    expect(unwrapLine('{"status": 200, "path": "/health"}')).toEqual({ shape: "json", text: '{"status": 200, "path": "/health"}' });
  });
});

describe("parseJsonKeys", () => {
  it("reads FIELD=KEY pairs; a field given twice gets both keys", () => {
    expect(parseJsonKeys("message=msg,pid=process,instance=dyno")).toEqual({ message: ["msg"], pid: ["process"], instance: ["dyno"] });
    expect(parseJsonKeys(" level=lvl , level=severity,")).toEqual({ level: ["lvl", "severity"] });
    expect(parseJsonKeys("instance=kubernetes.pod_name")).toEqual({ instance: ["kubernetes.pod_name"] });
    expect(parseJsonKeys("")).toEqual({});
  });

  it.each([
    ["message", /"message" is not FIELD=KEY/],
    ["message=msg,colour=red", /unknown field "colour" in "colour=red"/],
    ["level=", /"level=" names no usable key/],
    ["pid=a b", /"pid=a b" names no usable key/],
  ])("%s throws, naming the bad part", (spec, error) => {
    expect(() => parseJsonKeys(spec)).toThrow(error);
  });
});

describe("nested envelopes", () => {
  const py = pyJsonDumps({
    message: "Worker exiting (pid: 7)",
    levelname: "INFO",
    process: 7,
    asctime: "2026-11-25 20:54:05 +0000",
    hostname: "web-a",
  });
  const exiting = "2026-11-25 20:54:05 +0000 [7] [INFO] Worker exiting (pid: 7)";

  it("compose around JSON: compose's instance wins", () => {
    expect(unwrapLine(`web-1  | ${py}`)).toEqual({ shape: "compose", text: exiting, instance: "web-1", at: AT - 1000 });
  });

  it("kubectl around a timestamp around JSON: kubectl's instance, the timestamp's time", () => {
    expect(unwrapLine(`[pod/web-x/app] 2026-11-25T20:54:06Z ${py}`)).toEqual({
      shape: "kubectl",
      text: exiting,
      instance: "pod/web-x/app",
      at: AT,
    });
  });

  it("a platform around JSON", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.000000+00:00 app[web.1]: ${py}`)).toEqual({
      shape: "platform",
      text: exiting,
      instance: "web.1",
      at: AT,
    });
  });

  it("three layers at most: a fourth stays as text", () => {
    const u = unwrapLine(`web-1  | [pod/web-x/app] 2026-11-25T20:54:06Z ${py}`);
    expect(u).toEqual({ shape: "compose", text: py, instance: "web-1", at: AT });
  });
});

describe("never throws, and stays fast, on anything", () => {
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it("binary garbage, alone and behind every envelope's opening", () => {
    const next = random(42);
    const starts = [
      "",
      "{",
      "[pod/",
      "<",
      "<13>1 ",
      "<13>Nov 25 ",
      "83 <",
      "2026-11-25T20:54:06Z ",
      "Nov 25 20:54:06 ",
      "web-1  | ",
      "\x1b[3",
      "\uFEFF",
      "\ud800",
    ];
    const shapes = new Set(["plain", "json", "compose", "kubectl", "journald", "syslog", "platform", "timestamped"]);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)));
      const raw = starts[i % starts.length]! + bytes.toString(i % 2 ? "utf8" : "latin1");
      const u = unwrapLine(raw);
      expect(shapes.has(u.shape)).toBe(true);
      expect(typeof u.text).toBe("string");
    }
    expect(unwrapLine(undefined as unknown as string)).toEqual({ shape: "plain", text: "" });
  });

  it("a 300 kB line, in every shape, and inputs built to make a regex backtrack", () => {
    const big = `${RECORD} ${"x".repeat(300_000)}`;
    const bigMessage = `Application says ${"x".repeat(300_000)}`;
    const lines = [
      big,
      `web-1  | ${big}`,
      `[pod/web-x/app] ${big}`,
      `2026-11-25T20:54:06Z app[web.1]: ${big}`,
      `Nov 25 20:54:06 host gunicorn[1]: ${big}`,
      `<134>1 2026-11-25T20:54:06Z host app 1 - - ${big}`,
      JSON.stringify({ message: bigMessage, levelname: "INFO", process: 1 }),
      `a-1${" ".repeat(300_000)}|`,
      `2026-11-25T20:54:06Z ${"a/".repeat(150_000)}`,
      `2026-11-25T20:54:06Z ${"a[".repeat(150_000)}`,
      `Nov 25 20:54:06 ${"a".repeat(300_000)}`,
      `<1>1 ${"x ".repeat(150_000)}`,
      `<1>1 - - - - - ${'[a b="'.repeat(50_000)}`,
      `{${"[".repeat(300_000)}}`,
      `[pod/${"a/".repeat(150_000)}`,
      `${"9".repeat(300_000)}`,
    ];
    const started = performance.now();
    for (const line of lines) {
      const u = unwrapLine(line);
      expect(u.text.length).toBeGreaterThan(0);
    }
    // compared as booleans: a failure must not print 300 kB
    expect(unwrapLine(big).text === big).toBe(true);
    expect(unwrapLine(`web-1  | ${big}`).text === big).toBe(true);
    expect(unwrapLine(JSON.stringify({ message: big, levelname: "INFO", process: 1 })).text === big).toBe(true);
    expect(unwrapLine(JSON.stringify({ message: bigMessage, levelname: "INFO", process: 1 })).text === `[1] [INFO] ${bigMessage}`).toBe(
      true,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("200,000 plain corpus lines well under a second", () => {
    const texts = CORPUS.flatMap(({ lines }) => lines.map((l) => l.text));
    const lines = Array.from({ length: 200_000 }, (_, i) => texts[i % texts.length]!);
    let plain = 0;
    for (const line of lines.slice(0, 5000)) plain += unwrapLine(line).shape === "plain" ? 1 : 0; // warm up
    const started = performance.now();
    for (const line of lines) plain += unwrapLine(line).shape === "plain" ? 1 : 0;
    const ms = performance.now() - started;
    console.log(`unwrapLine: 200,000 plain corpus lines in ${ms.toFixed(1)} ms`);
    expect(plain).toBe(205_000);
    expect(ms).toBeLessThan(1500);
  });
});
