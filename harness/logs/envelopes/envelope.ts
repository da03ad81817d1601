import type { LogStream } from "../../events/events.ts";
import type { JsonKeys } from "./json-keys.ts";

/** Which envelope a line came in: the outermost one, or `plain` for none. */
export type LineShape = "plain" | "json" | "compose" | "kubectl" | "journald" | "syslog" | "platform" | "timestamped";

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

/** The dispatcher's own step, one layer in: handed to every envelope, so that none imports the dispatcher. */
export type UnwrapInner = (s: string, keys: JsonKeys, depth: number) => Unwrapped | undefined;

/** An envelope told by the line's first character (json `{`, kubectl `[`, syslog `<`, journald's month, compose's name). */
export interface LeadingEnvelope {
  /** Whether a line starting with the ASCII character `c` may be in this envelope: asked once per code, when the dispatcher loads. */
  opensWith(c: number): boolean;
  /** What `s` (at layer `depth`, 0 = outermost) carries; undefined when it is not in this envelope. Character tests before any regex. */
  unwrap(s: string, keys: JsonKeys, depth: number, inner: UnwrapInner): Unwrapped | undefined;
}

/** An envelope that follows an RFC 3339 timestamp and a space (a platform's instance, journald's short-iso, a CRI stream). */
export interface TimestampEnvelope {
  /** What `s` carries from `i` (just past the timestamp's space), the timestamp being `at` epoch ms; undefined when not this envelope. */
  unwrapAfter(s: string, i: number, at: number, keys: JsonKeys, depth: number, inner: UnwrapInner): Unwrapped | undefined;
}

/** Envelopes nest up to three layers (e.g. compose → timestamp → JSON); a fourth stays text. */
export const MAX_LAYERS = 3;
export const CR = 13;
export const BOM = 0xfeff;

/** Wraps what one layer found around whatever is inside its text; outer values win. */
export function layer(
  shape: LineShape,
  text: string,
  instance: string | undefined,
  at: number | undefined,
  stream: LogStream | undefined,
  keys: JsonKeys,
  depth: number,
  inner: UnwrapInner,
): Unwrapped {
  const out = (depth + 1 < MAX_LAYERS && inner(text, keys, depth + 1)) || { shape, text };
  out.shape = shape;
  if (instance !== undefined) out.instance = instance;
  if (at !== undefined) out.at = at;
  if (stream !== undefined) out.stream = stream;
  return out;
}

/** A sticky regex's match starting exactly at `at` (its lastIndex is set here before every use, so none carries over). */
export function execAt(re: RegExp, s: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(s);
}

/** The index just past a match. */
export function endOf(m: RegExpExecArray): number {
  return m.index + m[0].length;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
