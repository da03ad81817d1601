import type { AccessRequest, LogLevel, LogStream } from "../events/events.ts";
import { accessLineText, matchAccessLine } from "./access-line.ts";

/**
 * Production logs rarely arrive as the bare text gunicorn wrote: a pipeline wraps every line in its own
 * envelope (a compose or kubectl prefix, a journald or syslog header, a platform's timestamp and instance,
 * a JSON object). `unwrapLine` takes one raw line as delivered and returns the app's own line inside it,
 * plus what the envelope said: which instance wrote it, when, and which envelope it was.
 *
 * Pure and cheap: dispatch on the first character before any regex; a plain gunicorn line costs a few
 * character tests and one `indexOf` and is returned as the very same string. Every regex is compiled
 * once, anchored (or sticky) and bounded: none can backtrack catastrophically. It never throws.
 *
 * Shapes, outermost envelope first (they nest up to three layers, e.g. compose → timestamp → JSON):
 * - `json`: one object per line. python-json-logger / logconfig_dict JSON formatters
 *   (`{"message", "levelname", "process", "asctime", "name"}`), structlog/ECS/GCP-style keys, JSON access records
 *   (`{"request": "GET / HTTP/1.1", "status": 200}`, `{"method", "path", "status_code", "remote_addr"}`: {@link ACCESS_KEYS}), and log
 *   shippers: Docker's json-file driver (`{"log": "...\n", "stream": "stderr", "time": "..."}`), Fluent Bit
 *   and Fluentd (`{"log": "..." | {...}, "kubernetes": {"pod_name": ...}}`). Keys: {@link JsonKeys}.
 * - `compose`: `docker compose logs` / `up` (v2 `web-1  | text`, v1 `web_1  | text`).
 * - `kubectl`: `kubectl logs --prefix` (`[pod/web-7d9f-abcde/app] text`), with or without `--timestamps`.
 * - `journald`: `journalctl` short / short-precise (`Nov 25 20:54:06 host unit[pid]: text`) and
 *   short-iso (`2026-11-25T20:54:06+0000 host unit[pid]: text`).
 * - `syslog`: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD text`, also Heroku/Render log drains,
 *   with or without RFC 6587 octet counting) and RFC 3164 (`<PRI>Nov 25 20:54:06 host tag[pid]: text`).
 * - `platform`: an RFC 3339 timestamp and an instance id before the app's line — see {@link unwrapIsoLed}.
 * - `timestamped`: only an RFC 3339 timestamp first (`docker logs -t`, `kubectl logs --timestamps`), also
 *   with a stream after it: the CRI log files under /var/log/containers (`TS stderr F text`) and the
 *   harness's own corpus format (`TS stderr text`).
 * - `plain`: anything else, returned unchanged.
 */

export type LineShape = "plain" | "json" | "compose" | "kubectl" | "journald" | "syslog" | "platform" | "timestamped";

/**
 * Where a JSON log record keeps each field, tried in order. A key with dots is also looked up as a path
 * into nested objects (`kubernetes.pod_name`, ECS's `log.level`), after the literal key.
 */
export interface JsonKeys {
  message: string[];
  level: string[];
  pid: string[];
  time: string[];
  logger: string[];
  instance: string[];
}

/**
 * python-json-logger's and logconfig_dict's names first (`message`, `levelname`, `process`, `asctime`,
 * `name`), then the usual alternatives. Shippers' `log` key is always tried after the message keys.
 */
export const DEFAULT_JSON_KEYS: JsonKeys = Object.freeze({
  message: ["message", "msg"],
  level: ["levelname", "level", "severity", "log.level"],
  pid: ["process", "pid", "process.pid"],
  time: ["asctime", "time", "timestamp", "@timestamp", "ts", "created", "date"],
  logger: ["name", "logger", "logger_name", "log.logger"],
  instance: ["host", "hostname", "instance", "pod", "container", "container_name", "kubernetes.pod_name", "host.hostname"],
});

const JSON_FIELDS = ["message", "level", "pid", "time", "logger", "instance"] as const;
type JsonField = (typeof JSON_FIELDS)[number];

/**
 * Reads a `--json-keys` spec, `FIELD=KEY[,FIELD=KEY...]` (e.g. `message=msg,pid=process,instance=dyno`).
 * A field named twice gets both keys, in order. The caller merges the result over the defaults
 * (`{ ...DEFAULT_JSON_KEYS, ...parseJsonKeys(spec) }`): a field given here replaces that field's defaults.
 * Throws an Error naming the bad part.
 */
