import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, DEFAULT_RECORD, RECORD } from "./test-lines.ts";

describe("platforms", () => {
  it("Render", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456Z srv-abc123-7f9c4 ${RECORD}`)).toEqual({
      shape: "platform",
      text: RECORD,
      instance: "srv-abc123-7f9c4",
      at: AT + 123.456,
    });
  });

  it("Heroku, and its router lines", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456+00:00 app[web.1]: ${DEFAULT_RECORD}`)).toEqual({
      shape: "platform",
      text: DEFAULT_RECORD,
      instance: "web.1",
      at: AT + 123.456,
    });
    const router = unwrapLine(
      '2026-11-25T20:54:06.123456+00:00 heroku[router]: at=error code=H13 desc="Connection closed without response"',
    );
    expect(router).toMatchObject({
      shape: "platform",
      instance: "router",
      text: 'at=error code=H13 desc="Connection closed without response"',
    });
  });

  it("Fly.io, with and without a space after the level, keeping a traceback's indentation", () => {
    const expected = { shape: "platform", text: RECORD, instance: "148e1234", at: AT };
    expect(unwrapLine(`2026-11-25T20:54:06Z app[148e1234] iad [info] ${RECORD}`)).toEqual(expected);
    expect(unwrapLine(`2026-11-25T20:54:06Z app[148e1234] iad [info]${RECORD}`)).toEqual(expected);
    expect(unwrapLine('2026-11-25T20:54:06Z app[148e1234] iad [info]  File "/srv/app/app/main.py", line 25').text).toBe(
      '  File "/srv/app/app/main.py", line 25',
    );
  });

  it("AWS CloudWatch (aws logs tail)", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123000+00:00 ecs/web/4f1c2b0e9a7d4c2f ${RECORD}`)).toEqual({
      shape: "platform",
      text: RECORD,
      instance: "ecs/web/4f1c2b0e9a7d4c2f",
      at: AT + 123,
    });
    expect(unwrapLine(`2026-11-25T20:54:06.123000+00:00 i-0abc123def4567890 ${RECORD}`).instance).toBe("i-0abc123def4567890");
  });

  it("bare text after a timestamp is not taken for an instance", () => {
    for (const text of [
      "Signal: SIGTERM",
      "Blocking call: block_event_loop at /srv/app/app/main.py:46",
      "app/main.py:12: UserWarning: x",
    ]) {
      expect(unwrapLine(`2026-11-25T20:54:06Z ${text}`)).toEqual({ shape: "timestamped", text, at: AT });
    }
  });
});
