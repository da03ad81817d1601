import type { FromLog, LogEvent, LogLevel } from "../events/events.ts";
import { normalizeSignal, signalName } from "../events/signal-names.ts";

/** The structured part of a gunicorn/uvicorn log record, whatever the format around it. */
export interface RecordPrefix {
  /** The timestamp text as printed (`2026-11-25 20:54:06 +0000`), if any. */
  loggedAt?: string;
  loggedBy?: number;
  level: LogLevel;
  message: string;
}

const LEVEL = /(?:^|[\s\]])\[(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\] ?/;
const PID_AT_END = /\[(\d+)\]\s*$/;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?(?:[+-]\d{2}:?\d{2}|Z|UTC))?/;

/**
 * Finds `[LEVEL]` and reads what precedes it: gunicorn's default `[date] [pid] [LEVEL] msg`, the
 * logconfig_dict format `date [pid] [LEVEL] msg`, a platform's own prefix before either, or a bare
 * `[ERROR] msg` as people paste it.
 */
export function parseRecordPrefix(text: string): RecordPrefix | undefined {
  const level = LEVEL.exec(text);
  if (!level) return undefined;
  const before = text.slice(0, level.index + (level[0].startsWith("[") ? 0 : 1));
  const pid = PID_AT_END.exec(before);
  const loggedAt = TIMESTAMP.exec(before)?.[0];
  return {
    loggedAt,
    loggedBy: pid ? Number(pid[1]) : undefined,
    level: level[1] === "WARN" ? "WARNING" : (level[1] as LogLevel),
    message: text.slice(level.index + level[0].length),
  };
}

/** The event-specific part of a log event; the parser adds where it came from. */
export type MessageFacts = DistributiveOmit<LogEvent, keyof FromLog>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Rule = [RegExp, (m: RegExpExecArray, loggedBy: number | undefined) => MessageFacts];

/**
 * Every gunicorn (20.1 … 26) and uvicorn (0.17 … 0.53) line the harness understands, and those of gunicorn's own
 * asgi worker (24+). Order matters.
 */
