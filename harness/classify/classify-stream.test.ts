import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { matchMessage, RULE_WORDS } from "../logs/parse-line.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import { classifyLogStream, neededWords, type StreamVerdict } from "./classify-stream.ts";
import { asJsonLoggerRecord, corpusNames, readCorpusCase, recordOf } from "./corpus/corpus-format.ts";

const names = corpusNames();
const corpus = readCorpusCase;

const iso = (at: number) => new Date(Math.floor(at)).toISOString();
const syslogTime = (at: number) => {
  const d = new Date(at);
  return `${d.toLocaleString("en-US", { month: "short", timeZone: "UTC" })} ${String(d.getUTCDate()).padStart(2, " ")} ${d.toISOString().slice(11, 19)}`;
};

/** Each corpus line as each pipeline delivers it: the app's text inside the envelope, the instance in it. */
const FORMATS: Record<string, (line: { at: number; text: string }, instance: string) => string> = {
  plain: ({ text }) => text,
  crlf: ({ text }) => `${text}\r`,
  compose: ({ text }, instance) => `${instance}  | ${text}`,
  "kubectl --prefix --timestamps": ({ at, text }, instance) => `[pod/${instance}/app] ${iso(at)} ${text}`,
  journald: ({ at, text }, instance) => `${syslogTime(at)} ${instance} gunicorn[812]: ${text}`,
  "syslog RFC 5424": ({ at, text }, instance) => `<134>1 ${iso(at)} ${instance} gunicorn 812 - - ${text}`,
  "render stream": ({ at, text }, instance) => `${iso(at)} srv-d2f8c9a1${instance.replace(/\W/g, "")}-7f9c4 ${text}`,
  "heroku stream": ({ at, text }, instance) => `${iso(at).replace("Z", "+00:00")} app[${instance}]: ${text}`,
  /** python-json-logger for gunicorn's records; what the app prints itself (banners, tracebacks) stays raw. */
  "json lines": ({ text }, instance) => asJsonLoggerRecord(text, { hostname: instance }),
  /** A shipper's minimal record: time, pid and message, no level. */
  "json lines without a level": ({ at, text }, instance) => {
    const record = recordOf(text);
    return record ? JSON.stringify({ time: iso(at), pid: record.pid, msg: record.message, host: instance }) : text;
  },
};

async function classify(text: string | Buffer): Promise<StreamVerdict> {
  return classifyLogStream(Readable.from([typeof text === "string" ? Buffer.from(text) : text]));
}

const causesOf = (verdict: StreamVerdict, instance?: string) =>
  Object.fromEntries(verdict.deaths.filter((d) => instance === undefined || d.instance === instance).map((d) => [String(d.pid), d.cause]));

describe("the recorded corpus, as production pipelines deliver it", () => {
  describe.each(Object.keys(FORMATS))("%s", (format) => {
    it.each(names)("%s classifies exactly as the plain log does", async (name) => {
      const { record, lines } = corpus(name);
      const verdict = await classify(`${lines.map((l) => FORMATS[format]!(l, "web-1")).join("\n")}\n`);
      expect(causesOf(verdict)).toEqual(record.truthLogOnly);
      expect(verdict.unparsed).toBe(0);
      // One instance throughout is a single-instance log: no death names it, the verdict lists it.
      expect(verdict.deaths.every((d) => d.instance === null)).toBe(true);
      if (["plain", "crlf"].includes(format)) expect(verdict.instances).toEqual([]);
    });
  });

  it("reads gzip, whatever the file is called", async () => {
    const { record, lines } = corpus("timeout.trixie.default");
    const verdict = await classify(gzipSync(`${lines.map((l) => l.text).join("\n")}\n`));
    expect(verdict.gzip).toBe(true);
    expect(causesOf(verdict)).toEqual(record.truthLogOnly);
  });

  it("says which envelopes it read, and how many lines it passed over as routine", async () => {
    const { lines } = corpus("deploy.trixie.default");
    const routine = Array.from(
      { length: 500 },
      (_, i) => `2026-11-25 21:31:12 +0000 [7] [INFO] 127.0.0.1:5000 - "GET /orders/${i} HTTP/1.1" 200`,
    );
    const verdict = await classify(`${[...routine, ...lines.map((l) => FORMATS.compose!(l, "web-1"))].join("\n")}\n`);
    expect(verdict.lines).toBe(500 + lines.length);
    expect(verdict.inspected).toBeLessThan(lines.length + 10);
    expect(verdict.shapes.compose).toBeGreaterThan(0);
    expect(verdict.shapes.plain ?? 0).toBe(0);
  });
});

