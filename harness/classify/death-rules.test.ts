import { describe, expect, it } from "vitest";
import type { EventOfKind, FaultEvent, FromLog, LogEvent } from "../events/events.ts";
import { type BannerSighting, recognizeBanner } from "./banners.ts";
import type { ContainerEvidence, Evidence, MasterStory, WorkerStory } from "./death.ts";
import { expectedBanners, isStopExit, judgeDeath, type Verdict } from "./death-rules.ts";

// ---- Log-derived events, shaped as the parser emits them, with gunicorn's real wording. ----

const T0 = Date.parse("2026-11-25T10:00:00Z");
/** Epoch ms `s` seconds after T0. */
const t = (s: number) => T0 + s * 1000;
let nextSeq = 1;

type Kind = LogEvent["kind"];
type Facts<K extends Kind> = Omit<EventOfKind<K>, keyof FromLog | "kind">;

/** A log event at `s` seconds, its raw line in gunicorn's format: `[2026-11-25 10:00:05 +0000] [1] [ERROR] …`. */
function logged<K extends Kind>(kind: K, facts: Facts<K>, s: number, by: number, level: string, message: string): EventOfKind<K> {
  const stamp = new Date(t(s))
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " +0000");
  const raw = `[${stamp}] [${by}] [${level}] ${message}`;
  return { kind, at: t(s), source: "app", stream: "stderr", seq: nextSeq++, raw, loggedBy: by, ...facts } as EventOfKind<K>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9, SIGTERM: 15 };

const line = {
  /** gunicorn 21+: `Worker (pid:7) was sent SIGTERM!` (SIGKILL adds "Perhaps out of memory?"). */
  sent: (pid: number, signal: string, s: number) =>
    logged(
      "worker-signaled",
      { pid, signal, coreDumped: false, oomHint: signal === "SIGKILL" },
      s,
      1,
      "ERROR",
      `Worker (pid:${pid}) was sent ${signal}!${signal === "SIGKILL" ? " Perhaps out of memory?" : ""}`,
    ),
  /** gunicorn 20.1: `Worker with pid 7 was terminated due to signal 11`. */
  terminated: (pid: number, signal: string, s: number) =>
    logged(
      "worker-signaled",
      { pid, signal, coreDumped: false, oomHint: false },
      s,
      1,
      "WARNING",
      `Worker with pid ${pid} was terminated due to signal ${SIGNAL_NUMBERS[signal]}`,
    ),
  exitCode: (pid: number, code: number, s: number) =>
    logged("worker-exit-code", { pid, code }, s, 1, "ERROR", `Worker (pid:${pid}) exited with code ${code}`),
  exiting: (pid: number, s: number) => logged("worker-exiting", { pid }, s, pid, "INFO", `Worker exiting (pid: ${pid})`),
  timeout: (pid: number, s: number) => logged("worker-timeout", { pid }, s, 1, "CRITICAL", `WORKER TIMEOUT (pid:${pid})`),
  shuttingDown: (pid: number, s: number) => logged("worker-shutting-down", { pid }, s, pid, "INFO", "Shutting down"),
  startupFailed: (pid: number, s: number) =>
    logged("worker-startup-failed", { pid }, s, pid, "ERROR", "Application startup failed. Exiting."),
  maxRequests: (pid: number, s: number) =>
    logged("worker-max-requests", { pid, limit: 1000 }, s, pid, "INFO", "Maximum request limit of 1000 exceeded. Terminating process."),
  /** The master's `Handling signal: term|hup|ttou`. */
  master: (name: string, s: number) =>
    logged("master-signal", { signal: `SIG${name.toUpperCase()}` }, s, 1, "INFO", `Handling signal: ${name}`),
  halt: (reason: string, s: number) => logged("master-halt-reason", { reason }, s, 1, "ERROR", `Reason: ${reason}`),
};

/** A banner block as the parser emits it, recognised as the classifier recognises it. */
function banner(title: string, lines: string[], s: number): BannerSighting {
  const rule = "====================";
  const event: EventOfKind<"banner"> = {
    kind: "banner",
    at: t(s),
    source: "app",
    stream: "stderr",
    seq: nextSeq++,
    raw: [`${rule} ${title} ${rule}`, ...lines].join("\n"),
    title,
    lines,
  };
  const sighting = recognizeBanner(event);
  if (!sighting) throw new Error(`not a banner title: ${title}`);
  return sighting;
}

