import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import { AT, RECORD } from "./test-lines.ts";

describe("compose", () => {
  it("v2, padded to the longest service name", () => {
    expect(unwrapLine(`web-1     | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
    expect(unwrapLine(`worker-12 | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "worker-12" });
    expect(unwrapLine(`billing-api-web-1  | ${RECORD}`).instance).toBe("billing-api-web-1");
  });

  it("v1, and an empty line", () => {
    expect(unwrapLine(`web_1  | ${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web_1" });
    expect(unwrapLine("web-1  |")).toEqual({ shape: "compose", text: "", instance: "web-1" });
  });

  it("coloured, as on a terminal", () => {
    const esc = String.fromCharCode(27);
    expect(unwrapLine(`${esc}[36mweb-1  | ${esc}[0m${RECORD}`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
  });

  it("with docker compose logs --timestamps", () => {
    expect(unwrapLine(`web-1  | 2026-11-25T20:54:06.123456789Z ${RECORD}`)).toEqual({
      shape: "compose",
      text: RECORD,
      instance: "web-1",
      at: AT + 123.456,
    });
  });
});
