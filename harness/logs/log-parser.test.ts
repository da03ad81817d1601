import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LogEvent } from "../events/events.ts";
import { splitDockerTimestamp } from "./container-logs.ts";
import { GunicornLogParser, parseLoggedAt } from "./log-parser.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const ROUTINE = new Set(["log-record", "worker-lifecycle"]);

function parse(lines: string[], stream: "stdout" | "stderr" = "stderr"): { events: LogEvent[]; unparsed: number } {
  const events: LogEvent[] = [];
  const parser = new GunicornLogParser((e) => events.push(e));
  for (const [i, text] of lines.entries()) parser.push({ seq: i + 1, source: "app", stream, text });
  parser.flush();
  return { events, unparsed: parser.unparsed };
}

/** The event-specific fields only, as the truth files write them. */
function facts(event: LogEvent): Record<string, unknown> {
  const { at, source, stream, seq, raw, loggedBy, level, ...rest } = event;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

describe("recorded logs of real runs, against their truth", () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".log"))
    .map((f) => f.slice(0, -4));

  it("has fixtures from both stacks", () => {
    expect(names.some((n) => n.endsWith("-trixie"))).toBe(true);
    expect(names.some((n) => n.endsWith("-bookworm"))).toBe(true);
  });

  for (const name of names) {
    it(name, () => {
      const truth = JSON.parse(readFileSync(new URL(`${name}.truth.json`, FIXTURES), "utf8")) as { events: object[]; unparsed: number };
      const events: LogEvent[] = [];
      const parser = new GunicornLogParser((e) => events.push(e));
      const lines = readFileSync(new URL(`${name}.log`, FIXTURES), "utf8")
        .split("\n")
        .filter(Boolean);
      lines.forEach((line, i) => {
        const [at, text] = splitDockerTimestamp(line);
        parser.push({ seq: i + 1, at, source: "app", stream: "stderr", text });
      });
      parser.flush();
      expect(events.filter((e) => !ROUTINE.has(e.kind)).map(facts)).toEqual(truth.events);
      expect(parser.unparsed).toBe(truth.unparsed);
      expect(events).toHaveLength(lines.length);
    });
  }
});