export function parseJsonKeys(spec: string): Partial<JsonKeys> {
  const keys: Partial<JsonKeys> = {};
  const fields = JSON_FIELDS.join(", ");
  for (const part of spec.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq < 0) throw new Error(`--json-keys: "${item}" is not FIELD=KEY (fields: ${fields}; e.g. "message=msg,pid=process")`);
    const field = item.slice(0, eq).trim();
    const key = item.slice(eq + 1).trim();
    if (!(JSON_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`--json-keys: unknown field "${field}" in "${item}" (fields: ${fields})`);
    }
    if (key === "" || /[\s=]/.test(key)) throw new Error(`--json-keys: "${item}" names no usable key after "="`);
    const list = keys[field as JsonField] ?? [];
    list.push(key);
    keys[field as JsonField] = list;
  }
  return keys;
}

export interface Unwrapped {
  /** The outermost envelope. */
  shape: LineShape;
  /** The app's own line, for `GunicornLogParser` (a JSON record is rebuilt as a gunicorn logconfig line). */
  text: string;
  /** Which instance wrote it: from the outermost envelope that names one. */
  instance?: string;
  /** Epoch ms (sub-ms fraction kept) from the outermost envelope that carries a time. */
  at?: number;
  /** Further lines of a multi-line JSON message (a traceback in `exc_info`), to feed after `text`. */
  continuation?: string[];
  /** stdout or stderr, when the envelope says (CRI files, Docker's json-file, Fluent Bit). */
  stream?: LogStream;
  /** The logger's name, from a JSON record. */
  logger?: string;
}

