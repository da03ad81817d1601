import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, readCorpusLog } from "../classify/corpus/corpus-format.ts";
import type { LogEvent } from "../events/events.ts";
import type { LineShape, Unwrapped } from "./envelopes/envelope.ts";
import { fed, goJsonString, meaning, parseTexts, pyJsonDumps } from "./envelopes/test-lines.ts";
import { unwrapLine } from "./line-envelope.ts";
import type { LogLine } from "./log-line.ts";
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

/** The same, but a block's first line is not compared: a JSON record is rebuilt in the logconfig format. */
function meaningOfRebuilt(event: LogEvent): Record<string, unknown> {
  const facts = meaning(event);
  return "lines" in event ? { ...facts, lines: event.lines.slice(1) } : facts;
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