describe("seed-style and pasted lines", () => {
  it("reads the bare production line `[ERROR] Worker (pid:59) was sent SIGTERM!`", () => {
    const { events } = parse(["[ERROR] Worker (pid:59) was sent SIGTERM!"]);
    expect(events).toMatchObject([
      { kind: "worker-signaled", pid: 59, signal: "SIGTERM", oomHint: false, level: "ERROR", loggedBy: undefined },
    ]);
  });

  it("reads gunicorn's default format `[date] [pid] [LEVEL]` and its SIGKILL hint", () => {
    const { events } = parse(["[2026-11-25 20:54:21 +0000] [1] [ERROR] Worker (pid:6) was sent SIGKILL! Perhaps out of memory?"]);
    expect(events[0]).toMatchObject({ kind: "worker-signaled", pid: 6, signal: "SIGKILL", oomHint: true, loggedBy: 1, level: "ERROR" });
    expect(events[0]!.at).toBe(Date.parse("2026-11-25T20:54:21Z"));
  });

  it("reads a line behind a hosting platform's own prefix", () => {
    const { events } = parse(["Nov 25 08:12:01 web-1 app[web]: [2026-11-25 08:12:01 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:59)"]);
    expect(events[0]).toMatchObject({ kind: "worker-timeout", pid: 59, loggedBy: 1, level: "CRITICAL" });
  });

  it("reads a death line with no level at all", () => {
    const { events, unparsed } = parse(["Worker (pid:59) was sent SIGTERM!"]);
    expect(events[0]).toMatchObject({ kind: "worker-signaled", pid: 59, signal: "SIGTERM" });
    expect(unparsed).toBe(0);
  });

  it("decodes `was sent code 134!` (SIGABRT with a core dump) and gunicorn 20.1's signal numbers", () => {
    const { events } = parse([
      "[2026-11-25 20:54:12 +0000] [1] [ERROR] Worker (pid:8) was sent code 134!",
      "[2026-11-25 20:54:12 +0000] [1] [WARNING] Worker with pid 7 was terminated due to signal 6",
      "[2026-11-25 20:54:12 +0000] [1] [INFO] Worker (pid:9) was sent SIGTERM!",
    ]);
    expect(events.map(facts)).toEqual([
      { kind: "worker-signaled", pid: 8, signal: "SIGABRT", coreDumped: true, oomHint: false },
      { kind: "worker-signaled", pid: 7, signal: "SIGABRT", coreDumped: false, oomHint: false },
      { kind: "worker-signaled", pid: 9, signal: "SIGTERM", coreDumped: false, oomHint: false },
    ]);
  });

  it("reads exit codes, boot failures and the master's halt reason", () => {
    const { events } = parse([
      "2026-11-25 20:54:12 +0000 [8] [INFO] Application startup failed. Exiting.",
      "2026-11-25 20:54:12 +0000 [1] [ERROR] Worker (pid:8) exited with code 3",
      "2026-11-25 20:54:12 +0000 [1] [ERROR] Shutting down: Master",
      "2026-11-25 20:54:12 +0000 [1] [ERROR] Reason: Worker failed to boot.",
    ]);
    expect(events.map(facts)).toEqual([
      { kind: "worker-startup-failed", pid: 8 },
      { kind: "worker-exit-code", pid: 8, code: 3 },
      { kind: "master-shutdown" },
      { kind: "master-halt-reason", reason: "Worker failed to boot." },
    ]);
  });

  it("reads gunicorn 26's lines: the SIGTERM line at INFO, and its asgi worker's readiness and shutdown", () => {
    const { events, unparsed } = parse([
      "2026-11-26 11:35:55 +0000 [1] [INFO] Control socket listening at /root/.gunicorn/gunicorn.ctl",
      "2026-11-26 11:35:56 +0000 [7] [INFO] ASGI server listening on http://127.0.0.1:33115",
      "2026-11-26 11:37:54 +0000 [1] [INFO] Worker (pid:8) was sent SIGTERM!",
      "2026-11-26 11:37:54 +0000 [7] [INFO] Worker shutting down...",
      "2026-11-26 11:37:54 +0000 [7] [INFO] Waiting for 2 connections to finish...",
      "2026-11-26 11:37:56 +0000 [7] [WARNING] Forcing close of 2 connections",
      "2026-11-26 11:37:56 +0000 [7] [INFO] Worker exiting (pid: 7)",
    ]);
    expect(unparsed).toBe(0);
    expect(events.map(facts)).toEqual([
      { kind: "log-record", message: "Control socket listening at /root/.gunicorn/gunicorn.ctl" },
      { kind: "worker-ready", pid: 7 },
      { kind: "worker-signaled", pid: 8, signal: "SIGTERM", coreDumped: false, oomHint: false },
      { kind: "worker-shutting-down", pid: 7 },
      { kind: "worker-draining", pid: 7 },
      { kind: "worker-lifecycle", pid: 7, step: "forced-close" },
      { kind: "worker-exiting", pid: 7 },
    ]);
    expect(events[2]).toMatchObject({ level: "INFO" });
  });

  it("keeps a line it does not understand, and counts it", () => {
    const { events, unparsed } = parse(["something the app printed"]);
    expect(events).toMatchObject([{ kind: "unparsed", raw: "something the app printed" }]);
    expect(unparsed).toBe(1);
  });
});