function workerFault(pid: number, signal: string, s: number): FaultEvent {
  return { kind: "fault", at: t(s), action: "signal-worker", target: "worker", pid, signal };
}

// ---- Stories with defaults. ----

function worker(overrides: Partial<WorkerStory> = {}): WorkerStory {
  return { pid: 7, generation: 0, ready: true, exits: [], appErrors: [], banners: [], faults: [], ...overrides };
}

function master(overrides: Partial<MasterStory> = {}): MasterStory {
  return { generation: 0, reloads: [], scaleDowns: [], lastAt: 0, ...overrides };
}

/** No container evidence at all: what a log file brings. */
function container(overrides: Partial<ContainerEvidence> = {}): ContainerEvidence {
  return { present: false, oomEvents: [], cgroupLastAt: 0, oomKillsAttributed: 0, ...overrides };
}

interface JudgeOptions {
  at?: number;
  noExitLine?: string;
  master?: MasterStory;
  container?: ContainerEvidence;
  stoppedTogether?: number;
  maxRequests?: number;
}

/** Judges `story` at its exit line's time (or `at`), checking on the way that the evidence is well formed. */
function judge(story: WorkerStory, options: JudgeOptions = {}): Verdict {
  const at = options.at ?? story.exits[0]?.at ?? 0;
  const verdict = judgeDeath(story, at, options.noExitLine, {
    master: options.master ?? master(),
    container: options.container ?? container(),
    stoppedTogether: options.stoppedTogether ?? 1,
    maxRequests: options.maxRequests,
  });
  expectStructured(verdict.evidence, story);
  return verdict;
}

const SOURCES = ["log", "banner", "app", "harness", "docker", "cgroup", "inference"];

/** Every piece is `{source, text}` (+ `line` when it quotes the log); an exit line comes first, quoted as it was. */
function expectStructured(evidence: Evidence[], story: WorkerStory): void {
  expect(evidence.length).toBeGreaterThan(0);
  for (const piece of evidence) {
    expect(SOURCES).toContain(piece.source);
    expect(typeof piece.text).toBe("string");
    expect(piece.text.length).toBeGreaterThan(0);
    if (piece.source === "log" || piece.source === "banner") expect(Number.isInteger(piece.line)).toBe(true);
    else expect(piece.line).toBeUndefined();
    expect(Object.keys(piece).every((k) => ["source", "text", "line"].includes(k))).toBe(true);
  }
  const exit = story.exits[0];
  if (exit) expect(evidence[0]).toEqual({ source: "log", line: exit.seq, text: exit.raw });
}

const texts = (verdict: Verdict) => verdict.evidence.map((e) => e.text);

// ---- The rules. ----

describe("judgeDeath: it never booted", () => {
  it("calls a worker that never booted a boot-failure even with a timeout line, in the app's last words", () => {
    const failed = worker({
      ready: false,
      startupFailed: line.startupFailed(7, 2),
      timeout: line.timeout(7, 31),
      // The worker's own last line (gunicorn 20.1); the master's "exited with code 3" is not in the input.
      exits: [line.exiting(7, 32)],
      appErrors: ["OperationalError: could not connect to server", "RuntimeError: database unreachable"],
    });
    const verdict = judge(failed);
    expect(verdict.cause).toBe("boot-failure");
    expect(verdict.summary).toBe("failed to boot: RuntimeError: database unreachable");
    expect(verdict.evidence).toEqual([
      { source: "log", line: failed.exits[0]!.seq, text: failed.exits[0]!.raw },
      { source: "log", line: failed.startupFailed!.seq, text: failed.startupFailed!.raw },
      { source: "app", text: "OperationalError: could not connect to server" },
      { source: "app", text: "RuntimeError: database unreachable" },
    ]);

    // Exit code 3 (WORKER_BOOT_ERROR) alone says it too; with no app error, the standard summary stands.
    const code3 = worker({ ready: false, timeout: line.timeout(8, 31), exits: [line.exitCode(8, 3, 32)], pid: 8 });
    expect(judge(code3)).toMatchObject({ cause: "boot-failure", summary: undefined });

    // So does the master's "Reason: Worker failed to boot." for a worker that never got ready.
    const halt = line.halt("Worker failed to boot.", 33);
    const notReady = worker({ ready: false, exits: [line.sent(9, "SIGTERM", 32)], pid: 9 });
    const verdict9 = judge(notReady, { master: master({ halt }) });
    expect(verdict9.cause).toBe("boot-failure");
    expect(verdict9.evidence).toContainEqual({ source: "log", line: halt.seq, text: halt.raw });
  });

  it("owes the INTERRUPT banner of a worker the halting master stopped only when its hooks were in place", () => {
    const halt = line.halt("Worker failed to boot.", 33);
    const stopped = (banners: BannerSighting[]) => worker({ ready: false, exits: [line.sent(8, "SIGTERM", 32)], pid: 8, banners });
    const early = stopped([]);
    const earlyVerdict = judge(early, { master: master({ halt }) });
    expect(earlyVerdict.cause).toBe("boot-failure");
    expect(expectedBanners(early, earlyVerdict.cause, Boolean(earlyVerdict.stopSignalled))).toEqual([]);

    const late = stopped([banner("WORKER INTERRUPT SIGNAL RECEIVED - PID 8", ["Signal: SIGTERM (15)"], 32)]);
    const lateVerdict = judge(late, { master: master({ halt }) });
    expect(lateVerdict.cause).toBe("boot-failure");
    expect(expectedBanners(late, lateVerdict.cause, Boolean(lateVerdict.stopSignalled))).toEqual(["interrupt"]);
  });
});

