/** Reading timestamps without regexes: character tests and arithmetic only. */

/** A timestamp read from a line: epoch ms (sub-ms fraction kept) and the index just past it. */
export interface IsoTime {
  ms: number;
  end: number;
}

/** `len` decimal digits at `at`, as a number; -1 if any of them is not a digit (or is past the end). */
export function readNumber(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = at; k < at + len; k++) {
    const d = s.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The index past the digits that start at `at` (`at` itself when there are none). */
export function digitsEnd(s: string, at: number): number {
  let j = at;
  while (j < s.length) {
    const d = s.charCodeAt(j) - 48;
    if (!(d >= 0 && d <= 9)) break;
    j++;
  }
  return j;
}

/** A fraction of a second written as the digits from `from` to `to`, in ms: microseconds kept (as splitDockerTimestamp does), finer digits dropped. */
export function fractionMs(s: string, from: number, to: number): number {
  let ms = 0;
  let us = 0;
  for (let place = 0; place < 6; place++) {
    const d = from + place < to ? s.charCodeAt(from + place) - 48 : 0;
    if (place < 3) ms = ms * 10 + d;
    else us = us * 10 + d;
  }
  return ms + us / 1000;
}

/**
 * Reads `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM|±HH]` at `at`; undefined when there is none. No zone = UTC.
 * `lenient` (JSON values) also takes a space for `T`, a `,` fraction and `<space>+0000` / ` UTC`.
 */
export function parseIso(s: string, at: number, lenient: boolean): IsoTime | undefined {
  if (s.length < at + 19) return undefined;
  const year = readNumber(s, at, 4);
  const month = readNumber(s, at + 5, 2);
  const day = readNumber(s, at + 8, 2);
  const t = s.charCodeAt(at + 10);
  if (year < 0 || s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45 || month < 1 || month > 12 || day < 1 || day > 31) {
    return undefined;
  }
  if (t !== 84 && !(lenient && (t === 32 || t === 116))) return undefined;
  const hour = readNumber(s, at + 11, 2);
  const minute = readNumber(s, at + 14, 2);
  const second = readNumber(s, at + 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  if (s.charCodeAt(at + 13) !== 58 || s.charCodeAt(at + 16) !== 58) return undefined;
  let j = at + 19;
  let fraction = 0;
  const dot = s.charCodeAt(j);
  if (dot === 46 || (lenient && dot === 44)) {
    const end = digitsEnd(s, j + 1);
    if (end === j + 1) return undefined;
    fraction = fractionMs(s, j + 1, end);
    j = end;
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
    const oh = readNumber(s, j + 1, 2);
    if (oh < 0) return undefined;
    let k = j + 3;
    if (s.charCodeAt(k) === 58) k++;
    const om = readNumber(s, k, 2);
    if (om >= 0) k += 2;
    else if (s.charCodeAt(k - 1) === 58) return undefined;
    offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + Math.max(om, 0));
    j = k;
  }
  return { ms: utcMs(year, month, day, hour, minute, second) + fraction - offsetMin * 60_000, end: j };
}

/**
 * `Date.UTC(year, month - 1, day, hour, minute, second)` for the ranges a timestamp allows (years 0-99 are 1900-1999, a
 * day past the month's end rolls over), in arithmetic: Date.UTC was most of a timestamp's cost.
 */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return ((daysSinceEpoch(year <= 99 ? year + 1900 : year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil, years counted from March). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}
