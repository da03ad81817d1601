import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, DEFAULT_RECORD, RECORD } from "./test-lines.ts";

describe("kubectl", () => {
  it("--prefix", () => {
    expect(unwrapLine(`[pod/web-7d9f-abcde/app] ${RECORD}`)).toEqual({
      shape: "kubectl",
      text: RECORD,
      instance: "pod/web-7d9f-abcde/app",
    });
  });

  it("--timestamps alone is a timestamped line", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.123456789Z ${DEFAULT_RECORD}`)).toEqual({
      shape: "timestamped",
      text: DEFAULT_RECORD,
      at: AT + 123.456,
    });
  });

  it("--prefix --timestamps, in kubectl's order", () => {
    expect(unwrapLine(`[pod/web-7d9f-abcde/app] 2026-11-25T20:54:06.5Z ${RECORD}`)).toEqual({
      shape: "kubectl",
      text: RECORD,
      instance: "pod/web-7d9f-abcde/app",
      at: AT + 500,
    });
  });
});
