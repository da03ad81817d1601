import { describe, expect, it } from "vitest";
import { expectedBanners } from "../death-rules.ts";
import { judge, line, master, sigterm } from "../judge-stories.ts";

describe("judgeDeath: scale-down", () => {
  it("calls a SIGTERM after `Handling signal: ttou` a scale-down, and claims that line", () => {
    const ttou = line.master("ttou", 4);
    const verdict = judge(sigterm(), { master: master({ scaleDowns: [ttou] }) });
    expect(verdict.cause).toBe("scale-down");
    expect(verdict.summary).toBe("removed when the master scaled down (master handled SIGTTOU)");
    expect(verdict.claims.scaleDown).toBe(ttou);
    expect(verdict.evidence).toContainEqual({ source: "log", line: ttou.seq, text: ttou.raw });
    expect(expectedBanners(sigterm(), verdict.cause, Boolean(verdict.stopSignalled))).toEqual(["interrupt"]);
  });
});
