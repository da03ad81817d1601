import { BOM, endOf, execAt, isDigit, type LeadingEnvelope, layer, type UnwrapInner, type Unwrapped } from "./envelope.ts";
import { parseIso } from "./iso-time.ts";
import type { JsonKeys } from "./json-keys.ts";
import { unwrapRfc3164Header } from "./rfc3164-header.ts";

const PRI = /^<\d{1,3}>/;
/** RFC 5424 after `<PRI>`: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then STRUCTURED-DATA. */
const RFC5424 = /\d{1,2} (\S{1,64}) (\S{1,255}) (\S{1,48}) (\S{1,128}) \S{1,32} /y;
/** One RFC 5424 SD-ELEMENT: `[SD-ID *(SP PARAM-NAME="value")]`, values with `\\"`, `\\]` and `\\\\` escaped. */
const SD_ELEMENT = /\[[^\s\]="]{1,32}(?: [^\s\]="]{1,32}="(?:[^"\\]|\\.)*")*\]/y;

/**
 * `syslog`: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD text`, also Heroku/Render log drains, with or
 * without RFC 6587 octet counting) and RFC 3164 (`<PRI>Nov 25 20:54:06 host tag[pid]: text`).
 */
export const syslog: LeadingEnvelope = {
  opensWith: (c) => c === 60 || isDigit(c),
  unwrap(s, keys, depth, inner) {
    if (s.charCodeAt(0) === 60) return unwrapSyslog(s, keys, depth, inner);
    // RFC 6587 octet counting, as Heroku's HTTPS drains frame syslog: `83 <40>1 ...`
    let i = 0;
    while (i < 6 && i < s.length && isDigit(s.charCodeAt(i))) i++;
    return i > 0 && s.charCodeAt(i) === 32 && s.charCodeAt(i + 1) === 60 ? unwrapSyslog(s.slice(i + 1), keys, depth, inner) : undefined;
  },
};

function unwrapSyslog(s: string, keys: JsonKeys, depth: number, inner: UnwrapInner): Unwrapped | undefined {
  const pri = PRI.exec(s);
  if (!pri) return undefined;
  const i = pri[0].length;
  if (!isDigit(s.charCodeAt(i))) return unwrapRfc3164Header(s, i, "syslog", keys, depth, inner);
  const m = execAt(RFC5424, s, i);
  if (!m) return undefined;
  const [, stamp, host, app, procid] = m as unknown as [string, string, string, string, string];
  const sd = endOf(m);
  let k = skipStructuredData(s, sd);
  if (k > sd && s.charCodeAt(k) === 32) k++;
  if (s.charCodeAt(k) === BOM) k++;
  const time = stamp === "-" ? undefined : parseIso(stamp, 0, false);
  const at = time?.end === stamp.length ? time.ms : undefined;
  // Heroku's drains send the literal host "host" and the dyno as PROCID
  const instance = host !== "-" && host !== "host" ? host : procid !== "-" ? procid : app !== "-" ? app : undefined;
  return layer("syslog", s.slice(k), instance, at, undefined, keys, depth, inner);
}

/** Past RFC 5424's STRUCTURED-DATA (`-` or `[id k="v"]...`); where it started if there is none (Heroku's drains omit it). */
function skipStructuredData(s: string, start: number): number {
  const n = s.length;
  if (s.charCodeAt(start) === 45 && (start + 1 === n || s.charCodeAt(start + 1) === 32)) return start + 1;
  let i = start;
  while (s.charCodeAt(i) === 91) {
    const m = execAt(SD_ELEMENT, s, i);
    if (!m) return start;
    i = endOf(m);
  }
  return i === n || s.charCodeAt(i) === 32 ? i : start;
}
