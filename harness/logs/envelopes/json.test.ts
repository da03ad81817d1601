import { describe, expect, it } from "vitest";
import { unwrapLine } from "../line-envelope.ts";
import type { Unwrapped } from "./envelope.ts";
import { DEFAULT_JSON_KEYS, parseJsonKeys } from "./json-keys.ts";
import { AT, DEFAULT_RECORD, fed, goJsonString, parseTexts, pyJsonDumps, RECORD } from "./test-lines.ts";

function eventsOf(u: Unwrapped): Record<string, unknown>[] {
  return parseTexts(fed([u])).events;
}

describe("JSON", () => {
  const pyRecord = (fields: Record<string, string | number>) => pyJsonDumps(fields);

  it("python-json-logger's record becomes gunicorn's logconfig line", () => {
    const line = pyRecord({
      message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      levelname: "ERROR",
      process: 1,
      asctime: "2026-11-25 20:54:06 +0000",
      name: "gunicorn.error",
    });
    const u = unwrapLine(line);
    expect(u).toEqual({ shape: "json", text: RECORD, at: AT, logger: "gunicorn.error" });
    expect(eventsOf(u)).toEqual([
      { kind: "worker-signaled", pid: 7, signal: "SIGKILL", coreDumped: false, oomHint: true, loggedBy: 1, level: "ERROR" },
    ]);
  });

  it("a message that already is a gunicorn line is kept", () => {
    expect(unwrapLine(JSON.stringify({ message: DEFAULT_RECORD, level: "error", time: "2026-11-25T20:54:07Z" })).text).toBe(DEFAULT_RECORD);
  });

  it("levels: upper-case, WARN → WARNING, FATAL → CRITICAL, numeric Python levels; an unknown or missing level is INFO beside a pid, bare without", () => {
    const text = (level: unknown) => unwrapLine(JSON.stringify({ msg: "Shutting down", level, pid: 7 })).text;
    expect(text("warn")).toBe("[7] [WARNING] Shutting down");
    expect(text("Warning")).toBe("[7] [WARNING] Shutting down");
    expect(text("FATAL")).toBe("[7] [CRITICAL] Shutting down");
    expect(text(40)).toBe("[7] [ERROR] Shutting down");
    expect(text("verbose")).toBe("[7] [INFO] Shutting down");
    expect(text(undefined)).toBe("[7] [INFO] Shutting down");
    expect(unwrapLine(JSON.stringify({ msg: "Shutting down", level: "verbose" })).text).toBe("Shutting down");
  });

  it("a traceback in exc_info: the record line first, the traceback as continuation lines", () => {
    const line = pyRecord({
      message: "Exception in ASGI application",
      levelname: "ERROR",
      process: 8,
      asctime: "2026-11-25 20:54:06,412",
      name: "uvicorn.error",
      exc_info:
        'Traceback (most recent call last):\n  File "/srv/app/app/main.py", line 46, in block\n    raise ValueError("boom")\nValueError: boom',
    });
    const u = unwrapLine(line);
    expect(u.text).toBe("2026-11-25 20:54:06 +0000 [8] [ERROR] Exception in ASGI application");
    expect(u.continuation).toEqual([
      "Traceback (most recent call last):",
      '  File "/srv/app/app/main.py", line 46, in block',
      '    raise ValueError("boom")',
      "ValueError: boom",
    ]);
    expect(u.at).toBe(AT + 412);
    expect(eventsOf(u).map((e) => [e.kind, e.loggedBy, e.level])).toEqual([
      ["log-record", 8, "ERROR"],
      ["traceback", 8, undefined],
    ]);
  });

  it("uvicorn's failed startup: one record whose message is the traceback", () => {
    const u = unwrapLine(
      JSON.stringify({
        message: 'Traceback (most recent call last):\r\n  File "/srv/app/app/db.py", line 75\r\nRuntimeError: Startup failed\n',
        levelname: "ERROR",
        process: 7,
      }),
    );
    expect(u.text).toBe("[7] [ERROR] Traceback (most recent call last):");
    expect(u.continuation).toEqual(['  File "/srv/app/app/db.py", line 75', "RuntimeError: Startup failed"]);
    expect(eventsOf(u)).toMatchObject([{ kind: "traceback", loggedBy: 7, level: "ERROR" }]);
  });

  it("Docker's json-file driver: the line, its stream and the daemon's time", () => {
    const line = `{"log":${goJsonString(`${DEFAULT_RECORD}\n`)},"stream":"stderr","time":"2026-11-25T20:54:06.123456789Z"}`;
    expect(unwrapLine(line)).toEqual({ shape: "json", text: DEFAULT_RECORD, stream: "stderr", at: AT + 123.456 });
  });

  it("json-file around python-json-logger: the inner record, the envelope's time", () => {
    const inner = pyRecord({
      message: "Booting worker with pid: 9",
      levelname: "INFO",
      process: 9,
      asctime: "2026-11-25 20:54:05 +0000",
      hostname: "web-a",
    });
    const u = unwrapLine(`{"log":${goJsonString(`${inner}\n`)},"stream":"stdout","time":"2026-11-25T20:54:06Z"}`);
    expect(u).toEqual({
      shape: "json",
      text: "2026-11-25 20:54:05 +0000 [9] [INFO] Booting worker with pid: 9",
      instance: "web-a",
      at: AT,
      stream: "stdout",
    });
  });

  it("Fluent Bit with the record parsed into a nested `log` object", () => {
    const line = JSON.stringify({
      date: AT / 1000,
      log: {
        message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
        levelname: "ERROR",
        process: 1,
        asctime: "2026-11-25 20:54:06 +0000",
      },
      kubernetes: { pod_name: "web-7d9f8c6b5-x2k4q", container_name: "app" },
    });
    expect(unwrapLine(line)).toEqual({ shape: "json", text: RECORD, instance: "web-7d9f8c6b5-x2k4q", at: AT });
  });

  it("ECS (ecs-logging-python): dotted and nested keys", () => {
    const line = JSON.stringify({
      "@timestamp": "2026-11-25T20:54:06.000Z",
      "log.level": "error",
      message: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      process: { pid: 1, name: "MainProcess" },
      host: { hostname: "web-a" },
      log: { logger: "gunicorn.error" },
    });
    expect(unwrapLine(line)).toEqual({ shape: "json", text: RECORD, instance: "web-a", at: AT, logger: "gunicorn.error" });
  });

  it("custom keys through parseJsonKeys", () => {
    const keys = { ...DEFAULT_JSON_KEYS, ...parseJsonKeys("message=text, level=lvl,pid=proc,instance=dyno,time=t,logger=src") };
    const line = JSON.stringify({
      text: "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
      lvl: "err",
      proc: "1",
      dyno: "web.2",
      t: AT / 1000,
      src: "gunicorn.error",
    });
    expect(unwrapLine(line, keys)).toEqual({ shape: "json", text: RECORD, instance: "web.2", at: AT, logger: "gunicorn.error" });
    // the defaults no longer apply to the fields given
    expect(unwrapLine(JSON.stringify({ message: "x", level: "info" }), keys)).toEqual({
      shape: "json",
      text: '{"message":"x","level":"info"}',
    });
  });

  it("invalid JSON, or JSON that is not an object, is plain; an object without a message stays whole", () => {
    for (const line of ['{"message": "x"', '{"message": "x",}', '{"a": 1} trailing', "[1, 2]", '"text"', "{}{}"]) {
      expect(unwrapLine(line), line).toEqual({ shape: "plain", text: line });
    }
    expect(unwrapLine('{"status": 200, "path": "/health"}')).toEqual({ shape: "json", text: '{"status": 200, "path": "/health"}' });
  });
});
