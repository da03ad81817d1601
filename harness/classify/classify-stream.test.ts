import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { classifyLogStream, type StreamVerdict } from "./classify-stream.ts";
import { corpusNames, readCorpusCase } from "./corpus/corpus-format.ts";

const names = corpusNames();
const corpus = readCorpusCase;

const RECORD = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \+0000 \[(\d+)\] \[(\w+)\] (.*)$/;
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
  "json lines": ({ text }, instance) => {
    const record = RECORD.exec(text);
    if (!record) return text;
    const [, date, time, pid, level, message] = record;
    return JSON.stringify({
      asctime: `${date} ${time} +0000`,
      process: Number(pid),
      levelname: level,
      name: "gunicorn.error",
      message,
      hostname: instance,
    });
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
      const instances = new Set(verdict.deaths.map((d) => d.instance));
      if (["plain", "crlf"].includes(format)) expect([...instances]).toEqual(verdict.deaths.length ? [null] : []);
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

describe("several instances in one stream", () => {
  /** Two replicas' logs, each pid reused (every container's master is 1, its workers 7, 8 ...), interleaved and slightly out of order. */
  async function twoReplicas(a: string, b: string, wrap: (typeof FORMATS)[string]) {
    const left = corpus(a);
    const right = corpus(b);
    const merged: string[] = [];
    const longest = Math.max(left.lines.length, right.lines.length);
    for (let i = 0; i < longest; i++) {
      const pair = [left.lines[i] && wrap(left.lines[i]!, "web-1"), right.lines[i] && wrap(right.lines[i]!, "web-2")].filter(
        (line): line is string => Boolean(line),
      );
      merged.push(...(i % 3 === 0 ? pair.reverse() : pair));
    }
    return { verdict: await classify(`${merged.join("\n")}\n`), left: left.record, right: right.record };
  }

  it.each([
    ["timeout.trixie.default", "stray-sigterm.trixie.default"],
    ["deploy.trixie.default", "oom.trixie.seed"],
    ["reload.bookworm.default", "sigkill.bookworm.default"],
    ["scale-down.trixie.default", "graceful-timeout.trixie.default"],
  ])("%s beside %s: each replica's deaths as if alone, never merged", async (a, b) => {
    for (const format of ["compose", "kubectl --prefix --timestamps", "json lines", "heroku stream"]) {
      const { verdict, left, right } = await twoReplicas(a, b, FORMATS[format]!);
      const key = (instance: string) =>
        format.startsWith("kubectl") ? `pod/${instance}/app` : format.startsWith("json") ? instance : instance;
      expect(causesOf(verdict, key("web-1")), `${format}: web-1`).toEqual(left.truthLogOnly);
      expect(causesOf(verdict, key("web-2")), `${format}: web-2`).toEqual(right.truthLogOnly);
      expect(verdict.deaths).toHaveLength(Object.keys(left.truthLogOnly).length + Object.keys(right.truthLogOnly).length);
    }
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