describe("multi-line blocks", () => {
  it("keeps a banner whole, even with another process's log record in the middle", () => {
    const { events } = parse([
      "==================== WORKER INTERRUPT SIGNAL RECEIVED - PID 8 ====================",
      "Signal: SIGTERM",
      "2026-11-25 20:54:00 +0000 [1] [ERROR] Worker (pid:7) was sent SIGTERM!",
      "Normal during deploys.",
      "================================================================================",
    ]);
    expect(events.map((e) => e.kind)).toEqual(["worker-signaled", "banner"]);
    expect(events[1]).toMatchObject({
      kind: "banner",
      title: "WORKER INTERRUPT SIGNAL RECEIVED - PID 8",
      lines: [expect.stringMatching(/^=+ WORKER/), "Signal: SIGTERM", "Normal during deploys.", expect.stringMatching(/^=+$/)],
    });
  });

  it("takes a banner's title from the line after a bare rule", () => {
    const { events } = parse(["=".repeat(60), "CRITICAL: WORKER ABORTED - PID 12", "Timeout: 5 s", "=".repeat(60)]);
    expect(events).toMatchObject([{ kind: "banner", title: "CRITICAL: WORKER ABORTED - PID 12" }]);
  });

  it("keeps a chained traceback whole and attributes it to the process that logged before it", () => {
    const { events } = parse([
      "2026-11-25 20:54:12 +0000 [8] [ERROR] Exception in ASGI application",
      "Traceback (most recent call last):",
      '  File "/srv/app/app/db.py", line 12, in ping',
      "    await conn.execute(text('SELECT 1'))",
      "OSError: connection refused",
      "",
      "During handling of the above exception, another exception occurred:",
      "",
      "Traceback (most recent call last):",
      '  File "/srv/app/app/main.py", line 3, in startup',
      "RuntimeError: Startup failed: database unreachable",
      "2026-11-25 20:54:12 +0000 [8] [ERROR] Application startup failed. Exiting.",
    ]);
    expect(events.map((e) => e.kind)).toEqual(["log-record", "traceback", "worker-startup-failed"]);
    expect(events[1]).toMatchObject({ kind: "traceback", flavour: "exception", loggedBy: 8 });
    expect((events[1] as { lines: string[] }).lines).toHaveLength(10);
  });

  it("keeps an exception message that goes on after the traceback (a driver's SQL lines), up to what gunicorn prints", () => {
    const { events, unparsed } = parse([
      "2026-11-26 03:19:19 +0000 [8] [ERROR] Exception in ASGI application",
      "Traceback (most recent call last):",
      '  File "/usr/lib/python3/dist-packages/sqlalchemy/dialects/postgresql/asyncpg.py", line 792, in _handle_exception',
      "    raise translated_error from error",
      "sqlalchemy.exc.DBAPIError: (sqlalchemy.dialects.postgresql.asyncpg.Error) <class 'asyncpg.exceptions.ConnectionDoesNotExistError'>: connection was closed in the middle of operation",
      "[SQL: SELECT pg_sleep($1), (SELECT count(*) FROM app_items)]",
      "[parameters: (0.02,)]",
      "(Background on this error at: https://sqlalche.me/e/20/dbapi)",
      "[ERROR] Worker (pid:8) was sent SIGKILL! Perhaps out of memory?",
      "2026-11-26 03:19:20 +0000 [8] [INFO] still serving",
    ]);
    expect(unparsed).toBe(0);
    expect(events.map((e) => e.kind)).toEqual(["log-record", "traceback", "worker-signaled", "log-record"]);
    expect((events[1] as { lines: string[] }).lines.at(-1)).toBe("(Background on this error at: https://sqlalche.me/e/20/dbapi)");
  });

  it("keeps a chained exception whole when its cause was printed with no traceback of its own", () => {
    const { events, unparsed } = parse([
      "2026-11-26 03:41:27 +0000 [8] [ERROR] Exception in ASGI application",
      "ConnectionResetError: [Errno 104] Connection reset by peer",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "Traceback (most recent call last):",
      '  File "/usr/lib/python3/dist-packages/sqlalchemy/dialects/postgresql/asyncpg.py", line 545, in _prepare_and_execute',
      "sqlalchemy.exc.DBAPIError: (sqlalchemy.dialects.postgresql.asyncpg.Error) connection was closed in the middle of operation",
      "2026-11-26 03:41:27 +0000 [8] [WARNING] db-unavailable on /db",
    ]);
    expect(unparsed).toBe(0);
    expect(events.map((e) => e.kind)).toEqual(["log-record", "traceback", "log-record"]);
    expect(events[1]).toMatchObject({ loggedBy: 8 });
    expect((events[1] as { lines: string[] }).lines).toHaveLength(7);
  });

  it("keeps a traceback whole when its first line is a log record (uvicorn's failed startup)", () => {
    const { events, unparsed } = parse([
      "2026-11-25 21:30:15 +0000 [8] [ERROR] Traceback (most recent call last):",
      '  File "/srv/app/app/db.py", line 75, in wait_for_database',
      "    raise RuntimeError(",
      "RuntimeError: Startup failed: database unreachable at postgresql://app@127.0.0.1:36205/postgres",
      "",
      "2026-11-25 21:30:15 +0000 [8] [ERROR] Application startup failed. Exiting.",
    ]);
    expect(unparsed).toBe(0);
    expect(events.map((e) => e.kind)).toEqual(["traceback", "worker-startup-failed"]);
    expect(events[0]).toMatchObject({
      loggedBy: 8,
      level: "ERROR",
      lines: expect.arrayContaining([expect.stringMatching(/^RuntimeError: Startup failed/)]),
    });
    expect((events[0] as { lines: string[] }).lines).toHaveLength(4);
  });

  it("keeps a faulthandler dump whole until the stream moves on", () => {
    const { events } = parse([
      "Fatal Python error: Aborted",
      "",
      "Current thread 0x00007f3b2c5a8740 (most recent call first):",
      '  File "/srv/app/app/main.py", line 47 in block_event_loop',
      '  File "/srv/app/app/main.py", line 53 in block',
      "",
      "Extension modules: uvloop.loop, psycopg2._psycopg (total: 2)",
      "2026-11-25 20:54:12 +0000 [1] [ERROR] Worker (pid:8) was sent SIGABRT!",
    ]);
    expect(events.map((e) => e.kind)).toEqual(["traceback", "worker-signaled"]);
    expect(events[0]).toMatchObject({
      flavour: "faulthandler",
      lines: expect.arrayContaining(['  File "/srv/app/app/main.py", line 47 in block_event_loop']),
    });
  });

  it("does not merge blocks of stdout and stderr", () => {
    const events: LogEvent[] = [];
    const parser = new GunicornLogParser((e) => events.push(e));
    parser.push({ seq: 1, source: "app", stream: "stdout", text: "=".repeat(40) });
    parser.push({ seq: 2, source: "app", stream: "stderr", text: "stray stderr line" });
    parser.push({ seq: 3, source: "app", stream: "stdout", text: "BANNER TITLE" });
    parser.push({ seq: 4, source: "app", stream: "stdout", text: "=".repeat(40) });
    parser.flush();
    expect(events.map((e) => e.kind)).toEqual(["unparsed", "banner"]);
  });
});

describe("parseLoggedAt", () => {
  it.each([
    ["2026-11-25 20:54:06 +0000", "2026-11-25T20:54:06Z"],
    ["2026-11-25 21:54:06 +0100", "2026-11-25T20:54:06Z"],
    ["2026-11-25T20:54:06.250Z", "2026-11-25T20:54:06.250Z"],
    ["2026-11-25 20:54:06,250", "2026-11-25T20:54:06.250Z"],
  ])("%s", (text, iso) => expect(parseLoggedAt(text)).toBe(Date.parse(iso)));

  it("is undefined for nonsense", () => expect(parseLoggedAt("yesterday")).toBeUndefined());
});
