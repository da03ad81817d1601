import { describe, expect, it } from "vitest";
import { judge, line, logged, master, sigterm, worker } from "../judge-stories.ts";

describe("judgeDeath: shutdown", () => {
  it("calls the same SIGTERM after the master's `Handling signal: term` a shutdown", () => {
    const term = line.master("term", 4);
    const verdict = judge(sigterm(), { master: master({ stopping: term }) });
    expect(verdict.cause).toBe("shutdown");
    expect(verdict.summary).toBe("the master was told to stop (master handled SIGTERM)");
    expect(verdict.evidence).toContainEqual({ source: "log", line: term.seq, text: term.raw });
  });

  it("calls three workers stopped together with no master line a probable deploy", () => {
    const verdict = judge(sigterm(), { stoppedTogether: 3 });
    expect(verdict.cause).toBe("shutdown");
    expect(verdict.summary).toBe("probable deploy or restart: 3 workers stopped together, no master line in the input");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^probable deploy or restart: 3 workers/) });
  });

  it("gives a halting master only the stops just before its Reason: line, after any reload or scale-down", () => {
    const halt = logged("master-halt-reason", { reason: "Worker failed to boot." }, 100, 1, "ERROR", "Reason: Worker failed to boot.");
    const long = worker({ ready: true, exits: [line.sent(7, "SIGTERM", 20)] });
    expect(judge(long, { master: master({ halt }) }).cause).toBe("unexpected-sigterm");
    const ttou = line.master("ttou", 98);
    const scaled = worker({ ready: true, exits: [line.sent(7, "SIGTERM", 99)] });
    expect(judge(scaled, { master: master({ halt, scaleDowns: [ttou] }) }).cause).toBe("scale-down");
  });

  it("calls a ready worker the halting master stopped (another failed to boot) a shutdown, not a stray SIGTERM", () => {
    // gunicorn's halt(): stop() kills and reaps the workers, then "Shutting down: Master", then "Reason: Worker failed to boot."
    const halt = logged("master-halt-reason", { reason: "Worker failed to boot." }, 6, 1, "ERROR", "Reason: Worker failed to boot.");
    const ready = worker({ ready: true, exits: [line.sent(8, "SIGTERM", 5)] });
    const verdict = judge(ready, { master: master({ halt }) });
    expect(verdict.cause).toBe("shutdown");
    expect(verdict.summary).toBe("the master was told to stop (Reason: Worker failed to boot.)");
    expect(judge(ready).cause).toBe("unexpected-sigterm");
  });
});
