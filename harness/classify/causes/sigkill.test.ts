import { describe, expect, it } from "vitest";
import { judge, killed } from "../judge-stories.ts";

describe("judgeDeath: sigkill", () => {
  it("calls a SIGKILL in a log alone a sigkill, explaining that a log cannot prove an OOM kill", () => {
    const verdict = judge(killed());
    expect(verdict.cause).toBe("sigkill");
    expect(verdict.summary).toBeUndefined();
    expect(verdict.claims).toEqual({});
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^not provable from a log/) });
    expect(verdict.evidence.at(-1)!.text).toContain("Perhaps out of memory?");
  });
});
