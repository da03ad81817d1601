import { describe, expect, it } from "vitest";
import { expectedBanners } from "../death-rules.ts";
import { banner, judge, line, master, sigterm, worker, workerFault } from "../judge-stories.ts";

describe("judgeDeath: unexpected-sigterm", () => {
  it("calls a SIGTERM the harness sent the worker itself an unexpected-sigterm, even when the master was stopping", () => {
    const fault = workerFault(7, "SIGTERM", 4);
    const story = sigterm({ faults: [fault] });
    const verdict = judge(story, { master: master({ stopping: line.master("term", 4) }) });
    expect(verdict.cause).toBe("unexpected-sigterm");
    expect(verdict.evidence).toContainEqual({ source: "harness", text: "signal-worker SIGTERM to worker 7 at 2026-11-25T10:00:04.000Z" });
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/came from outside gunicorn/) });
    expect(expectedBanners(story, verdict.cause, Boolean(verdict.stopSignalled))).toEqual(["interrupt"]);

    // A fault sent after the exit is not its cause.
    expect(judge(sigterm({ faults: [workerFault(7, "SIGTERM", 6)] }), { master: master({ stopping: line.master("term", 4) }) }).cause).toBe(
      "shutdown",
    );
  });

  it("calls a lone SIGTERM with no master line an unexpected-sigterm", () => {
    const verdict = judge(sigterm(), { stoppedTogether: 1 });
    expect(verdict.cause).toBe("unexpected-sigterm");
    expect(verdict.summary).toBeUndefined();
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^SIGTERM with no master-side reason/) });
  });

  it("reads the stop signal from the worker's INTERRUPT banner when there is no exit signal", () => {
    const interrupt = banner("WORKER INTERRUPT SIGNAL RECEIVED - PID 7", ["Signal: SIGINT (2)"], 5);
    const story = worker({ exits: [line.exiting(7, 5)], banners: [interrupt] });
    const verdict = judge(story);
    expect(verdict.cause).toBe("unexpected-sigterm");
    expect(verdict.evidence.at(-1)!.text).toMatch(/^SIGINT with no master-side reason/);
  });
});