const MAX_LAYERS = 3;
const CR = 13;
const BOM = 0xfeff;
const ESC = String.fromCharCode(27);
/** ANSI colour codes (compose, flyctl and heroku colour their prefixes on a terminal). */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`, "g");

/** Unwraps one raw line (see the module comment for the shapes). Never throws. */
export function unwrapLine(raw: string, keys: JsonKeys = DEFAULT_JSON_KEYS): Unwrapped {
  try {
    let line = raw;
    if (line.length === 0) return { shape: "plain", text: line };
    if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    if (line.charCodeAt(0) === BOM) line = line.slice(1);
    if (line.indexOf(ESC) >= 0) {
      const clean = line.replace(SGR, "");
      return (clean !== line && unwrapAt(clean, keys, 0)) || { shape: "plain", text: line };
    }
    return unwrapAt(line, keys, 0) ?? { shape: "plain", text: line };
  } catch {
    return { shape: "plain", text: typeof raw === "string" ? raw : "" };
  }
}

/** One layer at `depth` (0 = outermost); undefined when `s` carries no envelope. */
function unwrapAt(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  const n = s.length;
  if (n < 2) return undefined;
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (n >= 20 && s.charCodeAt(4) === 45) {
      // `2026-11-25 20:54:06 +0000 [1] [INFO] ...` (gunicorn's logconfig format) stops here
      return s.charCodeAt(10) === 84 ? unwrapIsoLed(s, keys, depth) : undefined;
    }
    return unwrapDigitLed(s, keys, depth);
  }
  if (c === 123) return endsWithBrace(s) ? unwrapJsonLine(s, keys, depth) : undefined;
  if (c === 91) return s.charCodeAt(1) === 112 ? unwrapKubectl(s, keys, depth) : undefined;
  if (c === 60) return unwrapSyslog(s, keys, depth);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return unwrapLetterLed(s, keys, depth);
  return undefined;
}

/** Wraps what the layer found around whatever is inside its text; outer values win. */
function layer(
  shape: LineShape,
  inner: string,
  instance: string | undefined,
  at: number | undefined,
  stream: LogStream | undefined,
  keys: JsonKeys,
  depth: number,
): Unwrapped {
  const out = (depth + 1 < MAX_LAYERS && unwrapAt(inner, keys, depth + 1)) || { shape, text: inner };
  out.shape = shape;
  if (instance !== undefined) out.instance = instance;
  if (at !== undefined) out.at = at;
  if (stream !== undefined) out.stream = stream;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// RFC 3339-led lines: platforms, journald short-iso, plain timestamps

/** `stdout`/`stderr` after the timestamp: CRI log files (`F`/`P` tag; partial lines are not rejoined) and the corpus format. */
const CRI = /(stdout|stderr)(?: [FP])?(?: |$)/y;
/** Heroku (`heroku logs`): `app[web.1]: text`, also `heroku[router]: ...` and Fir's `web-123-456` dyno names. */
const HEROKU = /[a-z][\w-]{0,30}\[([^\s\]]{1,64})\]:(?: |$)/y;
/**
 * Fly.io (`fly logs`, flyctl's render.LogEntry): `app[148e1234] iad [info]text` (no space before the text
 * in flyctl's own output; one space is taken when one is there), and the older `148e1234 iad [info]`.
 */
const FLY = /(?:[a-z][\w-]{0,30}\[([^\s\]]{1,64})\]|([0-9a-f]{8,32})) [a-z]{3,4} \[[a-z]{1,10}\]/y;
/** Render (dashboard / log export): `srv-<service id>-<instance suffix> text`; cron jobs are `crn-`. */
const RENDER = /((?:srv|crn)-[a-z0-9]{4,40}(?:-[a-z0-9]{1,16})?)(?: |$)/y;
/** `journalctl -o short-iso`: `host unit[pid]: text` (the `[pid]` is required here to keep bare text out). */
const JOURNAL_ISO = /(\S{1,255}) [^\s[\]:]{1,128}\[\d{1,10}\]:(?: |$)/y;
/**
 * AWS CloudWatch (`aws logs tail`, detailed format): `<log stream> text`, for the stream names that end in
 * an id: ECS (`ecs/web/<task id>`), App Runner (`instance/<id>`), Lambda (`2026/11/25/[$LATEST]<id>`),
 * EC2 instance ids (`i-0abc...`, Elastic Beanstalk) and UUIDs. Other stream names are not recognised:
 * bare text after a timestamp (`SIGQUIT/SIGINT as UvicornWorker does`) must stay text.
 */
const AWS =
  /((?:[\w.$[\]-]{1,128}\/){1,4}(?:\[[^\]\s]{1,32}\])?[0-9a-f]{16,64}|i-[0-9a-f]{8,17}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?: |$)/y;

/**
 * A line that starts with an RFC 3339 timestamp: a platform's log stream when an instance id follows
 * (Heroku, Fly.io, Render, AWS CloudWatch — see the patterns above), journald's short-iso, a CRI log file,
 * else a plain `timestamped` line (`docker logs -t`, `kubectl logs --timestamps`).
 */
function unwrapIsoLed(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  const end = readIso(s, 0, false);
  if (end < 0) return undefined;
  const at = isoMs;
  if (end === s.length) return { shape: "timestamped", text: "", at };
  if (s.charCodeAt(end) !== 32) return undefined;
  const i = end + 1;
  let m = execAt(CRI, s, i);
  if (m) return layer("timestamped", s.slice(CRI.lastIndex), undefined, at, m[1] as LogStream, keys, depth);
  if ((m = execAt(HEROKU, s, i))) return layer("platform", s.slice(HEROKU.lastIndex), m[1], at, undefined, keys, depth);
  if ((m = execAt(FLY, s, i))) {
    let j = FLY.lastIndex;
    if (s.charCodeAt(j) === 32 && j + 1 < s.length && s.charCodeAt(j + 1) !== 32) j++;
    return layer("platform", s.slice(j), m[1] ?? m[2], at, undefined, keys, depth);
  }
  if ((m = execAt(RENDER, s, i))) return layer("platform", s.slice(RENDER.lastIndex), m[1], at, undefined, keys, depth);
  if ((m = execAt(JOURNAL_ISO, s, i))) return layer("journald", s.slice(JOURNAL_ISO.lastIndex), m[1], at, undefined, keys, depth);
  if ((m = execAt(AWS, s, i))) return layer("platform", s.slice(AWS.lastIndex), m[1], at, undefined, keys, depth);
  return layer("timestamped", s.slice(i), undefined, at, undefined, keys, depth);
}

function execAt(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

// ---------------------------------------------------------------------------------------------------
// Letter-led and digit-led lines: journald short, compose

function unwrapLetterLed(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  // `Nov 25 20:54:06 ` before any allocation
  if (s.length > 16 && s.charCodeAt(3) === 32 && s.charCodeAt(9) === 58 && s.charCodeAt(12) === 58) {
    const found = unwrapSyslogTime(s, 0, "journald", keys, depth);
    if (found) return found;
  }
  return unwrapCompose(s, keys, depth);
}

function unwrapDigitLed(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  // RFC 6587 octet counting, as Heroku's HTTPS drains frame syslog: `83 <40>1 ...`
  let i = 0;
  while (i < 6 && i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i > 0 && s.charCodeAt(i) === 32 && s.charCodeAt(i + 1) === 60) return unwrapSyslog(s.slice(i + 1), keys, depth);
  return unwrapCompose(s, keys, depth);
}

/**
 * docker compose v2 (`%-*s | ` padded to the longest name: `web-1  | text`) and v1 (`web_1  | text`). The
 * name must end in `-N`/`_N` (the replica number compose adds), so ordinary text with a `|` stays text.
 */
function unwrapCompose(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  const n = s.length;
  const limit = Math.min(n, 128);
  let i = 0;
  while (i < limit && isNameChar(s.charCodeAt(i))) i++;
  if (i < 3 || i >= n || s.charCodeAt(i) !== 32) return undefined;
  let k = i - 1;
  while (k > 0 && isDigit(s.charCodeAt(k))) k--;
  const sep = s.charCodeAt(k);
  if (k === i - 1 || k < 1 || (sep !== 45 && sep !== 95)) return undefined;
  let j = i;
  while (j < n && j < i + 256 && s.charCodeAt(j) === 32) j++;
  if (s.charCodeAt(j) !== 124) return undefined;
  j++;
  if (j < n) {
    if (s.charCodeAt(j) !== 32) return undefined;
    j++;
  }
  return layer("compose", s.slice(j), s.slice(0, i), undefined, undefined, keys, depth);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46;
}

// ---------------------------------------------------------------------------------------------------
// kubectl --prefix

/** `kubectl logs --prefix` prints `[pod/<name>/<container>] ` before each line (and before `--timestamps`). */
const KUBECTL = /^\[(pod\/[^\s\]/]{1,253}\/[^\s\]]{1,253})\](?: |$)/;

function unwrapKubectl(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  if (!s.startsWith("[pod/")) return undefined;
  const m = KUBECTL.exec(s);
  return m ? layer("kubectl", s.slice(m[0].length), m[1], undefined, undefined, keys, depth) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// syslog and journald

const PRI = /^<\d{1,3}>/;
/** RFC 5424 after `<PRI>`: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then STRUCTURED-DATA. */
const RFC5424 = /\d{1,2} (\S{1,64}) (\S{1,255}) (\S{1,48}) (\S{1,128}) \S{1,32} /y;
/** journald short / RFC 3164 after the time: ` host unit[pid]: ` (the `[pid]` is optional: `kernel: ...`). */
const JOURNAL = / (\S{1,255}) [^\s[\]:]{1,128}(?:\[\d{1,10}\])?:(?: |$)/y;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const YEAR_IN_TEXT = /^\[?(\d{4})-\d\d-\d\d[ T]/;

function unwrapSyslog(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  const pri = PRI.exec(s);
  if (!pri) return undefined;
  const i = pri[0].length;
  if (!isDigit(s.charCodeAt(i))) return unwrapSyslogTime(s, i, "syslog", keys, depth);
  const m = execAt(RFC5424, s, i);
  if (!m) return undefined;
  const [, stamp, host, app, procid] = m as unknown as [string, string, string, string, string];
  const sd = RFC5424.lastIndex;
  let k = skipStructuredData(s, sd);
  if (k > sd && s.charCodeAt(k) === 32) k++;
  if (s.charCodeAt(k) === BOM) k++;
  const at = stamp !== "-" && readIso(stamp, 0, false) === stamp.length ? isoMs : undefined;
  // Heroku's drains send the literal host "host" and the dyno as PROCID
  const instance = host !== "-" && host !== "host" ? host : procid !== "-" ? procid : app !== "-" ? app : undefined;
  return layer("syslog", s.slice(k), instance, at, undefined, keys, depth);
}

/** One RFC 5424 SD-ELEMENT: `[SD-ID *(SP PARAM-NAME="value")]`, values with `\\"`, `\\]` and `\\\\` escaped. */
const SD_ELEMENT = /\[[^\s\]="]{1,32}(?: [^\s\]="]{1,32}="(?:[^"\\]|\\.)*")*\]/y;