const RULES: Rule[] = [
  [/^Starting gunicorn (\S+)/, (m) => ({ kind: "master-start", version: m[1]! })],
  [
    /^Listening at: (\S+)(?: \((\d+)\))?/,
    (m) => ({ kind: "master-listening", address: m[1]!, masterPid: m[2] ? Number(m[2]) : undefined }),
  ],
  [/^Using worker: (\S+)/, (m) => ({ kind: "worker-class", workerClass: m[1]! })],
  [/^Handling signal: (\w+)/, (m) => ({ kind: "master-signal", signal: normalizeSignal(m[1]!) })],
  [/^Hang up: /, () => ({ kind: "master-reload" })],
  [/^Shutting down: /, () => ({ kind: "master-shutdown" })],
  [/^Reason: (.+)/, (m) => ({ kind: "master-halt-reason", reason: m[1]!.trim() })],
  [/^Booting worker with pid: (\d+)/, (m) => ({ kind: "worker-boot", pid: Number(m[1]) })],
  [/^Application startup complete\./, (_, by) => ({ kind: "worker-ready", pid: by })],
  // gunicorn's asgi worker: its server listens once the app's lifespan startup is complete
  [/^ASGI server listening on /, (_, by) => ({ kind: "worker-ready", pid: by })],
  [/^Worker shutting down\.\.\./, (_, by) => ({ kind: "worker-shutting-down", pid: by })],
  [/^Waiting for \d+ connections to finish/, (_, by) => ({ kind: "worker-draining", pid: by })],
  [/^Forcing close of \d+ connections/, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "forced-close" })],
  [/^Started server process \[\d+\]/, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "server-started" })],
  [/^Waiting for application startup\./, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "startup-waiting" })],
  [/^Waiting for application shutdown\./, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "shutdown-waiting" })],
  [/^Application shutdown complete\./, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "shutdown-complete" })],
  [/^Error while closing socket/, (_, by) => ({ kind: "worker-lifecycle", pid: by, step: "socket-close-error" })],
  [/^Application startup failed\./, (_, by) => ({ kind: "worker-startup-failed", pid: by })],
  [/^Shutting down\s*$/, (_, by) => ({ kind: "worker-shutting-down", pid: by })],
  [/^Waiting for connections to close\./, (_, by) => ({ kind: "worker-draining", pid: by })],
  [/^Finished server process \[(\d+)\]/, (m) => ({ kind: "worker-finished", pid: Number(m[1]) })],
  [/^Worker exiting \(pid: ?(\d+)\)/, (m) => ({ kind: "worker-exiting", pid: Number(m[1]) })],
  [/^Maximum request limit of (\d+) exceeded/, (m, by) => ({ kind: "worker-max-requests", pid: by, limit: Number(m[1]) })],
  [/^Autorestarting worker after current request/, (_, by) => ({ kind: "worker-max-requests", pid: by })],
  [/^WORKER TIMEOUT \(pid: ?(\d+)\)/, (m) => ({ kind: "worker-timeout", pid: Number(m[1]) })],
  [
    // gunicorn 21+: "Worker (pid:N) was sent SIGKILL! Perhaps out of memory?"; "was sent code 134!" when a core was dumped
    /^Worker \(pid: ?(\d+)\) was sent (?:(SIG\w+)|code (\d+))!( Perhaps out of memory\?)?/,
    (m) => {
      const status = m[3] ? Number(m[3]) : undefined;
      return {
        kind: "worker-signaled",
        pid: Number(m[1]),
        signal: m[2] ?? signalName(status! & 0x7f),
        coreDumped: status !== undefined && (status & 0x80) !== 0,
        oomHint: Boolean(m[4]),
      };
    },
  ],
  [
    // gunicorn 20.1: "Worker with pid N was terminated due to signal 9"
    /^Worker with pid (\d+) was terminated due to signal (\d+)/,
    (m) => ({ kind: "worker-signaled", pid: Number(m[1]), signal: signalName(Number(m[2])), coreDumped: false, oomHint: false }),
  ],
  [/^Worker \(pid: ?(\d+)\) exited with code (\d+)/, (m) => ({ kind: "worker-exit-code", pid: Number(m[1]), code: Number(m[2]) })],
];

/**
 * The literal text each rule's message starts with, as regular-expression source (`Worker \\(pid:`): a
 * line that holds none of them matches no rule, so `classify` can pass over it unread. Derived from the
 * rules, so that a rule added here is never filtered out before it is tried.
 */
export const RULE_WORDS: readonly string[] = RULES.map(([pattern]) => literalStart(pattern));

function literalStart(pattern: RegExp): string {
  const atoms = pattern.source.replace(/^\^/, "").match(/\\.|[^\\]/g) ?? [];
  const literal: string[] = [];
  for (const atom of atoms) {
    if (atom.length === 2 && /\\[dDsSwWbB]/.test(atom)) break;
    if (atom.length === 1 && "()[]{}.*+?|^$".includes(atom)) {
      if ("*+?{".includes(atom)) literal.pop(); // the atom before a quantifier may be absent
      break;
    }
    literal.push(atom);
  }
  return literal.join("");
}

/** Recognises one log message; `loggedBy` fills in the pid of worker-side lines that do not print it. */
export function matchMessage(message: string, loggedBy?: number): MessageFacts | undefined {
  for (const [pattern, build] of RULES) {
    const match = pattern.exec(message);
    if (match) return build(match, loggedBy);
  }
  return undefined;
}

/** Lines as people paste them may lack the `[LEVEL]` prefix; the worker-death lines are still recognised. */
export function matchBareLine(text: string): MessageFacts | undefined {
  const start = text.search(/Worker \(pid:|Worker with pid |WORKER TIMEOUT|Booting worker with pid/);
  return start < 0 ? undefined : matchMessage(text.slice(start));
}