describe("access lines", () => {
  it("counts the access lines it reads closely apart: never 'not understood', no part of any death", async () => {
    const { record, lines } = corpus("deploy.trixie.default");
    const routine = Array.from({ length: 200 }, (_, i) => `127.0.0.1:5000 - "GET /orders/${i} HTTP/1.1" 200`);
    const read = [
      "[2026-11-25 21:31:12 +0000] [7] [ERROR] Exception in ASGI application",
      "Traceback (most recent call last):",
      '  File "/app/api.py", line 9, in boom',
      "ValueError: boom",
      // read closely: the traceback is open; it ends it
      '127.0.0.1:5000 - "GET /boom HTTP/1.1" 500',
      // read closely for its level, and for the word in its path
      JSON.stringify({ levelname: "ERROR", process: 7, name: "uvicorn.access", message: '127.0.0.1:5000 - "GET /orders HTTP/1.1" 500' }),
      '127.0.0.1 - - [25/Nov/2026:21:31:12 +0000] "GET /Errors HTTP/1.1" 404 0 "-" "curl/8.5.0" <8>',
    ];
    const unknown = "ERROR: the app printed this, which no rule knows";
    const text = [...routine.slice(0, 100), ...read, unknown, ...lines.map((l) => l.text), ...routine.slice(100)];
    const verdict = await classify(`${text.join("\n")}\n`);
    expect(causesOf(verdict)).toEqual(record.truthLogOnly);
    expect(verdict.access).toBe(3);
    expect(verdict.unparsed).toBe(1);
    expect(verdict.lines).toBe(text.length);
  });
});