describe("judgeDeath: the master aborted it", () => {
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
});

describe("judgeDeath: SIGKILL", () => {
  const killed = (s = 20) => worker({ exits: [line.sent(7, "SIGKILL", s)] });

  it("calls a SIGKILL with a docker oom event within 5 s before it an oom-kill, and claims the kill", () => {
    const story = killed();
    const verdict = judge(story, { container: container({ present: true, oomEvents: [t(16)] }) });
    expect(verdict.cause).toBe("oom-kill");
    expect(verdict.claims).toEqual({ oomKill: true });
    expect(verdict.evidence).toContainEqual({
      source: "docker",
      text: expect.stringMatching(/"oom" event .* within 5 s before this exit/),
    });
    expect(expectedBanners(story, verdict.cause, false)).toEqual(["sigkill"]);

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

  it("calls a SIGKILL in a log alone a sigkill, explaining that a log cannot prove an OOM kill", () => {
    const verdict = judge(killed());
    expect(verdict.cause).toBe("sigkill");
    expect(verdict.summary).toBeUndefined();
    expect(verdict.claims).toEqual({});
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^not provable from a log/) });
    expect(verdict.evidence.at(-1)!.text).toContain("Perhaps out of memory?");
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
});

describe("judgeDeath: stopped by a signal", () => {
  const sigterm = (overrides: Partial<WorkerStory> = {}) => worker({ exits: [line.sent(7, "SIGTERM", 5)], ...overrides });

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

  it("calls the same SIGTERM after the master's `Handling signal: term` a shutdown", () => {
    const term = line.master("term", 4);
    const verdict = judge(sigterm(), { master: master({ stopping: term }) });
    expect(verdict.cause).toBe("shutdown");
    expect(verdict.summary).toBe("the master was told to stop (master handled SIGTERM)");
    expect(verdict.evidence).toContainEqual({ source: "log", line: term.seq, text: term.raw });
  });

  it("calls a SIGTERM of a worker a SIGHUP reload replaced a reload, and not one it did not replace", () => {
    const hup = line.master("hup", 4);
    const verdict = judge(sigterm(), { master: master({ reloads: [{ event: hup, replaced: new Set([7, 8]) }] }) });
    expect(verdict.cause).toBe("reload");
    expect(verdict.summary).toBe("replaced when the master reloaded (master handled SIGHUP)");
    expect(verdict.evidence).toContainEqual({ source: "log", line: hup.seq, text: hup.raw });

    // A worker the reload booted is not one it replaced.
    expect(judge(sigterm(), { master: master({ reloads: [{ event: hup, replaced: new Set([8]) }] }) }).cause).toBe("unexpected-sigterm");
  });

  it("calls a SIGTERM after `Handling signal: ttou` a scale-down, and claims that line", () => {
    const ttou = line.master("ttou", 4);
    const verdict = judge(sigterm(), { master: master({ scaleDowns: [ttou] }) });
    expect(verdict.cause).toBe("scale-down");
    expect(verdict.summary).toBe("removed when the master scaled down (master handled SIGTTOU)");
    expect(verdict.claims.scaleDown).toBe(ttou);
    expect(verdict.evidence).toContainEqual({ source: "log", line: ttou.seq, text: ttou.raw });
    expect(expectedBanners(sigterm(), verdict.cause, Boolean(verdict.stopSignalled))).toEqual(["interrupt"]);
  });

  it("calls a lone SIGTERM with no master line an unexpected-sigterm", () => {
    const verdict = judge(sigterm(), { stoppedTogether: 1 });
    expect(verdict.cause).toBe("unexpected-sigterm");
    expect(verdict.summary).toBeUndefined();
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^SIGTERM with no master-side reason/) });
  });

  it("calls three workers stopped together with no master line a probable deploy", () => {
    const verdict = judge(sigterm(), { stoppedTogether: 3 });
    expect(verdict.cause).toBe("shutdown");
    expect(verdict.summary).toBe("probable deploy or restart: 3 workers stopped together, no master line in the input");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^probable deploy or restart: 3 workers/) });
  });

  it("reads the stop signal from the worker's INTERRUPT banner when there is no exit signal", () => {
    const interrupt = banner("WORKER INTERRUPT SIGNAL RECEIVED - PID 7", ["Signal: SIGINT (2)"], 5);
    const story = worker({ exits: [line.exiting(7, 5)], banners: [interrupt] });
    const verdict = judge(story);
    expect(verdict.cause).toBe("unexpected-sigterm");
    expect(verdict.evidence.at(-1)!.text).toMatch(/^SIGINT with no master-side reason/);
  });
});

