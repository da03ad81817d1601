import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, DEFAULT_RECORD, RECORD } from "./test-lines.ts";

describe("journald", () => {
  it("short: the host, and the inner line's year", () => {
    expect(unwrapLine(`Nov 25 20:54:06 ip-10-0-1-23 gunicorn[812]: ${DEFAULT_RECORD}`)).toEqual({
      shape: "journald",
      text: DEFAULT_RECORD,
      instance: "ip-10-0-1-23",
      at: AT,
    });
  });

  it("short without a year in the line: this year, or last year if that would be in the future", () => {
    const u = unwrapLine("Nov 25 20:54:06 ip-10-0-1-23 gunicorn[812]: Traceback (most recent call last):");
    expect(u.text).toBe("Traceback (most recent call last):");
    const year = new Date(u.at!).getUTCFullYear();
    expect([new Date().getUTCFullYear(), new Date().getUTCFullYear() - 1]).toContain(year);
    expect(u.at).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
  });

  it("short-precise, and a kernel line without a pid", () => {
    expect(unwrapLine(`Nov 25 20:54:06.250000 web-host gunicorn[812]: ${RECORD}`).at).toBe(AT + 250);
    const oom = unwrapLine("Nov 25 20:54:06 web-host kernel: Out of memory: Killed process 7 (gunicorn) total-vm:812344kB");
    expect(oom).toMatchObject({
      shape: "journald",
      instance: "web-host",
      text: "Out of memory: Killed process 7 (gunicorn) total-vm:812344kB",
    });
  });

  it("short-iso", () => {
    expect(unwrapLine(`2026-11-25T21:54:06+0100 web-host gunicorn[812]: ${RECORD}`)).toEqual({
      shape: "journald",
      text: RECORD,
      instance: "web-host",
      at: AT,
    });
  });
});
