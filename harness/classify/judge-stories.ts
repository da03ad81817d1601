import { expect } from "vitest";
import type { EventOfKind, FaultEvent, FromLog, LogEvent } from "../events/events.ts";
import { type BannerSighting, recognizeBanner } from "./banners.ts";
import type { ContainerEvidence, Evidence, MasterStory, WorkerStory } from "./death.ts";
import { judgeDeath, type Verdict } from "./death-rules.ts";

// Test helpers for the rules' tests (causes/*.test.ts, death-rules.test.ts): log events shaped as the parser emits them,
// with gunicorn's real wording, and stories with defaults.

const T0 = Date.parse("2026-11-25T10:00:00Z");
/** Epoch ms `s` seconds after T0. */
export const t = (s: number) => T0 + s * 1000;
let nextSeq = 1;

type Kind = LogEvent["kind"];
type Facts<K extends Kind> = Omit<EventOfKind<K>, keyof FromLog | "kind">;

/** A log event at `s` seconds, its raw line in gunicorn's format: `[2026-11-25 10:00:05 +0000] [1] [ERROR] …`. */
export function logged<K extends Kind>(kind: K, facts: Facts<K>, s: number, by: number, level: string, message: string): EventOfKind<K> {
  const stamp = new Date(t(s))
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " +0000");
  const raw = `[${stamp}] [${by}] [${level}] ${message}`;
  return { kind, at: t(s), source: "app", stream: "stderr", seq: nextSeq++, raw, loggedBy: by, ...facts } as EventOfKind<K>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9, SIGTERM: 15 };

export const line = {
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
export function banner(title: string, lines: string[], s: number): BannerSighting {
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

export function workerFault(pid: number, signal: string, s: number): FaultEvent {
  return { kind: "fault", at: t(s), action: "signal-worker", target: "worker", pid, signal, detail: signal };
}

export function worker(overrides: Partial<WorkerStory> = {}): WorkerStory {
  return { pid: 7, generation: 0, ready: true, exits: [], appErrors: [], banners: [], faults: [], ...overrides };
}

export function master(overrides: Partial<MasterStory> = {}): MasterStory {
  return { generation: 0, reloads: [], scaleDowns: [], lastAt: 0, ...overrides };
}

/** No container evidence at all: what a log file brings. */
export function container(overrides: Partial<ContainerEvidence> = {}): ContainerEvidence {
  return { present: false, oomEvents: [], cgroupLastAt: 0, oomKillsAttributed: 0, ...overrides };
}

export interface JudgeOptions {
  at?: number;
  noExitLine?: string;
  master?: MasterStory;
  container?: ContainerEvidence;
  stoppedTogether?: number;
  maxRequests?: number;
}

/** Judges `story` at its exit line's time (or `at`), checking on the way that the evidence is well formed. */
export function judge(story: WorkerStory, options: JudgeOptions = {}): Verdict {
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

export const texts = (verdict: Verdict) => verdict.evidence.map((e) => e.text);

/** A worker SIGKILLed at `s` seconds. */
export const killed = (s = 20) => worker({ exits: [line.sent(7, "SIGKILL", s)] });

/** A worker stopped by SIGTERM at 5 s. */
export const sigterm = (overrides: Partial<WorkerStory> = {}) => worker({ exits: [line.sent(7, "SIGTERM", 5)], ...overrides });

/** A clean exit after "Shutting down", at 5 s. */
export const clean = () => worker({ shuttingDown: line.shuttingDown(7, 5), exits: [line.exiting(7, 5)] });