describe("the prefilter", () => {
  /** One message per parser rule, as gunicorn 20.1 … 26 and uvicorn 0.17 … 0.53 print them. */
  const SAMPLES = [
    "Starting gunicorn 26.2.2",
    "Listening at: http://127.0.0.1:10000 (1)",
    "Using worker: asgi",
    "Handling signal: term",
    "Hang up: Master",
    "Shutting down: Master",
    "Reason: Worker failed to boot.",
    "Booting worker with pid: 7",
    "Application startup complete.",
    "ASGI server listening on 127.0.0.1:10000",
    "Worker shutting down...",
    "Waiting for 2 connections to finish...",
    "Forcing close of 2 connections",
    "Started server process [7]",
    "Waiting for application startup.",
    "Waiting for application shutdown.",
    "Application shutdown complete.",
    "Error while closing socket [Errno 9] Bad file descriptor",
    "Application startup failed. Exiting.",
    "Shutting down",
    "Waiting for connections to close. (CTRL+C to force quit)",
    "Finished server process [7]",
    "Worker exiting (pid: 7)",
    "Maximum request limit of 2000 exceeded. Terminating process.",
    "Autorestarting worker after current request.",
    "WORKER TIMEOUT (pid:7)",
    "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?",
    "Worker with pid 7 was terminated due to signal 9",
    "Worker (pid:7) exited with code 3",
  ];
  const needed = new RegExp(neededWords());

  it("has a sample of every line the parser knows", () => {
    for (const sample of SAMPLES) expect(matchMessage(sample, 7), sample).toBeDefined();
    const covered = RULE_WORDS.filter((word) => SAMPLES.some((sample) => new RegExp(`^${word}`).test(sample)));
    expect(covered).toEqual(RULE_WORDS);
  });

  it("lets every line the parser knows through, in any envelope, so a rule is never filtered out before it is tried", () => {
    for (const sample of SAMPLES) {
      const line = `2026-11-25 21:31:12 +0000 [7] [INFO] ${sample}`;
      for (const [format, wrap] of Object.entries(FORMATS))
        expect(needed.test(wrap({ at: Date.UTC(2026, 10, 25, 21, 31, 12), text: line }, "web-1")), `${format}: ${sample}`).toBe(true);
    }
  });

  it("passes over routine lines: an access line, the app's own chatter", () => {
    expect(needed.test('2026-11-25 21:31:12 +0000 [7] [INFO] 127.0.0.1:5000 - "GET /orders/7 HTTP/1.1" 200')).toBe(false);
    expect(needed.test("2026-11-25 21:31:12 +0000 [7] [INFO] order 7 shipped to customer 12")).toBe(false);
  });

  it("classifies a log with and without the prefilter alike: the asgi worker's lines included", async () => {
    // The master halts: each worker is judged by whether it had started, which only "ASGI server listening on" says.
    const log = [
      "2026-11-26 11:49:20 +0000 [1] [INFO] Starting gunicorn 24.1.0",
      "2026-11-26 11:49:20 +0000 [1] [INFO] Using worker: asgi",
      "2026-11-26 11:49:20 +0000 [1] [INFO] Booting worker with pid: 7",
      "2026-11-26 11:49:20 +0000 [1] [INFO] Booting worker with pid: 8",
      "2026-11-26 11:49:21 +0000 [7] [INFO] ASGI server listening on http://127.0.0.1:45415",
      "2026-11-26 11:49:21 +0000 [8] [INFO] ASGI server listening on http://127.0.0.1:45415",
      ...Array.from({ length: 50 }, (_, i) => `2026-11-26 11:49:25 +0000 [7] [INFO] 127.0.0.1:5000 - "GET /orders/${i} HTTP/1.1" 200`),
      "2026-11-26 11:49:30 +0000 [7] [INFO] Autorestarting worker after current request.",
      "2026-11-26 11:49:30 +0000 [7] [INFO] Worker exiting (pid: 7)",
      "2026-11-26 11:49:30 +0000 [1] [INFO] Booting worker with pid: 9",
      "2026-11-26 11:49:31 +0000 [9] [ERROR] Exception in worker process",
      "ModuleNotFoundError: No module named 'app.settings'",
      "2026-11-26 11:49:31 +0000 [9] [INFO] Worker exiting (pid: 9)",
      "2026-11-26 11:49:31 +0000 [1] [ERROR] Worker (pid:9) exited with code 3",
      "2026-11-26 11:49:31 +0000 [1] [ERROR] Shutting down: Master",
      "2026-11-26 11:49:31 +0000 [1] [ERROR] Reason: Worker failed to boot.",
      "2026-11-26 11:49:31 +0000 [8] [INFO] Worker shutting down...",
      "2026-11-26 11:49:31 +0000 [8] [INFO] Worker exiting (pid: 8)",
    ];
    const everyLine = new DeathClassifier();
    const parser = new GunicornLogParser((event) => everyLine.push(event));
    for (const [i, text] of log.entries()) parser.push({ seq: i + 1, source: "app", stream: "stderr", text });
    parser.flush();
    const expected = Object.fromEntries(everyLine.finish().map((d) => [String(d.pid), d.cause]));
    // 8 was serving when 9 failed to boot: the halting master stopped it (shutdown), as it logged after the fact.
    expect(expected).toEqual({ 7: "max-requests", 8: "shutdown", 9: "boot-failure" });
    const verdict = await classify(`${log.join("\n")}\n`);
    expect(verdict.inspected).toBe(log.length - 50);
    expect(causesOf(verdict)).toEqual(expected);
  });
});

