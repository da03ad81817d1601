import type { LogStream } from "../../events/events.ts";
import { endOf, execAt, layer, type TimestampEnvelope, type UnwrapInner, type Unwrapped } from "./envelope.ts";
import { parseIso } from "./iso-time.ts";
import type { JsonKeys } from "./json-keys.ts";

/**
 * A line that starts with an RFC 3339 timestamp: whichever of `after` follows it first (a platform's instance,
 * journald's short-iso host, a CRI stream), else `timestamped` (`docker logs -t`, `kubectl logs --timestamps`).
 */
export function unwrapTimestamped(
  s: string,
  after: readonly TimestampEnvelope[],
  keys: JsonKeys,
  depth: number,
  inner: UnwrapInner,
): Unwrapped | undefined {
  const time = parseIso(s, 0, false);
  if (time === undefined) return undefined;
  if (time.end === s.length) return { shape: "timestamped", text: "", at: time.ms };
  if (s.charCodeAt(time.end) !== 32) return undefined;
  const i = time.end + 1;
  for (let k = 0; k < after.length; k++) {
    const found = after[k]!.unwrapAfter(s, i, time.ms, keys, depth, inner);
    if (found) return found;
  }
  return layer("timestamped", s.slice(i), undefined, time.ms, undefined, keys, depth, inner);
}

/** `stdout`/`stderr` after the timestamp: CRI log files (`F`/`P` tag; partial lines are not rejoined) and the corpus format. */
const STREAM = /(stdout|stderr)(?: [FP])?(?: |$)/y;

/**
 * `timestamped` with a stream after the timestamp: the CRI log files under /var/log/containers (`TS stderr F text`)
 * and the harness's own corpus format (`TS stderr text`).
 */
export const criStream: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const m = s.charCodeAt(i) === 115 ? execAt(STREAM, s, i) : null;
    return m ? layer("timestamped", s.slice(endOf(m)), undefined, at, m[1] as LogStream, keys, depth, inner) : undefined;
  },
};
