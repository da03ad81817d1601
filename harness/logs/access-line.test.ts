import { describe, expect, it } from "vitest";
import { EventLog } from "../events/event-log.ts";
import type { LogEvent } from "../events/events.ts";
import { accessLineText, matchAccessLine } from "./access-line.ts";
import { GunicornLogParser } from "./log-parser.ts";
import { requestsPerWorker } from "./requests-per-worker.ts";
import { RunLogs } from "./run-logs.ts";

const ESC = String.fromCharCode(27);

/** Access lines as each server and format prints them, and the request each tells of. */
const TEXT_SHAPES: Array<[string, string, object]> = [
  [
    "gunicorn's default access_log_format",
    '127.0.0.1 - - [07/Dec/2026:15:23:37 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "autocannon/8.0.0"',
    { method: "GET", path: "/healthz", status: 200, client: "127.0.0.1" },
  ],
  [
    "the default with %(p)s after it",
    '10.1.2.3 - alice [07/Dec/2026:15:23:37 +0000] "POST /orders?id=7 HTTP/1.1" 201 57 "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)" <12>',
    { pid: 12, method: "POST", path: "/orders?id=7", status: 201, client: "10.1.2.3" },
  ],
  [
    "a custom format with %(L)s request time and pid=%(p)s written out",
    '127.0.0.1 - - [07/Dec/2026:15:23:37 +0000] "DELETE /items/3 HTTP/1.1" 204 0 "-" "curl/8.5.0" 0.004512 pid=9',
    { pid: 9, method: "DELETE", path: "/items/3", status: 204, client: "127.0.0.1" },
  ],
  ['"%(r)s" %(s)s %(D)s, no client', '"HEAD / HTTP/1.0" 404 1234', { method: "HEAD", path: "/", status: 404 }],
  [
    "%(t)s %(r)s %(s)s, the request line unquoted",
    "[07/Dec/2026:15:23:37 +0000] GET /items HTTP/1.1 200 17",
    { method: "GET", path: "/items", status: 200 },
  ],
  [
    "uvicorn on its own (levelprefix, status phrase)",
    'INFO:     127.0.0.1:53312 - "GET /health HTTP/1.1" 200 OK',
    { method: "GET", path: "/health", status: 200, client: "127.0.0.1:53312" },
  ],
  [
    "uvicorn on a terminal, coloured",
    `${ESC}[32mINFO${ESC}[0m:     127.0.0.1:53312 - "GET /health HTTP/1.1" ${ESC}[32m200 OK${ESC}[0m`,
    { method: "GET", path: "/health", status: 200, client: "127.0.0.1:53312" },
  ],
  [
    "uvicorn under gunicorn (--access-logfile -)",
    '127.0.0.1:41822 - "PUT /items/3 HTTP/1.1" 500',
    { method: "PUT", path: "/items/3", status: 500, client: "127.0.0.1:41822" },
  ],
  [
    "HTTP/2 through a proxy header format",
    '203.0.113.9, 10.0.0.2 [07/Dec/2026:15:23:37 +0000] "GET /a HTTP/2.0" 301 0',
    { method: "GET", path: "/a", status: 301 },
  ],
  [
    "logfmt",
    "method=GET path=/orders/9 status=200 duration_ms=3 client=127.0.0.1 pid=8",
    { pid: 8, method: "GET", path: "/orders/9", status: 200, client: "127.0.0.1" },
  ],
];

/** Lines that mention requests, pids or statuses and are no access lines. */
const NOT_ACCESS = [
  "Booting worker with pid: 7",
  "*** LEDGER WORKER STOPPING pid=7 ***",
  "Invalid HTTP request received.",
  "status: ok",
  'Exception in ASGI application while handling "GET / HTTP/1.1"',
  '  File "/usr/lib/python3/dist-packages/uvicorn/protocols/http/h11_impl.py", line 403, in run_asgi',
  "something the app printed",
];