describe("several instances in one stream", () => {
  /**
   * Two replicas' logs, each pid reused (every container's master is 1, its workers 7, 8 ...), interleaved and
   * slightly out of order: line by line, or (`whole`) with what the app prints itself between two records kept
   * with the record before it, as it arrives when one write() prints a banner.
   */
  async function twoReplicas(a: string, b: string, wrap: (typeof FORMATS)[string], grain: "line" | "whole" = "line") {
    const chunks = (name: string, instance: string) => {
      const out: string[][] = [];
      for (const line of corpus(name).lines) {
        const text = wrap(line, instance);
        const own = !text.startsWith("{");
        if (grain === "whole" && own && out.length) out.at(-1)!.push(text);
        else out.push([text]);
      }
      return out;
    };
    const [left, right] = [chunks(a, "web-1"), chunks(b, "web-2")];
    const merged: string[] = [];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const pair = [left[i], right[i]].filter((chunk): chunk is string[] => Boolean(chunk));
      merged.push(...(i % 3 === 0 ? pair.reverse() : pair).flat());
    }
    return { verdict: await classify(`${merged.join("\n")}\n`), left: corpus(a).record, right: corpus(b).record };
  }

  it.each([
    ["timeout.trixie.default", "stray-sigterm.trixie.default"],
    ["deploy.trixie.default", "oom.trixie.seed"],
    ["reload.bookworm.default", "sigkill.bookworm.default"],
    ["scale-down.trixie.default", "graceful-timeout.trixie.default"],
    // Their verdicts rest on lines the app prints itself (banners), which name no instance in a JSON stream.
    ["oom.trixie.default", "stray-sigterm.trixie.default"],
    ["timeout.trixie.default", "graceful-timeout.trixie.default"],
    ["graceful-timeout.trixie.default", "timeout.trixie.default"],
  ])("%s beside %s: each replica's deaths as if alone, never merged", async (a, b) => {
    // Every line of these names its instance; in JSON streams the app's own lines do not, and go with the records
    // around them (below: what happens when they are torn apart).
    for (const format of ["compose", "kubectl --prefix --timestamps", "json lines", "json lines without a level", "heroku stream"]) {
      const { verdict, left, right } = await twoReplicas(a, b, FORMATS[format]!, format.startsWith("json") ? "whole" : "line");
      const key = (instance: string) => (format.startsWith("kubectl") ? `pod/${instance}/app` : instance);
      expect(causesOf(verdict, key("web-1")), `${format}: web-1`).toEqual(left.truthLogOnly);
      expect(causesOf(verdict, key("web-2")), `${format}: web-2`).toEqual(right.truthLogOnly);
      expect(verdict.deaths).toHaveLength(Object.keys(left.truthLogOnly).length + Object.keys(right.truthLogOnly).length);
    }
  });

  it("in a JSON stream, the app's own lines torn apart line by line: placed by the pid they name, or counted as guessed", async () => {
    for (const [a, b] of [
      ["oom.trixie.default", "stray-sigterm.trixie.default"],
      ["timeout.trixie.default", "graceful-timeout.trixie.default"],
      ["deploy.trixie.default", "scale-down.trixie.default"],
    ] as const) {
      const { verdict, left, right } = await twoReplicas(a, b, FORMATS["json lines"]!, "line");
      const right1 = JSON.stringify(causesOf(verdict, "web-1")) === JSON.stringify(left.truthLogOnly);
      const right2 = JSON.stringify(causesOf(verdict, "web-2")) === JSON.stringify(right.truthLogOnly);
      // Never silently wrong: a verdict that differs from each log alone comes with lines it says it had to guess.
      if (!right1 || !right2) expect(verdict.guessedInstance, `${a} beside ${b}`).toBeGreaterThan(0);
      expect(verdict.deaths).toHaveLength(Object.keys(left.truthLogOnly).length + Object.keys(right.truthLogOnly).length);
    }
  });

  it("places the app's own lines of a JSON stream: with the replica whose banner is open, else with the one that knows the pid", async () => {
    const record = (host: string, pid: number, level: string, message: string, second: number) =>
      JSON.stringify({
        asctime: `2026-11-25 21:31:${String(second).padStart(2, "0")} +0000`,
        process: pid,
        levelname: level,
        message,
        host,
      });
    const log = [
      record("web-1", 1, "INFO", "Booting worker with pid: 7", 0),
      record("web-2", 1, "INFO", "Booting worker with pid: 7", 0),
      record("web-2", 1, "INFO", "Booting worker with pid: 9", 0),
      record("web-1", 1, "ERROR", "Worker (pid:7) was sent SIGKILL! Perhaps out of memory?", 10),
      // web-1's SIGKILL banner opens; a record of web-2 arrives in the middle of it; the banner goes on.
      "==================== WORKER KILLED BY SIGKILL - PID 7 ====================",
      record("web-2", 7, "INFO", "Application startup complete.", 10),
      "OOM confirmed: yes (the cgroup's oom_kill counter went from 0 to 1).",
      "==================================================================================",
      // No banner open, web-1 named last: the line names pid 9, which only web-2 has.
      record("web-2", 1, "ERROR", "Worker (pid:9) was sent SIGTERM!", 11),
      record("web-1", 1, "INFO", "Booting worker with pid: 8", 11),
      "==================== WORKER INTERRUPT SIGNAL RECEIVED - PID 9 ====================",
      "Signal: SIGTERM",
      "==================================================================================",
      record("web-2", 1, "INFO", "Application startup complete.", 20),
    ];
    const verdict = await classify(`${log.join("\n")}\n`);
    // Only the SIGKILL banner's first line is a guess: both replicas have a pid 7 (it went to web-1, named last).
    expect(verdict.guessedInstance).toBe(1);
    expect(verdict.deaths.map((d) => [d.instance, d.pid, d.cause])).toEqual([
      ["web-1", 7, "oom-kill"],
      ["web-2", 9, "unexpected-sigterm"],
    ]);
    expect(verdict.deaths.find((d) => d.pid === 9)!.bannersSeen).toEqual(["interrupt"]);
  });

  it("keeps a critical death in one replica critical beside a stray SIGTERM in the other", async () => {
    const { verdict, left, right } = await twoReplicas("timeout.trixie.default", "stray-sigterm.trixie.default", FORMATS.compose!);
    const [timedOut] = Object.keys(left.truthLogOnly).map(Number);
    const [stray] = Object.keys(right.truthLogOnly).map(Number);
    expect(verdict.deaths.map((d) => [d.instance, d.pid, d.cause, d.severity])).toEqual(
      expect.arrayContaining([
        ["web-1", timedOut, "timeout", "critical"],
        ["web-2", stray, "unexpected-sigterm", "investigate"],
      ]),
    );
  });
});

