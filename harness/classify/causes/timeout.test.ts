import { describe, expect, it } from "vitest";
import { expectedBanners } from "../death-rules.ts";
import { banner, judge, line, master, worker } from "../judge-stories.ts";

describe("judgeDeath: timeout", () => {
  it("calls WORKER TIMEOUT then SIGABRT a timeout, naming the blocking call from the ABORT banner", () => {
    const abort = banner(
      "CRITICAL: WORKER ABORTED - PID 7",
      [
        "The master aborted this worker (SIGABRT): it sent no heartbeat for more than the",
        "configured timeout of 3 s, so its event loop was blocked.",
        "Blocking call: block_event_loop at /srv/app/app/main.py:46",
      ],
      9,
    );
    const story = worker({ timeout: line.timeout(7, 9), exits: [line.sent(7, "SIGABRT", 9)], banners: [abort] });
    const verdict = judge(story);
    expect(verdict.cause).toBe("timeout");
    expect(verdict.summary).toBe("event loop blocked past the timeout in block_event_loop at /srv/app/app/main.py:46");
    expect(verdict.stopSignalled).toBe(false);
    expect(verdict.claims).toEqual({});
    expect(verdict.evidence).toContainEqual({
      source: "banner",
      line: abort.event.seq,
      text: "CRITICAL: WORKER ABORTED - PID 7 — blocking call: block_event_loop at /srv/app/app/main.py:46",
    });
    expect(verdict.evidence).toContainEqual({ source: "log", line: story.timeout!.seq, text: story.timeout!.raw });
    expect(expectedBanners(story, verdict.cause, Boolean(verdict.stopSignalled))).toEqual(["abort"]);

    // Without the banner the standard summary stands, and the ABORT banner is still expected.
    const bare = worker({ pid: 8, timeout: line.timeout(8, 9), exits: [line.terminated(8, "SIGABRT", 9)] });
    const bareVerdict = judge(bare);
    expect(bareVerdict).toMatchObject({ cause: "timeout", summary: undefined });
    expect(expectedBanners(bare, bareVerdict.cause, false)).toEqual(["abort"]);
  });

  it("judges a worker aborted after it logged Worker exiting by why it stopped: its requests were done, only its exit was slow", () => {
    // Recorded on a public app under load (timeout compressed to 3 s): a max-requests recycle, "Worker exiting", 0.9 s later
    // WORKER TIMEOUT and SIGABRT. It is a recycle, not a cut drain.
    const recycled = worker({
      maxRequests: line.maxRequests(7, 30),
      shuttingDown: line.shuttingDown(7, 30),
      exits: [line.exiting(7, 31), line.sent(7, "SIGABRT", 32)],
      timeout: line.timeout(7, 32),
    });
    const verdict = judge(recycled);
    expect(verdict.cause).toBe("max-requests");
    expect(verdict.evidence).toContainEqual({ source: "log", line: recycled.timeout!.seq, text: recycled.timeout!.raw });
    expect(verdict.evidence).toContainEqual({ source: "inference", text: expect.stringMatching(/after it had logged "Worker exiting"/) });
    // Stopped by the master's scale-down: the scale-down, whatever came after.
    const ttou = line.master("ttou", 10);
    const scaledDown = worker({
      shuttingDown: line.shuttingDown(7, 10),
      exits: [line.exiting(7, 11), line.sent(7, "SIGABRT", 12)],
      timeout: line.timeout(7, 12),
    });
    expect(judge(scaledDown, { master: master({ scaleDowns: [ttou] }) }).cause).toBe("scale-down");
  });

  it("keeps a WORKER TIMEOUT a timeout when Worker exiting follows it in the same second (the asgi worker's SIGABRT handler)", () => {
    const timeout = line.timeout(8, 5);
    const story = worker({ pid: 8, timeout, exits: [line.exiting(8, 5), line.exitCode(8, 1, 5)] });
    expect(judge(story).cause).toBe("timeout");
  });
});
