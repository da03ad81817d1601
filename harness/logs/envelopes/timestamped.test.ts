import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, RECORD } from "./test-lines.ts";

describe("timestamped", () => {
  it("docker logs -t, a CRI log file, and the harness's own corpus format", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z ${RECORD}`)).toEqual({ shape: "timestamped", text: RECORD, at: AT + 123.456 });
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z stderr F ${RECORD}`)).toEqual({
      shape: "timestamped",
      text: RECORD,
      at: AT + 123.456,
      stream: "stderr",
    });
    expect(unwrapLine(`2026-11-25T20:54:06.123456Z stdout ${RECORD}`)).toEqual({
      shape: "timestamped",
      text: RECORD,
      at: AT + 123.456,
      stream: "stdout",
    });
    expect(unwrapLine("2026-11-25T20:54:06Z")).toEqual({ shape: "timestamped", text: "", at: AT });
  });
});
