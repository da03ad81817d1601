import { endOf, execAt, isDigit, type LineShape, layer, type UnwrapInner, type Unwrapped } from "./envelope.ts";
import { digitsEnd, fractionMs, readNumber } from "./iso-time.ts";
import type { JsonKeys } from "./json-keys.ts";

/** After the time: ` host unit[pid]: ` (the `[pid]` is optional: `kernel: ...`). */
const HOST_TAG = / (\S{1,255}) [^\s[\]:]{1,128}(?:\[\d{1,10}\])?:(?: |$)/y;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const YEAR_IN_TEXT = /^\[?(\d{4})-\d\d-\d\d[ T]/;

/**
 * `Nov 25 20:54:06[.123456] host unit[pid]: text` at `start`: RFC 3164's header, which journalctl's short and
 * short-precise output print too. The year is not printed: the inner line's year when it has one, else this year (last
 * year if that would be in the future). The time is read as UTC (journalctl prints local time: export with
 * `TZ=UTC` or `-o short-iso` for exact times).
 */
export function unwrapRfc3164Header(
  s: string,
  start: number,
  shape: LineShape,
  keys: JsonKeys,
  depth: number,
  inner: UnwrapInner,
): Unwrapped | undefined {
  const month = MONTHS.indexOf(s.slice(start, start + 3));
  if (month < 0 || s.charCodeAt(start + 3) !== 32 || s.charCodeAt(start + 6) !== 32) return undefined;
  const d1 = s.charCodeAt(start + 4);
  const day = (d1 === 32 ? 0 : d1 - 48) * 10 + s.charCodeAt(start + 5) - 48;
  const hour = readNumber(s, start + 7, 2);
  const minute = readNumber(s, start + 10, 2);
  const second = readNumber(s, start + 13, 2);
  if ((d1 !== 32 && !isDigit(d1)) || !isDigit(s.charCodeAt(start + 5)) || day < 1 || day > 31) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  if (s.charCodeAt(start + 9) !== 58 || s.charCodeAt(start + 12) !== 58) return undefined;
  let j = start + 15;
  let fraction = 0;
  if (s.charCodeAt(j) === 46) {
    const end = digitsEnd(s, j + 1);
    if (end === j + 1) return undefined;
    fraction = fractionMs(s, j + 1, end);
    j = end;
  }
  const m = execAt(HOST_TAG, s, j);
  if (!m) return undefined;
  const out = layer(shape, s.slice(endOf(m)), m[1], undefined, undefined, keys, depth, inner);
  const inText = YEAR_IN_TEXT.exec(out.text);
  const nowYear = new Date().getUTCFullYear();
  const year = inText ? Number(inText[1]) : out.at !== undefined ? new Date(out.at).getUTCFullYear() : nowYear;
  const at = Date.UTC(year, month, day, hour, minute, second) + fraction;
  const inFuture = !inText && out.at === undefined && at > Date.now() + 2 * 86_400_000;
  out.at = inFuture ? Date.UTC(year - 1, month, day, hour, minute, second) + fraction : at;
  return out;
}