describe("access lines, as text", () => {
  it.each(TEXT_SHAPES)("%s", (_, line, request) => {
    expect(matchAccessLine(line)).toEqual(request);
  });

  it.each(NOT_ACCESS)("is not fooled by %j", (line) => {
    expect(matchAccessLine(line)).toBeUndefined();
  });

  it("takes the record prefix's pid when the line names none, and the line's own over it", () => {
    expect(matchAccessLine('127.0.0.1:5000 - "GET / HTTP/1.1" 200', 7)).toMatchObject({ pid: 7 });
    expect(matchAccessLine('127.0.0.1 - - [07/Dec/2026:15:23:37 +0000] "GET / HTTP/1.1" 200 2 "-" "-" <12>', 7)).toMatchObject({ pid: 12 });
  });

  it("reads no pid in the request's own query string", () => {
    expect(matchAccessLine('127.0.0.1 - - [07/Dec/2026:15:23:37 +0000] "GET /jobs?pid=5 HTTP/1.1" 200 2')).not.toHaveProperty("pid");
  });

  it("reads back the logfmt line a JSON access record is rebuilt as", () => {
    const request = { pid: 8, method: "GET", path: "/a b?c=1", status: 200, client: "::1" };
    expect(matchAccessLine(accessLineText(request))).toEqual({ ...request, path: "/a%20b?c=1" });
  });
});

/** JSON access records as python-json-logger, gunicorn JSON access formats, ECS and Google Cloud write them. */
const JSON_SHAPES: Array<[string, object, object]> = [
  [
    "uvicorn.access through a logconfig_dict JSON formatter (the ledger's)",
    {
      asctime: "2026-12-07 15:23:37 +0000",
      process: 7,
      levelname: "INFO",
      name: "uvicorn.access",
      message: '127.0.0.1:56590 - "GET /healthz HTTP/1.1" 200',
    },
    { pid: 7, method: "GET", path: "/healthz", status: 200, client: "127.0.0.1:56590" },
  ],
  [
    "gunicorn's default format inside a JSON record",
    {
      asctime: "2026-12-07 15:23:37 +0000",
      process: 9,
      levelname: "INFO",
      name: "gunicorn.access",
      message: '127.0.0.1 - - [07/Dec/2026:15:23:37 +0000] "GET / HTTP/1.1" 200 2 "-" "curl/8.5.0"',
    },
    { pid: 9, method: "GET", path: "/", status: 200, client: "127.0.0.1" },
  ],
  [
    "an access_log_format written as JSON, with %(p)s",
    {
      remote_addr: "127.0.0.1",
      remote_user: "-",
      local_time: "[07/Dec/2026:15:23:37 +0000]",
      request: "GET /x?y=1 HTTP/1.1",
      status: "200",
      bytes_sent: 2,
      user_agent: "curl/8.5.0",
      upstream_request_time: 1234,
      process_id: "<12>",
    },
    { pid: 12, method: "GET", path: "/x?y=1", status: 200, client: "127.0.0.1" },
  ],
  [
    "an access_log_format as JSON with method and path apart, no pid",
    { remote_ip: "10.0.0.5", request_method: "POST", request_path: "/orders", response_code: "201", request_timetaken: "5123" },
    { method: "POST", path: "/orders", status: 201, client: "10.0.0.5" },
  ],
  [
    "python-json-logger with the request in `extra`",
    {
      asctime: "2026-12-07 15:23:37 +0000",
      process: 8,
      levelname: "INFO",
      name: "app.access",
      message: "request finished",
      method: "PATCH",
      path: "/items/3",
      status_code: 200,
      remote_addr: "10.0.0.1",
    },
    { pid: 8, method: "PATCH", path: "/items/3", status: 200, client: "10.0.0.1" },
  ],
  [
    "ECS",
    {
      "@timestamp": "2026-12-07T15:23:37.123Z",
      "log.level": "info",
      message: "handled",
      http: { request: { method: "GET" }, response: { status_code: 503 } },
      url: { path: "/slow" },
      process: { pid: 9 },
    },
    { pid: 9, method: "GET", path: "/slow", status: 503 },
  ],
  [
    "Google Cloud's httpRequest",
    { severity: "INFO", message: "", httpRequest: { requestMethod: "GET", requestUrl: "/x", status: 200, remoteIp: "192.0.2.1" } },
    { method: "GET", path: "/x", status: 200, client: "192.0.2.1" },
  ],
];

