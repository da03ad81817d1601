import { describe, expect, it } from "vitest";
import { fractionMs, parseIso, readNumber, utcMs } from "./iso-time.ts";

const AT = Date.UTC(2026, 10, 25, 20, 54, 6);

describe("parseIso", () => {
  it("returns the time and the index past it, reading from `at`", () => {
    expect(parseIso("2026-11-25T20:54:06Z text", 0, false)).toEqual({ ms: AT, end: 20 });
    expect(parseIso("x 2026-11-25T20:54:06.123456789Z", 2, false)).toEqual({ ms: AT + 123.456, end: 32 });
    expect(parseIso("2026-11-25T21:54:06+01:00", 0, false)).toEqual({ ms: AT, end: 25 });
    expect(parseIso("2026-11-25T19:54:06-0100", 0, false)).toEqual({ ms: AT, end: 24 });
    expect(parseIso("2026-11-25T22:54:06+02", 0, false)).toEqual({ ms: AT, end: 22 });
    expect(parseIso("2026-11-25T20:54:06", 0, false)).toEqual({ ms: AT, end: 19 });
  });

  it("lenient (JSON values): a space for T, a comma fraction, ` +0000` and ` UTC`", () => {
    expect(parseIso("2026-11-25 20:54:06,412", 0, true)).toEqual({ ms: AT + 412, end: 23 });
    expect(parseIso("2026-11-25 20:54:06 +0000", 0, true)).toEqual({ ms: AT, end: 25 });
    expect(parseIso("2026-11-25 20:54:06 UTC", 0, true)).toEqual({ ms: AT, end: 23 });
    expect(parseIso("2026-11-25 20:54:06", 0, false)).toBeUndefined();
    expect(parseIso("2026-11-25T20:54:06,412Z", 0, false)).toEqual({ ms: AT, end: 19 });
  });

  it("is undefined for anything that is not such a time", () => {
    for (const s of ["", "2026-11-25", "2026-13-25T20:54:06Z", "2026-11-25T24:54:06Z", "2026-11-25T20:54:06.Z", "2026-11-25T20:54:06+:0"]) {
      expect(parseIso(s, 0, false), s).toBeUndefined();
    }
  });

  it("leaves nothing behind between calls: each result stands alone", () => {
    const first = parseIso("2026-11-25T20:54:06.5Z", 0, false);
    parseIso("2030-01-01T00:00:00Z", 0, false);
    expect(first).toEqual({ ms: AT + 500, end: 22 });
  });
});

describe("fractionMs and readNumber", () => {
  it("keeps microseconds and drops finer digits", () => {
    expect(fractionMs("123456789", 0, 9)).toBe(123.456);
    expect(fractionMs("5", 0, 1)).toBe(500);
  });

  it("reads fixed-width numbers, -1 past the end or on a non-digit", () => {
    expect(readNumber("x2026", 1, 4)).toBe(2026);
    expect(readNumber("20", 0, 4)).toBe(-1);
    expect(readNumber("2a", 0, 2)).toBe(-1);
  });
});

describe("utcMs", () => {
  it("is Date.UTC for every date a timestamp can write: leap years, years 0-99 (1900-1999), day 31 of a short month, second 60", () => {
    let compared = 0;
    for (let year = 0; year <= 9999; year += year < 2200 ? 1 : 97) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const hour = (year + day) % 24;
          const minute = (month * 7 + day) % 60;
          const second = (year + month + day) % 61;
          if (utcMs(year, month, day, hour, minute, second) !== Date.UTC(year, month - 1, day, hour, minute, second)) {
            expect.fail(`${year}-${month}-${day} ${hour}:${minute}:${second}`);
          }
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(800_000);
  });
});
