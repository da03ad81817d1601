import { describe, expect, it } from "vitest";
import { expectedBanners } from "../death-rules.ts";
import { banner, container, judge, killed, line, t, worker } from "../judge-stories.ts";

describe("judgeDeath: oom-kill", () => {
  it("calls a SIGKILL with a docker oom event within 5 s before it an oom-kill, and claims the kill", () => {
    const story = killed();
    const verdict = judge(story, { container: container({ present: true, oomEvents: [t(16)] }) });
    expect(verdict.cause).toBe("oom-kill");
    expect(verdict.claims).toEqual({ oomKill: true });
    expect(verdict.evidence).toContainEqual({
      source: "docker",
      text: expect.stringMatching(/"oom" event .* within 5 s before this exit/),
    });
    expect(expectedBanners(story, verdict.cause, false)).toEqual(["kill"]);

    // An oom event more than 5 s before it does not count.
    expect(judge(killed(), { container: container({ present: true, oomEvents: [t(14)] }) })).toMatchObject({
      cause: "sigkill",
      claims: {},
    });
  });

  it("does not call it an oom-kill when the cgroup shows no kill beyond those already attributed", () => {
    const evidence = container({
      present: true,
      oomEvents: [t(19)],
      cgroupFirst: 0,
      cgroupLast: 1,
      cgroupLastAt: t(30),
      oomKillsAttributed: 1,
    });
    const verdict = judge(killed(), { container: evidence });
    expect(verdict.cause).toBe("sigkill");
    expect(verdict.summary).toBe("SIGKILL from outside gunicorn; the container shows no OOM kill");
    expect(verdict.claims).toEqual({});
    expect(verdict.evidence).toContainEqual({ source: "cgroup", text: "oom_kill went from 0 to 1 during the run" });

    // The same counter with that kill not yet attributed confirms it.
    expect(judge(killed(), { container: { ...evidence, oomKillsAttributed: 0 } })).toMatchObject({
      cause: "oom-kill",
      claims: { oomKill: true },
    });
  });

  it("lets the master's SIGKILL banner confirm an OOM kill from a log alone, or deny it against an oom event", () => {
    const yes = banner("WORKER KILLED BY SIGKILL - PID 7", ["OOM confirmed: yes (the cgroup's oom_kill counter went from 0 to 1)."], 20);
    const confirmed = worker({ exits: [line.sent(7, "SIGKILL", 20)], banners: [yes] });
    const verdict = judge(confirmed);
    expect(verdict).toMatchObject({ cause: "oom-kill", claims: { oomKill: true } });
    expect(verdict.evidence).toContainEqual({
      source: "banner",
      line: yes.event.seq,
      text: "WORKER KILLED BY SIGKILL - PID 7 — OOM confirmed: yes (the cgroup's oom_kill counter went from 0 to 1).",
    });

    const no = banner("WORKER KILLED BY SIGKILL - PID 7", ["OOM confirmed: no (the cgroup's oom_kill counter did not change: 0)."], 20);
    const denied = worker({ exits: [line.sent(7, "SIGKILL", 20)], banners: [no] });
    expect(judge(denied, { container: container({ present: true, oomEvents: [t(19)] }) })).toMatchObject({ cause: "sigkill", claims: {} });
  });
});
