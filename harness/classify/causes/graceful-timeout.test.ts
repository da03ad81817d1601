import { describe, expect, it } from "vitest";
import { expectedBanners } from "../death-rules.ts";
import { container, judge, killed, line, master, t, worker } from "../judge-stories.ts";

describe("judgeDeath: graceful-timeout", () => {
  const why = "the master exited with no line about this worker";

  it("calls a timeout of a worker already shutting down a graceful-timeout, and claims the scale-down behind it", () => {
    const ttou = line.master("ttou", 10);
    const story = worker({ shuttingDown: line.shuttingDown(7, 10), timeout: line.timeout(7, 40), exits: [line.sent(7, "SIGABRT", 40)] });
    const verdict = judge(story, { master: master({ scaleDowns: [ttou] }) });
    expect(verdict.cause).toBe("graceful-timeout");
    expect(verdict.stopSignalled).toBe(true);
    expect(verdict.claims.scaleDown).toBe(ttou);
    expect(verdict.evidence).toContainEqual({ source: "log", line: ttou.seq, text: ttou.raw });
    expect(verdict.evidence).toContainEqual({ source: "log", line: story.shuttingDown!.seq, text: story.shuttingDown!.raw });
    expect(verdict.evidence.at(-1)).toMatchObject({ source: "inference", text: expect.stringMatching(/already shutting down/) });
    expect(expectedBanners(story, verdict.cause, true)).toEqual(["interrupt", "abort"]);

    // With no master line it is still a graceful-timeout, and claims nothing.
    expect(judge(story)).toMatchObject({ cause: "graceful-timeout", claims: {} });
    // A worker that started shutting down only after the timeout line timed out first.
    const late = worker({ shuttingDown: line.shuttingDown(7, 41), timeout: line.timeout(7, 40), exits: [line.sent(7, "SIGABRT", 41)] });
    expect(judge(late).cause).toBe("timeout");
  });

  it("calls a SIGKILL after the master's stop signal a graceful-timeout", () => {
    const term = line.master("term", 10);
    const verdict = judge(killed(40), { master: master({ stopping: term }) });
    expect(verdict.cause).toBe("graceful-timeout");
    expect(verdict.stopSignalled).toBe(true);
    expect(verdict.evidence).toContainEqual({ source: "log", line: term.seq, text: term.raw });

    // A stop signal after the kill does not explain it.
    expect(judge(killed(5), { master: master({ stopping: line.master("term", 10) }) }).cause).toBe("sigkill");
  });

  it("does not give the master's graceful-timeout SIGKILL to an OOM event from before the master began stopping", () => {
    // Seen in a real run: a worker OOM-killed at 36 s, then a deploy at 38 s whose busy worker was SIGKILLed at 40 s.
    const stopping = master({ stopping: line.master("term", 38) });
    const earlierOom = container({ present: true, oomEvents: [t(36)] });
    expect(judge(killed(40), { master: stopping, container: earlierOom })).toMatchObject({ cause: "graceful-timeout", claims: {} });
    // An OOM kill during the shutdown itself is still an OOM kill.
    const duringShutdown = container({ present: true, oomEvents: [t(39)] });
    expect(judge(killed(40), { master: stopping, container: duringShutdown })).toMatchObject({
      cause: "oom-kill",
      claims: { oomKill: true },
    });
  });

  it("calls a worker with no exit line a graceful-timeout when the master was stopping", () => {
    const term = line.master("term", 10);
    const story = worker({ shuttingDown: line.shuttingDown(7, 10) });
    const verdict = judge(story, { at: t(40), noExitLine: why, master: master({ stopping: term, lastAt: t(40) }) });
    expect(verdict.cause).toBe("graceful-timeout");
    expect(verdict.stopSignalled).toBe(true);
    expect(verdict.evidence[0]).toEqual({ source: "inference", text: why });
    expect(verdict.evidence).toContainEqual({ source: "log", line: term.seq, text: term.raw });
    expect(verdict.evidence).toContainEqual({ source: "log", line: story.shuttingDown!.seq, text: story.shuttingDown!.raw });
  });
});
