import { compose } from "./envelopes/compose.ts";
import { BOM, CR, type LeadingEnvelope, type TimestampEnvelope, type Unwrapped } from "./envelopes/envelope.ts";
import { journald, journaldIso } from "./envelopes/journald.ts";
import { json } from "./envelopes/json.ts";
import { DEFAULT_JSON_KEYS, type JsonKeys } from "./envelopes/json-keys.ts";
import { kubectl } from "./envelopes/kubectl.ts";
import { awsCloudWatch, fly, heroku, render } from "./envelopes/platform.ts";
import { syslog } from "./envelopes/syslog.ts";
import { criStream, unwrapTimestamped } from "./envelopes/timestamped.ts";

export type { LineShape, Unwrapped } from "./envelopes/envelope.ts";
export { DEFAULT_JSON_KEYS, type JsonKeys, parseJsonKeys } from "./envelopes/json-keys.ts";

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
 * Shapes, outermost envelope first (they nest up to three layers, e.g. compose → timestamp → JSON), one file each
 * under envelopes/: `json`, `compose`, `kubectl`, `journald`, `syslog`, `platform` (Heroku, Fly.io, Render, AWS
 * CloudWatch), `timestamped` (`docker logs -t`, CRI log files); `plain` is anything else, returned unchanged.
 *
 * To add an envelope: write envelopes/<name>.ts exporting a {@link LeadingEnvelope} (told by its first character) or
 * a {@link TimestampEnvelope} (what follows an RFC 3339 timestamp), add its name to `LineShape` in
 * envelopes/envelope.ts, put it in {@link LEADING} or {@link AFTER_TIMESTAMP} below where it should be tried, and write
 * envelopes/<name>.test.ts (and a wrap in line-envelope.corpus.test.ts, which runs the whole corpus through it). Keep
 * the promises above: character tests before any regex, sticky or anchored bounded regexes, no module state, no throw
 * (unwrapLine would catch it and call the line plain, silently and slowly).
 */

/** Envelopes told by a line's first character, tried in this order: the first that unwraps the line wins. */
const LEADING: readonly LeadingEnvelope[] = [json, kubectl, syslog, journald, compose];
/** What may follow an RFC 3339 timestamp, tried in this order (journald before AWS: an EC2 host name is an instance id). */
const AFTER_TIMESTAMP: readonly TimestampEnvelope[] = [criStream, heroku, fly, render, journaldIso, awsCloudWatch];
/** {@link LEADING} by first character code (ASCII); none: the line is plain. */
const BY_FIRST_CHAR: readonly (readonly LeadingEnvelope[] | undefined)[] = Array.from({ length: 128 }, (_, c) => {
  const envelopes = LEADING.filter((envelope) => envelope.opensWith(c));
  return envelopes.length > 0 ? envelopes : undefined;
});

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
  if (s.length < 2) return undefined;
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57 && s.length >= 20 && s.charCodeAt(4) === 45) {
    // `2026-11-25 20:54:06 +0000 [1] [INFO] ...` (gunicorn's logconfig format) stops here
    return s.charCodeAt(10) === 84 ? unwrapTimestamped(s, AFTER_TIMESTAMP, keys, depth, unwrapAt) : undefined;
  }
  const envelopes = c < 128 ? BY_FIRST_CHAR[c] : undefined;
  if (envelopes === undefined) return undefined;
  for (let k = 0; k < envelopes.length; k++) {
    const found = envelopes[k]!.unwrap(s, keys, depth, unwrapAt);
    if (found) return found;
  }
  return undefined;
}
