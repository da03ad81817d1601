import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, DEFAULT_RECORD, RECORD } from "./test-lines.ts";

describe("syslog", () => {
  it("RFC 5424 with structured data (an escaped ] inside) and a BOM before the message", () => {
    const line = `<134>1 2026-11-25T20:54:06.123Z web-host-2 gunicorn 812 - [meta seq="1" x="a\\]b"][origin ip="10.0.0.1"] \uFEFF${RECORD}`;
    expect(unwrapLine(line)).toEqual({ shape: "syslog", text: RECORD, instance: "web-host-2", at: AT + 123 });
  });

  it("RFC 5424 with nil values", () => {
    expect(unwrapLine(`<14>1 - - - - - - ${RECORD}`)).toEqual({ shape: "syslog", text: RECORD });
  });

  it("a Heroku drain: octet-counted, host `host`, the dyno as PROCID, no structured data", () => {
    const body = `<190>1 2026-11-25T20:54:06.000001+00:00 host app web.1 - ${DEFAULT_RECORD}`;
    expect(unwrapLine(`${body.length} ${body}`)).toEqual({ shape: "syslog", text: DEFAULT_RECORD, instance: "web.1", at: AT + 0.001 });
  });

  it("RFC 3164", () => {
    expect(unwrapLine(`<134>Nov 25 20:54:06 web-host-2 gunicorn[812]: ${RECORD}`)).toEqual({
      shape: "syslog",
      text: RECORD,
      instance: "web-host-2",
      at: AT,
    });
  });
});