describe("input that is not a log", () => {
  it("an empty file is an empty verdict", async () => {
    expect(await classify("")).toMatchObject({ deaths: [], lines: 0, unparsed: 0 });
  });

  it("binary garbage and a 300 kB line end in a verdict, not a crash", async () => {
    const garbage = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256));
    expect((await classify(garbage)).deaths).toEqual([]);
    const long = await classify(`${"x".repeat(300_000)} WORKER TIMEOUT (pid:7)\n[ERROR] Worker (pid:8) was sent SIGKILL!\n`);
    expect(long.lines).toBe(2);
    expect(long.deaths.map((d) => d.pid)).toEqual([8]);
  });

  it("a line over 1 MiB is cut there and counted", async () => {
    const verdict = await classify(`[ERROR] ${"y".repeat(3 * 1024 * 1024)}\n[ERROR] Worker (pid:9) was sent SIGKILL!\n`);
    expect(verdict.overlong).toBe(1);
    expect(verdict.deaths.map((d) => d.pid)).toEqual([9]);
  });

  it("a truncated gzip export ends with the zlib error, for the command to explain", async () => {
    const whole = gzipSync(Buffer.from("[ERROR] Worker (pid:9) was sent SIGKILL!\n".repeat(2000)));
    await expect(classify(whole.subarray(0, whole.length / 2))).rejects.toMatchObject({ code: "Z_BUF_ERROR" });
  });
});
