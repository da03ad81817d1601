import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, readCorpusLog } from "../classify/corpus/corpus-format.ts";
import { AT, DEFAULT_RECORD, pyJsonDumps, RECORD } from "./envelopes/test-lines.ts";
import { unwrapLine } from "./line-envelope.ts";

/** Every corpus line as recorded (gunicorn's own text, no envelope). */
const CORPUS_TEXTS = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith(".log"))
  .sort()
  .flatMap((f) => readCorpusLog(new URL(f, CORPUS_DIR)).map((l) => l.text));

describe("plain lines", () => {
  it.each([
    RECORD,
    DEFAULT_RECORD,
    "[ERROR] Worker (pid:59) was sent SIGTERM!",
    "Traceback (most recent call last):",
    '  File "/srv/app/app/main.py", line 46 in block_event_loop',
    "==================== WORKER KILLED BY SIGKILL - PID 7 ====================",
    "Signal: SIGTERM",
    "INFO:     Started server process [8]",
    "web | not a compose prefix: no replica number",
    "Blocking call: block_event_loop at /srv/app/app/main.py:46",
    "{not json}",
    "[1] [INFO] x",
    "<html>",
    "2026-11-25",
    "x",
  ])("%s", (line) => {
    expect(unwrapLine(line)).toEqual({ shape: "plain", text: line });
  });

  it("the empty string", () => expect(unwrapLine("")).toEqual({ shape: "plain", text: "" }));

  it("strips a CRLF export's \\r, and a byte-order mark", () => {
    expect(unwrapLine(`${RECORD}\r`)).toEqual({ shape: "plain", text: RECORD });
    expect(unwrapLine(`\uFEFF${DEFAULT_RECORD}\r`)).toEqual({ shape: "plain", text: DEFAULT_RECORD });
    expect(unwrapLine(`web-1  | ${RECORD}\r`)).toEqual({ shape: "compose", text: RECORD, instance: "web-1" });
    expect(unwrapLine(`{"message": "Worker exiting (pid: 7)", "levelname": "INFO", "process": 7}\r`).text).toBe(
      "[7] [INFO] Worker exiting (pid: 7)",
    );
  });
});

describe("nested envelopes", () => {
  const py = pyJsonDumps({
    message: "Worker exiting (pid: 7)",
    levelname: "INFO",
    process: 7,
    asctime: "2026-11-25 20:54:05 +0000",
    hostname: "web-a",
  });
  const exiting = "2026-11-25 20:54:05 +0000 [7] [INFO] Worker exiting (pid: 7)";

  it("compose around JSON: compose's instance wins", () => {
    expect(unwrapLine(`web-1  | ${py}`)).toEqual({ shape: "compose", text: exiting, instance: "web-1", at: AT - 1000 });
  });

  it("kubectl around a timestamp around JSON: kubectl's instance, the timestamp's time", () => {
    expect(unwrapLine(`[pod/web-x/app] 2026-11-25T20:54:06Z ${py}`)).toEqual({
      shape: "kubectl",
      text: exiting,
      instance: "pod/web-x/app",
      at: AT,
    });
  });

  it("a platform around JSON", () => {
    expect(unwrapLine(`2026-11-25T20:54:06.000000+00:00 app[web.1]: ${py}`)).toEqual({
      shape: "platform",
      text: exiting,
      instance: "web.1",
      at: AT,
    });
  });

  it("three layers at most: a fourth stays as text", () => {
    const u = unwrapLine(`web-1  | [pod/web-x/app] 2026-11-25T20:54:06Z ${py}`);
    expect(u).toEqual({ shape: "compose", text: py, instance: "web-1", at: AT });
  });
});

describe("never throws, and stays fast, on anything", () => {
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it("binary garbage, alone and behind every envelope's opening", () => {
    const next = random(42);
    const starts = [
      "",
      "{",
      "[pod/",
      "<",
      "<13>1 ",
      "<13>Nov 25 ",
      "83 <",
      "2026-11-25T20:54:06Z ",
      "Nov 25 20:54:06 ",
      "web-1  | ",
      "\x1b[3",
      "\uFEFF",
      "\ud800",
    ];
    const shapes = new Set(["plain", "json", "compose", "kubectl", "journald", "syslog", "platform", "timestamped"]);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)));
      const raw = starts[i % starts.length]! + bytes.toString(i % 2 ? "utf8" : "latin1");
      const u = unwrapLine(raw);
      expect(shapes.has(u.shape)).toBe(true);
      expect(typeof u.text).toBe("string");
    }
    expect(unwrapLine(undefined as unknown as string)).toEqual({ shape: "plain", text: "" });
  });

  it("a 300 kB line, in every shape, and inputs built to make a regex backtrack", () => {
    const big = `${RECORD} ${"x".repeat(300_000)}`;
    const bigMessage = `Application says ${"x".repeat(300_000)}`;
    const lines = [
      big,
      `web-1  | ${big}`,
      `[pod/web-x/app] ${big}`,
      `2026-11-25T20:54:06Z app[web.1]: ${big}`,
      `Nov 25 20:54:06 host gunicorn[1]: ${big}`,
      `<134>1 2026-11-25T20:54:06Z host app 1 - - ${big}`,
      JSON.stringify({ message: bigMessage, levelname: "INFO", process: 1 }),
      `a-1${" ".repeat(300_000)}|`,
      `2026-11-25T20:54:06Z ${"a/".repeat(150_000)}`,
      `2026-11-25T20:54:06Z ${"a[".repeat(150_000)}`,
      `Nov 25 20:54:06 ${"a".repeat(300_000)}`,
      `<1>1 ${"x ".repeat(150_000)}`,
      `<1>1 - - - - - ${'[a b="'.repeat(50_000)}`,
      `{${"[".repeat(300_000)}}`,
      `[pod/${"a/".repeat(150_000)}`,
      `${"9".repeat(300_000)}`,
    ];
    const started = performance.now();
    for (const line of lines) {
      const u = unwrapLine(line);
      expect(u.text.length).toBeGreaterThan(0);
    }
    // compared as booleans: a failure must not print 300 kB
    expect(unwrapLine(big).text === big).toBe(true);
    expect(unwrapLine(`web-1  | ${big}`).text === big).toBe(true);
    expect(unwrapLine(JSON.stringify({ message: big, levelname: "INFO", process: 1 })).text === big).toBe(true);
    expect(unwrapLine(JSON.stringify({ message: bigMessage, levelname: "INFO", process: 1 })).text === `[1] [INFO] ${bigMessage}`).toBe(
      true,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("200,000 plain corpus lines well under a second", () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => CORPUS_TEXTS[i % CORPUS_TEXTS.length]!);
    let plain = 0;
    for (const line of lines.slice(0, 5000)) plain += unwrapLine(line).shape === "plain" ? 1 : 0; // warm up
    const started = performance.now();
    for (const line of lines) plain += unwrapLine(line).shape === "plain" ? 1 : 0;
    const ms = performance.now() - started;
    console.log(`unwrapLine: 200,000 plain corpus lines in ${ms.toFixed(1)} ms`);
    expect(plain).toBe(205_000);
    expect(ms).toBeLessThan(1500);
  });
});