/** Past RFC 5424's STRUCTURED-DATA (`-` or `[id k="v"]...`); where it started if there is none (Heroku's drains omit it). */
function skipStructuredData(s: string, start: number): number {
  const n = s.length;
  if (s.charCodeAt(start) === 45 && (start + 1 === n || s.charCodeAt(start + 1) === 32)) return start + 1;
  let i = start;
  while (s.charCodeAt(i) === 91) {
    if (!execAt(SD_ELEMENT, s, i)) return start;
    i = SD_ELEMENT.lastIndex;
  }
  return i === n || s.charCodeAt(i) === 32 ? i : start;
}

/**
 * `Nov 25 20:54:06[.123456] host unit[pid]: text` at `start`: journalctl's short and short-precise output,
 * RFC 3164's header. The year is not printed: the inner line's year when it has one, else this year (last
 * year if that would be in the future). The time is read as UTC (journalctl prints local time: export with
 * `TZ=UTC` or `-o short-iso` for exact times).
 */
function unwrapSyslogTime(s: string, start: number, shape: LineShape, keys: JsonKeys, depth: number): Unwrapped | undefined {
  const month = MONTHS.indexOf(s.slice(start, start + 3));
  if (month < 0 || s.charCodeAt(start + 3) !== 32 || s.charCodeAt(start + 6) !== 32) return undefined;
  const d1 = s.charCodeAt(start + 4);
  const day = (d1 === 32 ? 0 : d1 - 48) * 10 + s.charCodeAt(start + 5) - 48;
  const hour = num(s, start + 7, 2);
  const minute = num(s, start + 10, 2);
  const second = num(s, start + 13, 2);
  if ((d1 !== 32 && !isDigit(d1)) || !isDigit(s.charCodeAt(start + 5)) || day < 1 || day > 31) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  if (s.charCodeAt(start + 9) !== 58 || s.charCodeAt(start + 12) !== 58) return undefined;
  let j = start + 15;
  let fraction = 0;
  if (s.charCodeAt(j) === 46) {
    j = readFraction(s, j + 1);
    if (j < 0) return undefined;
    fraction = fractionMs;
  }
  const m = execAt(JOURNAL, s, j);
  if (!m) return undefined;
  const out = layer(shape, s.slice(JOURNAL.lastIndex), m[1], undefined, undefined, keys, depth);
  const inText = YEAR_IN_TEXT.exec(out.text);
  const nowYear = new Date().getUTCFullYear();
  const year = inText ? Number(inText[1]) : out.at !== undefined ? new Date(out.at).getUTCFullYear() : nowYear;
  const at = Date.UTC(year, month, day, hour, minute, second) + fraction;
  const inFuture = !inText && out.at === undefined && at > Date.now() + 2 * 86_400_000;
  out.at = inFuture ? Date.UTC(year - 1, month, day, hour, minute, second) + fraction : at;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Timestamps, without regexes or allocation

/** Set by readIso: the epoch ms (with sub-ms fraction) it read. */
let isoMs = 0;
/** Set by readFraction: the fraction in ms (microseconds kept, as splitDockerTimestamp does). */
let fractionMs = 0;

function num(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = at; k < at + len; k++) {
    const d = s.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Digits from `at`; -1 if none. Sets fractionMs. */
function readFraction(s: string, at: number): number {
  let j = at;
  let ms = 0;
  let us = 0;
  while (j < s.length) {
    const d = s.charCodeAt(j) - 48;
    if (!(d >= 0 && d <= 9)) break;
    const place = j - at;
    if (place < 3) ms += d * 10 ** (2 - place);
    else if (place < 6) us += d * 10 ** (5 - place);
    j++;
  }
  if (j === at) return -1;
  fractionMs = ms + us / 1000;
  return j;
}

/**
 * Reads `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM|±HH]` at `at`; returns the index after it, or -1. No zone
 * = UTC. `lenient` (JSON values) also takes a space for `T`, a `,` fraction and `<space>+0000` / ` UTC`.
 * Sets isoMs.
 */
function readIso(s: string, at: number, lenient: boolean): number {
  if (s.length < at + 19) return -1;
  const year = num(s, at, 4);
  const month = num(s, at + 5, 2);
  const day = num(s, at + 8, 2);
  const t = s.charCodeAt(at + 10);
  if (year < 0 || s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45 || month < 1 || month > 12 || day < 1 || day > 31) return -1;
  if (t !== 84 && !(lenient && (t === 32 || t === 116))) return -1;
  const hour = num(s, at + 11, 2);
  const minute = num(s, at + 14, 2);
  const second = num(s, at + 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1;
  if (s.charCodeAt(at + 13) !== 58 || s.charCodeAt(at + 16) !== 58) return -1;
  let j = at + 19;
  let fraction = 0;
  const dot = s.charCodeAt(j);
  if (dot === 46 || (lenient && dot === 44)) {
    j = readFraction(s, j + 1);
    if (j < 0) return -1;
    fraction = fractionMs;
  }
  let offsetMin = 0;
  let c = s.charCodeAt(j);
  if (lenient && c === 32) {
    const next = s.charCodeAt(j + 1);
    if (next === 43 || next === 45 || s.startsWith("UTC", j + 1)) c = s.charCodeAt(++j);
  }
  if (c === 90 || c === 122) j++;
  else if (lenient && s.startsWith("UTC", j)) j += 3;
  else if (c === 43 || c === 45) {
    const oh = num(s, j + 1, 2);
    if (oh < 0) return -1;
    let k = j + 3;
    if (s.charCodeAt(k) === 58) k++;
    const om = num(s, k, 2);
    if (om >= 0) k += 2;
    else if (s.charCodeAt(k - 1) === 58) return -1;
    offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + Math.max(om, 0));
    j = k;
  }
  isoMs = Date.UTC(year, month - 1, day, hour, minute, second) + fraction - offsetMin * 60_000;
  return j;
}

// ---------------------------------------------------------------------------------------------------
// JSON

type Obj = Record<string, unknown>;

interface Fields {
  message: unknown;
  level?: LogLevel;
  pid?: number;
  at?: number;
  logger?: string;
  instance?: string;
  stream?: LogStream;
  exc?: string;
}

interface KeyPath {
  key: string;
  parts: string[] | undefined;
}
type CompiledKeys = Record<JsonField, KeyPath[]>;

const compiledKeys = new WeakMap<JsonKeys, CompiledKeys>();
/** Where python-json-logger (`exc_info`, `stack_info`), structlog (`exception`) and ECS (`error.stack_trace`) put a traceback. */
const EXCEPTION_KEYS = toPaths(["exc_info", "exc_text", "stack_info", "exception", "stack_trace", "error.stack_trace"]);
const SHIPPER_LOG = toPaths(["log"]);
const STREAM_KEYS = toPaths(["stream", "source"]);

const LEVELS = new Map<string, LogLevel>([
  ["DEBUG", "DEBUG"],
  ["TRACE", "DEBUG"],
  ["INFO", "INFO"],
  ["INFORMATION", "INFO"],
  ["NOTICE", "INFO"],
  ["SUCCESS", "INFO"],
  ["WARNING", "WARNING"],
  ["WARN", "WARNING"],
  ["ERROR", "ERROR"],
  ["ERR", "ERROR"],
  ["CRITICAL", "CRITICAL"],
  ["CRIT", "CRITICAL"],
  ["FATAL", "CRITICAL"],
  ["ALERT", "CRITICAL"],
  ["EMERG", "CRITICAL"],
  ["EMERGENCY", "CRITICAL"],
  ["PANIC", "CRITICAL"],
]);
const SYSLOG_SEVERITY: LogLevel[] = ["CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG"];

/** A message that already is a gunicorn line: optional timestamp, then its own `[pid] [LEVEL]`. */
const FULL_LINE = /^(?:\[[^\]\n]{0,48}\] |\d[^[\n]{0,48})?\[\d{1,10}\] \[(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\]/;

function endsWithBrace(s: string): boolean {
  let i = s.length - 1;
  while (i > 0 && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i--;
  return s.charCodeAt(i) === 125;
}

function unwrapJsonLine(s: string, keys: JsonKeys, depth: number): Unwrapped | undefined {
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return undefined;
  }
  return isObj(value) ? unwrapJsonRecord(value, s, keys, depth) : undefined;
}

/**
 * A JSON record becomes the line gunicorn's logconfig format would have printed,
 * `<YYYY-MM-DD HH:MM:SS +0000> [<pid>] [<LEVEL>] <message>` (parts it lacks left out; a pid without a level
 * is at INFO). Without a level or a pid the message stays as it is (the time is in `at`), as do messages that
 * already are gunicorn lines. A shipper's envelope (no level, no pid: Docker's json-file, Fluent Bit) is unwrapped
 * further. An object without a message comes back as the raw line, shape `json`.
 */
function unwrapJsonRecord(obj: Obj, raw: string, keys: JsonKeys, depth: number): Unwrapped {
  const f = collect(obj, compile(keys), 0);
  const access = accessRecord(obj);
  // An access record whose message is no access line of its own (`"request finished"`, none) is read as the line it stands for.
  if (access && (f.message === undefined || !matchAccessLine(toText(f.message)))) {
    f.message = accessLineText(f.pid === undefined ? access : { ...access, pid: undefined });
    f.exc = undefined;
  }
  if (f.message === undefined) return withFields({ shape: "json", text: raw }, f);
  let message = toText(f.message);
  if (f.exc !== undefined) message = message === "" ? f.exc : `${message}\n${f.exc}`;
  if (message.endsWith("\n")) message = message.slice(0, message.endsWith("\r\n") ? -2 : -1);
  const multiLine = message.indexOf("\n") >= 0;
  if (!multiLine && f.level === undefined && f.pid === undefined && depth + 1 < MAX_LAYERS) {
    const inner = unwrapAt(stripCr(message), keys, depth + 1);
    if (inner) {
      inner.shape = "json";
      if (inner.logger === undefined && f.logger !== undefined) inner.logger = f.logger;
      return withFields(inner, { ...f, logger: undefined });
    }
  }
  const lines = multiLine ? message.split("\n").map(stripCr) : [stripCr(message)];
  let first = lines[0]!;
  // A record with a pid and no level still gets a prefix (at INFO): the pid is what ties a worker's lines to it.
  if ((f.level !== undefined || f.pid !== undefined) && !FULL_LINE.test(first)) {
    const time = f.at === undefined ? undefined : formatLogTime(f.at);
    first = `${time === undefined ? "" : `${time} `}${f.pid === undefined ? "" : `[${f.pid}] `}[${f.level ?? "INFO"}] ${first}`;
  }
  const out: Unwrapped = { shape: "json", text: first };
  if (lines.length > 1) out.continuation = lines.slice(1);
  return withFields(out, f);
}

/** Sets the envelope's fields on `out`, over what inner layers found. */
function withFields(out: Unwrapped, f: Fields): Unwrapped {
  if (f.instance !== undefined) out.instance = f.instance;
  if (f.at !== undefined) out.at = f.at;
  if (f.stream !== undefined) out.stream = f.stream;
  if (f.logger !== undefined) out.logger = f.logger;
  return out;
}

/** The record's fields; a message (or shipper `log`) that is an object is the record itself, nested. */
function collect(obj: Obj, keys: CompiledKeys, nest: number): Fields {
  let message = pick(obj, keys.message, present) ?? pick(obj, SHIPPER_LOG, present);
  let inner: Fields | undefined;
  if (isObj(message) && nest < 2) {
    inner = collect(message, keys, nest + 1);
    message = inner.message;
  }
  return {
    message,
    level: inner?.level ?? pick(obj, keys.level, toLevel),
    pid: inner?.pid ?? pick(obj, keys.pid, toPid),
    logger: inner?.logger ?? pick(obj, keys.logger, toName),
    exc: inner?.exc ?? pick(obj, EXCEPTION_KEYS, toTraceback),
    // the envelope's own time and instance win over the nested record's
    at: pick(obj, keys.time, toMs) ?? inner?.at,
    instance: pick(obj, keys.instance, toName) ?? inner?.instance,
    stream: pick(obj, STREAM_KEYS, toStream) ?? inner?.stream,
  };
}

/**
 * Where JSON access records keep the request: gunicorn `access_log_format`s written as JSON, python-json-logger's
 * `extra`, uvicorn's access record, ECS (`http.request.method`) and Google Cloud's `httpRequest`. A record is an access
 * record when it has an HTTP status and a request line or a path; the method may come from the request line.
 */
const ACCESS_KEYS = {
  status: toPaths([
    "status",
    "status_code",
    "response_code",
    "response_status",
    "http_status",
    "http.response.status_code",
    "httpRequest.status",
  ]),
  request: toPaths(["request", "request_line", "requestLine"]),
  method: toPaths(["method", "request_method", "http_method", "http.request.method", "httpRequest.requestMethod"]),
  path: toPaths(["path", "request_path", "url", "uri", "request_uri", "url.path", "url.original", "httpRequest.requestUrl"]),
  client: toPaths([
    "remote_addr",
    "client_addr",
    "remote_ip",
    "client_ip",
    "remote_address",
    "client",
    "client.ip",
    "httpRequest.remoteIp",
  ]),
  pid: toPaths(["process_id", "worker_pid", "pid", "process"]),
};
const REQUEST_LINE = /^([A-Z][A-Z_-]{1,19}) (\S+)(?: HTTP\/\d(?:\.\d)?)?$/;
const METHOD = /^[A-Z][A-Z_-]{1,19}$/;

/** The request a JSON access record tells of; undefined for any other record (checked by its status key first: cheap). */
function accessRecord(obj: Obj): AccessRequest | undefined {
  const status = pick(obj, ACCESS_KEYS.status, toStatus);
  if (status === undefined) return undefined;
  const line = pick(obj, ACCESS_KEYS.request, (v) => (typeof v === "string" ? (REQUEST_LINE.exec(v.trim()) ?? undefined) : undefined));
  const method = line?.[1] ?? pick(obj, ACCESS_KEYS.method, (v) => (typeof v === "string" && METHOD.test(v) ? v : undefined));
  const path = line?.[2] ?? pick(obj, ACCESS_KEYS.path, (v) => (typeof v === "string" && v !== "" && !/\s/.test(v) ? v : undefined));
  if (method === undefined || path === undefined) return undefined;
  const client = pick(obj, ACCESS_KEYS.client, toName);
  // gunicorn's `%(p)s` atom is `<7>`
  const pid = pick(obj, ACCESS_KEYS.pid, (v) => toPid(typeof v === "string" ? v.replace(/^<(\d+)>$/, "$1") : v));
  return { method, path, status, ...(client !== undefined && client !== "-" && { client }), ...(pid !== undefined && { pid }) };
}

function toStatus(value: unknown): number | undefined {
  const status = typeof value === "number" ? value : typeof value === "string" && /^\d{3}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

function compile(keys: JsonKeys): CompiledKeys {
  let compiled = compiledKeys.get(keys);
  if (!compiled) {
    const partial = keys as Partial<JsonKeys>;
    compiled = {
      message: toPaths(partial.message ?? DEFAULT_JSON_KEYS.message),
      level: toPaths(partial.level ?? DEFAULT_JSON_KEYS.level),
      pid: toPaths(partial.pid ?? DEFAULT_JSON_KEYS.pid),
      time: toPaths(partial.time ?? DEFAULT_JSON_KEYS.time),
      logger: toPaths(partial.logger ?? DEFAULT_JSON_KEYS.logger),
      instance: toPaths(partial.instance ?? DEFAULT_JSON_KEYS.instance),
    };
    compiledKeys.set(keys, compiled);
  }
  return compiled;
}

function toPaths(keys: readonly string[]): KeyPath[] {
  return keys.map((key) => ({ key, parts: key.includes(".") ? key.split(".") : undefined }));
}

/** The first value under `paths` that `convert` accepts. */
function pick<T>(obj: Obj, paths: KeyPath[], convert: (value: unknown) => T | undefined): T | undefined {
  for (const path of paths) {
    let value: unknown;
    if (Object.hasOwn(obj, path.key)) value = obj[path.key];
    else if (path.parts) {
      value = obj;
      for (const part of path.parts) {
        if (!isObj(value) || !Object.hasOwn(value, part)) {
          value = undefined;
          break;
        }
        value = value[part];
      }
    }
    const converted = value === undefined ? undefined : convert(value);
    if (converted !== undefined) return converted;
  }
  return undefined;
}

function present(value: unknown): unknown {
  return value === null ? undefined : value;
}

function toLevel(value: unknown): LogLevel | undefined {
  if (typeof value === "string") return LEVELS.get(value.trim().toUpperCase());
  if (typeof value !== "number" || !Number.isInteger(value)) return undefined;
  if (value >= 0 && value <= 7) return SYSLOG_SEVERITY[value];
  if (value >= 10 && value < 60) return (["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const)[Math.floor(value / 10) - 1];
  return undefined;
}

function toPid(value: unknown): number | undefined {
  const pid = typeof value === "number" ? value : typeof value === "string" && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function toName(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  return typeof value === "number" && Number.isFinite(value) ? String(value) : undefined;
}

function toTraceback(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function toStream(value: unknown): LogStream | undefined {
  return value === "stdout" || value === "stderr" ? value : undefined;
}

/** Epoch seconds, ms, µs or ns (by magnitude), or a date string (ISO, gunicorn's asctime, RFC 2822). */
function toMs(value: unknown): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    const abs = Math.abs(value);
    return abs < 1e11 ? value * 1000 : abs < 1e14 ? value : abs < 1e17 ? value / 1000 : value / 1e6;
  }
  if (typeof value !== "string" || value.length > 64) return undefined;
  const text = value.trim();
  if (readIso(text, 0, true) === text.length) return isoMs;
  if (/^\d{9,19}(?:\.\d+)?$/.test(text)) return toMs(Number(text));
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function formatLogTime(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  const iso = new Date(Math.floor(ms)).toISOString();
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000` : undefined;
}

function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
