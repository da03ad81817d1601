import { describe, expect, it } from "vitest";
import { judge, line, master, sigterm } from "../judge-stories.ts";

describe("judgeDeath: reload", () => {
  it("calls a SIGTERM of a worker a SIGHUP reload replaced a reload, and not one it did not replace", () => {
    const hup = line.master("hup", 4);
    const verdict = judge(sigterm(), { master: master({ reloads: [{ event: hup, replaced: new Set([7, 8]) }] }) });
    expect(verdict.cause).toBe("reload");
    expect(verdict.summary).toBe("replaced when the master reloaded (master handled SIGHUP)");
    expect(verdict.evidence).toContainEqual({ source: "log", line: hup.seq, text: hup.raw });

    // A worker the reload booted is not one it replaced.
    expect(judge(sigterm(), { master: master({ reloads: [{ event: hup, replaced: new Set([8]) }] }) }).cause).toBe("unexpected-sigterm");
  });
});
