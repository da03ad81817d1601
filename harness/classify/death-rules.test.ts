import { describe, expect, it } from "vitest";
import type { WorkerStory } from "./death.ts";
import { expectedBanners, isStopExit, judgeDeath } from "./death-rules.ts";
import { banner, container, type JudgeOptions, judge, line, master, t, worker, workerFault } from "./judge-stories.ts";

// Each cause's rules are tested beside it (causes/<cause>.test.ts); these hold for every verdict.

describe("judgeDeath: evidence", () => {
  it("gives structured evidence for every verdict, the exit line first, each piece once", () => {
    const stories: [WorkerStory, JudgeOptions][] = [
      [worker({ exits: [line.sent(7, "SIGTERM", 5)], faults: [workerFault(7, "SIGTERM", 4), workerFault(7, "SIGTERM", 4)] }), {}],
      [worker({ exits: [line.sent(7, "SIGKILL", 5)] }), { container: container({ present: true, oomEvents: [t(4), t(4.5)] }) }],
      [worker({ exits: [line.exitCode(7, 1, 5)], appErrors: ["boom", "boom"] }), {}],
      [worker({ exits: [line.exiting(7, 5)] }), {}],
    ];
    for (const [story, options] of stories) {
      const verdict = judge(story, options);
      expect(verdict.evidence[0]).toEqual({ source: "log", line: story.exits[0]!.seq, text: story.exits[0]!.raw });
      const keys = verdict.evidence.map((e) => JSON.stringify(e));
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it("quotes only the first line of a multi-line raw event", () => {
    const exit = line.exitCode(7, 1, 5);
    const multi = { ...exit, raw: `${exit.raw}\nTraceback (most recent call last):` };
    const verdict = judgeDeath(worker({ exits: [multi] }), multi.at, undefined, {
      master: master(),
      container: container(),
      stoppedTogether: 1,
    });
    expect(verdict.evidence[0]).toEqual({ source: "log", line: exit.seq, text: exit.raw });
  });
});

describe("expectedBanners and isStopExit", () => {
  it("expects the INTERRUPT banner for stop causes and stop signals, SIGKILL's for a kill, ABORT's for a timeout", () => {
    const term = worker({ exits: [line.sent(7, "SIGTERM", 5)] });
    const kill = worker({ exits: [line.sent(7, "SIGKILL", 5)] });
    const abort = worker({ timeout: line.timeout(7, 5), exits: [line.sent(7, "SIGABRT", 5)] });
    const timedOutKill = worker({ timeout: line.timeout(7, 5), exits: [line.sent(7, "SIGKILL", 6)] });
    expect(expectedBanners(term, "shutdown", false)).toEqual(["interrupt"]);
    expect(expectedBanners(term, "reload", false)).toEqual(["interrupt"]);
    expect(expectedBanners(kill, "sigkill", false)).toEqual(["kill"]);
    expect(expectedBanners(kill, "graceful-timeout", true)).toEqual(["interrupt", "kill"]);
    expect(expectedBanners(abort, "timeout", false)).toEqual(["abort"]);
    expect(expectedBanners(timedOutKill, "timeout", false)).toEqual(["abort"]);
    expect(expectedBanners(worker({ exits: [line.exitCode(7, 1, 5)] }), "crash", false)).toEqual([]);
  });

  it("takes an exit by SIGTERM, SIGINT or SIGQUIT, or an INTERRUPT banner, as a stop exit", () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGQUIT"]) expect(isStopExit(worker({ exits: [line.sent(7, signal, 5)] }))).toBe(true);
    for (const signal of ["SIGKILL", "SIGABRT", "SIGSEGV"]) expect(isStopExit(worker({ exits: [line.sent(7, signal, 5)] }))).toBe(false);
    const interrupt = banner("WORKER INTERRUPT SIGNAL RECEIVED - PID 7", ["Signal: SIGTERM (15)"], 5);
    expect(isStopExit(worker({ exits: [line.exiting(7, 5)], banners: [interrupt] }))).toBe(true);
    expect(isStopExit(worker({ exits: [line.exiting(7, 5)] }))).toBe(false);
    // The exit line outranks the banner: a worker interrupted, then killed, did not stop by its signal.
    expect(isStopExit(worker({ exits: [line.sent(7, "SIGKILL", 5)], banners: [interrupt] }))).toBe(false);
  });
});
