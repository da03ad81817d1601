import { endOf, execAt, type LeadingEnvelope, layer, type TimestampEnvelope } from "./envelope.ts";
import { unwrapRfc3164Header } from "./rfc3164-header.ts";

/** `journalctl -o short-iso` after the timestamp: `host unit[pid]: text` (the `[pid]` is required here to keep bare text out). */
const HOST_UNIT = /(\S{1,255}) [^\s[\]:]{1,128}\[\d{1,10}\]:(?: |$)/y;

/** `journald`: `journalctl` short and short-precise, `Nov 25 20:54:06[.123456] host unit[pid]: text` (see rfc3164-header.ts). */
export const journald: LeadingEnvelope = {
  opensWith: (c) => "JFMASOND".includes(String.fromCharCode(c)),
  unwrap(s, keys, depth, inner) {
    // `Nov 25 20:54:06 ` before any allocation
    if (s.length <= 16 || s.charCodeAt(3) !== 32 || s.charCodeAt(9) !== 58 || s.charCodeAt(12) !== 58) return undefined;
    return unwrapRfc3164Header(s, 0, "journald", keys, depth, inner);
  },
};

/** `journald` as `journalctl -o short-iso` prints it: `2026-11-25T20:54:06+0000 host unit[pid]: text`. */
export const journaldIso: TimestampEnvelope = {
  unwrapAfter(s, i, at, keys, depth, inner) {
    const m = execAt(HOST_UNIT, s, i);
    return m ? layer("journald", s.slice(endOf(m)), m[1], at, undefined, keys, depth, inner) : undefined;
  },
};