describe("judgeDeath: clean exits", () => {
  const clean = () => worker({ shuttingDown: line.shuttingDown(7, 5), exits: [line.exiting(7, 5)] });

  it("calls a clean exit after `Shutting down` a max-requests recycle when max_requests is set", () => {
    const verdict = judge(clean(), { maxRequests: 1000 });
    expect(verdict.cause).toBe("max-requests");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^max_requests is 1000/) });
  });

  it("calls the same clean exit unknown when max_requests is not set", () => {
    const verdict = judge(clean());
    expect(verdict.cause).toBe("unknown");
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: expect.stringMatching(/^a clean exit after "Shutting down"/) });
  });

  it("keeps a WORKER TIMEOUT a timeout when Worker exiting follows it in the same second (the asgi worker's SIGABRT handler)", () => {
    const timeout = line.timeout(8, 5);
    const story = worker({ pid: 8, timeout, exits: [line.exiting(8, 5), line.exitCode(8, 1, 5)] });
    expect(judge(story).cause).toBe("timeout");
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

  it("takes uvicorn's own `Maximum request limit` line as a max-requests recycle", () => {
    const story = worker({ maxRequests: line.maxRequests(7, 5), exits: [line.exiting(7, 5)] });
    const verdict = judge(story);
    expect(verdict.cause).toBe("max-requests");
    expect(verdict.evidence).toContainEqual({ source: "log", line: story.maxRequests!.seq, text: story.maxRequests!.raw });
  });
});

describe("judgeDeath: no exit line", () => {
  const why = "the master exited with no line about this worker";

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

  it("calls it unknown when the master was not stopping, citing the container's death", () => {
    const died: EventOfKind<"container"> = {
      kind: "container",
      at: t(40),
      container: "app",
      action: "die",
      attributes: { exitCode: "137" },
    };
    const verdict = judge(worker(), { at: t(40), noExitLine: why, container: container({ present: true, died }) });
    expect(verdict.cause).toBe("unknown");
    expect(texts(verdict)).toEqual([
      why,
      "the app container stopped (docker die, exit code 137)",
      "nothing in the input says how this worker ended",
    ]);
  });
});

describe("judgeDeath: crashes", () => {
  it("calls a SIGSEGV a crash", () => {
    const verdict = judge(worker({ exits: [line.terminated(7, "SIGSEGV", 5)] }));
    expect(verdict).toMatchObject({ cause: "crash", summary: "killed by SIGSEGV" });
    expect(verdict.evidence.at(-1)).toEqual({ source: "inference", text: "SIGSEGV with no WORKER TIMEOUT line: not gunicorn's doing" });
  });

  it("calls exit code 1 a crash, quoting what the app said", () => {
    const verdict = judge(worker({ exits: [line.exitCode(7, 1, 5)], appErrors: ["ZeroDivisionError: division by zero"] }));
    expect(verdict).toMatchObject({ cause: "crash", summary: "exited with code 1" });
    expect(verdict.evidence).toContainEqual({ source: "app", text: "ZeroDivisionError: division by zero" });
  });
});

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
    expect(expectedBanners(kill, "sigkill", false)).toEqual(["sigkill"]);
    expect(expectedBanners(kill, "graceful-timeout", true)).toEqual(["interrupt", "sigkill"]);
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
