import type { LogLevel, LogStream } from "../../events/events.ts";
import { accessLineText, matchAccessLine } from "../access-line.ts";
import { CR, type LeadingEnvelope, MAX_LAYERS, type UnwrapInner, type Unwrapped } from "./envelope.ts";
import { parseIso } from "./iso-time.ts";
import { accessRecord } from "./json-access.ts";
import { type CompiledKeys, compile, isObj, type JsonKeys, type Obj, pick, toName, toPaths, toPid } from "./json-keys.ts";

/**
 * `json`: one object per line. python-json-logger / logconfig_dict JSON formatters
 * (`{"message", "levelname", "process", "asctime", "name"}`), structlog/ECS/GCP-style keys, JSON access records
 * (`{"request": "GET / HTTP/1.1", "status": 200}`, `{"method", "path", "status_code", "remote_addr"}`: see json-access.ts),
 * and log shippers: Docker's json-file driver (`{"log": "...\n", "stream": "stderr", "time": "..."}`), Fluent Bit
 * and Fluentd (`{"log": "..." | {...}, "kubernetes": {"pod_name": ...}}`). Keys: {@link JsonKeys}.
 */
export const json: LeadingEnvelope = {
  opensWith: (c) => c === 123,
  unwrap: (s, keys, depth, inner) => (endsWithBrace(s) ? unwrapJsonLine(s, keys, depth, inner) : undefined),
};

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

function unwrapJsonLine(s: string, keys: JsonKeys, depth: number, inner: UnwrapInner): Unwrapped | undefined {
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return undefined;
  }
  return isObj(value) ? unwrapJsonRecord(value, s, keys, depth, inner) : undefined;
}

/**
 * A JSON record becomes the line gunicorn's logconfig format would have printed,
 * `<YYYY-MM-DD HH:MM:SS +0000> [<pid>] [<LEVEL>] <message>` (parts it lacks left out; a pid without a level
 * is at INFO). Without a level or a pid the message stays as it is (the time is in `at`), as do messages that
 * already are gunicorn lines. A shipper's envelope (no level, no pid: Docker's json-file, Fluent Bit) is unwrapped
 * further. An object without a message comes back as the raw line, shape `json`.
 */
function unwrapJsonRecord(obj: Obj, raw: string, keys: JsonKeys, depth: number, inner: UnwrapInner): Unwrapped {
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
    const shipped = inner(stripCr(message), keys, depth + 1);
    if (shipped) {
      shipped.shape = "json";
      if (shipped.logger === undefined && f.logger !== undefined) shipped.logger = f.logger;
      return withFields(shipped, { ...f, logger: undefined });
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
  let nested: Fields | undefined;
  if (isObj(message) && nest < 2) {
    nested = collect(message, keys, nest + 1);
    message = nested.message;
  }
  return {
    message,
    level: nested?.level ?? pick(obj, keys.level, toLevel),
    pid: nested?.pid ?? pick(obj, keys.pid, toPid),
    logger: nested?.logger ?? pick(obj, keys.logger, toName),
    exc: nested?.exc ?? pick(obj, EXCEPTION_KEYS, toTraceback),
    // the envelope's own time and instance win over the nested record's
    at: pick(obj, keys.time, toMs) ?? nested?.at,
    instance: pick(obj, keys.instance, toName) ?? nested?.instance,
    stream: pick(obj, STREAM_KEYS, toStream) ?? nested?.stream,
  };
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
  const iso = parseIso(text, 0, true);
  if (iso?.end === text.length) return iso.ms;
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