function parseAppLines(lines: string[]): { events: LogEvent[]; unparsed: number; logs: RunLogs } {
  const log = new EventLog();
  const logs = new RunLogs(log);
  for (const [i, text] of lines.entries()) logs.add({ at: 1_000 + i, source: "app", stream: "stdout", text });
  return { events: log.all as LogEvent[], unparsed: logs.unparsedCount, logs };
}

describe("access lines in a run's log", () => {
  it.each(JSON_SHAPES)("JSON: %s", (_, record, request) => {
    const { events, unparsed } = parseAppLines([JSON.stringify(record)]);
    expect(unparsed).toBe(0);
    expect(events).toHaveLength(1);
    const { kind, at: _at, source: _s, stream: _st, seq: _q, raw: _r, loggedBy: _l, level: _v, ...facts } = events[0]!;
    expect({ kind, ...facts }).toEqual({ kind: "access", ...request });
  });

  it("a JSON record with a status that is no request stays a record", () => {
    const { events } = parseAppLines([JSON.stringify({ process: 7, levelname: "INFO", message: "job done", status: "done" })]);
    expect(events).toMatchObject([{ kind: "log-record", message: "job done" }]);
  });

  it("inside gunicorn's record prefix, the pid is the prefix's", () => {
    const { events } = parseAppLines(['[2026-12-07 15:23:37 +0000] [7] [INFO] 127.0.0.1:5000 - "GET / HTTP/1.1" 200']);
    expect(events).toMatchObject([{ kind: "access", pid: 7, loggedBy: 7, level: "INFO", method: "GET", path: "/", status: 200 }]);
  });

  it("every shape is an access line, never 'not understood'; an unknown line among them still is; per-worker counts add up", () => {
    const textLines = TEXT_SHAPES.map(([, line]) => line);
    const jsonLines = JSON_SHAPES.map(([, record]) => JSON.stringify(record));
    const prefixed = Array.from(
      { length: 30 },
      (_, i) => `[2026-12-07 15:23:37 +0000] [${7 + (i % 3)}] [INFO] 127.0.0.1:5000 - "GET /r/${i} HTTP/1.1" 200`,
    );
    const unknown = "=> the app printed this, which no rule knows";
    const lines = [...textLines, ...prefixed.slice(0, 15), unknown, ...prefixed.slice(15), ...jsonLines];
    const { events, unparsed } = parseAppLines(lines);
    expect(unparsed).toBe(1);
    expect(events.filter((e) => e.kind === "unparsed").map((e) => e.raw)).toEqual([unknown]);
    const access = events.filter((e) => e.kind === "access");
    expect(access).toHaveLength(lines.length - 1);
    const summary = requestsPerWorker(events)!;
    expect(summary.requests).toBe(lines.length - 1);
    expect(summary.workers.reduce((sum, w) => sum + w.requests, 0) + summary.withoutPid).toBe(summary.requests);
    expect(summary.workers.find((w) => w.pid === 7)?.requests).toBe(10 + 1);
    expect(summary.withoutPid).toBe(access.filter((e) => e.kind === "access" && e.pid === undefined).length);
  });

  it("an access line ends a traceback rather than joining it, and a banner keeps its lines", () => {
    const events: LogEvent[] = [];
    const parser = new GunicornLogParser((e) => events.push(e));
    const lines = [
      "Exception in ASGI application",
      "Traceback (most recent call last):",
      '  File "/app/api.py", line 9, in boom',
      "ValueError: boom",
      '127.0.0.1:5000 - "GET /boom HTTP/1.1" 500',
      "==================== WORKER INTERRUPT SIGNAL RECEIVED - PID 8 ====================",
      'in flight: 127.0.0.1:5000 - "GET /slow HTTP/1.1" 200',
      "==========================================================================================",
    ];
    for (const [i, text] of lines.entries()) parser.push({ seq: i + 1, source: "app", stream: "stderr", text });
    parser.flush();
    expect(events.map((e) => e.kind)).toEqual(["unparsed", "traceback", "access", "banner"]);
    expect(events[1]).toMatchObject({ lines: lines.slice(1, 4) });
    expect(parser.access).toBe(1);
  });
});
