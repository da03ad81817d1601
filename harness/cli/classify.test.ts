import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCliToEnd, startCli } from "../testing/run-command.ts";

const work = mkdtempSync(join(tmpdir(), "classify-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function classify(input: string, args: string[] = []) {
  const { child, done } = startCli("classify", ["-", ...args]);
  child.stdin?.end(input);
  return done;
}

describe("npm run classify", () => {
  it("calls several workers sent SIGTERM in the same second, with no master lines, a probable deploy", async () => {
    const seedStyle = [
      "[ERROR] Worker (pid:59) was sent SIGTERM!",
      "[ERROR] Worker (pid:60) was sent SIGTERM!",
      "[ERROR] Worker (pid:61) was sent SIGTERM!",
    ];
    const result = await classify(`${seedStyle.join("\n")}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/59 .* shutdown .* normal .* probable deploy or restart/);
    expect(result.stdout).toMatch(/VERDICT 3 worker\(s\) stopped — normal: 3 shutdown/);
    expect(result.stdout).not.toMatch(/critical/);
  });

  it("reads a gzip export, and says so when one was cut short (exit 2)", async () => {
    const log = "[ERROR] Worker (pid:9) was sent SIGKILL!\n".repeat(3000);
    const whole = join(work, "export.log.gz");
    writeFileSync(whole, gzipSync(log));
    const read = await runCliToEnd("classify", [whole, "--json"]);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ lines: 3000, format: { gzip: true } });
    const cut = join(work, "cut.log.gz");
    writeFileSync(cut, gzipSync(log).subarray(0, 200));
    const result = await runCliToEnd("classify", [cut]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/UNREADABLE_INPUT: .*cut\.log\.gz is not a whole gzip file \(.*\): it was cut short or is damaged/);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("recognises a target's own banners with --target", async () => {
    const lines = [
      "[2026-11-25 08:00:00 +0000] [1] [INFO] Booting worker with pid: 7",
      "*** LEDGER WORKER STOPPING pid=7 ***",
      "[2026-11-25 08:00:05 +0000] [1] [ERROR] Worker (pid:7) was sent SIGTERM!",
    ];
    const seen = async (args: string[]) => {
      const { child, done } = startCli("classify", ["-", "--json", ...args]);
      child.stdin?.end(`${lines.join("\n")}\n`);
      const result = await done;
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { deaths: { evidence: { source: string }[] }[] }).deaths[0]!.evidence;
    };
    expect(await seen([])).not.toContainEqual(expect.objectContaining({ source: "banner" }));
    expect(await seen(["--target", "harness/testing/apps/ledger/ledger.target.json"])).toContainEqual({
      source: "banner",
      line: 2,
      text: "*** LEDGER WORKER STOPPING pid=7 ***",
    });
  });

  it("beyond 1,000 deaths, lists the first and counts the rest; --json still gives every one, in one object", async () => {
    const log = Array.from({ length: 1_500 }, (_, i) => {
      const pid = 100 + i;
      const at = `2026-11-25 09:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} +0000`;
      return `${at} [1] [INFO] Booting worker with pid: ${pid}\n${at} [1] [ERROR] Worker (pid:${pid}) was sent SIGKILL! Perhaps out of memory?`;
    }).join("\n");
    const json = await classify(log, ["--json"]);
    const parsed = JSON.parse(json.stdout) as { deaths: { pid: number; cause: string }[]; lines: number };
    expect(parsed.deaths).toHaveLength(1_500);
    expect(new Set(parsed.deaths.map((d) => d.pid)).size).toBe(1_500);
    expect(parsed.lines).toBe(3_000);
    const table = await classify(log, []);
    expect(table.stdout).toMatch(/… and 500 more, not listed \(the first 1000 are\): --json lists every one/);
    expect(table.stdout).toMatch(/VERDICT 1500 worker\(s\) stopped — critical: 1500 sigkill/);
  });

  it("--json is one valid object at the edges: no death, 1,000 held and sorted, 1,001 written as they come", async () => {
    const deathsIn = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const at = `2026-11-25 09:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} +0000`;
        return `web-1  | ${at} [1] [INFO] Booting worker with pid: ${100 + i}\nweb-1  | ${at} [1] [ERROR] Worker (pid:${100 + i}) was sent SIGTERM!`;
      }).join("\n");
    const none = JSON.parse((await classify("web-1  | nothing happened\n", ["--json"])).stdout) as { deaths: unknown[] };
    expect(none.deaths).toEqual([]);
    for (const count of [1_000, 1_001]) {
      const parsed = JSON.parse((await classify(deathsIn(count), ["--json"])).stdout) as {
        deaths: { pid: number; instance: string | null }[];
        format: { instances: string[] };
      };
      expect(parsed.deaths).toHaveLength(count);
      expect(parsed.format.instances).toEqual(["web-1"]);
      // Held deaths of a one-instance log name none; beyond 1,000 they went out naming it, as the lines did.
      expect(new Set(parsed.deaths.map((d) => d.instance))).toEqual(new Set([count === 1_000 ? null : "web-1"]));
    }
  });

  it("prints exactly one JSON object with --json", async () => {
    const log = readFileSync(new URL("../classify/corpus/oom.trixie.seed.log", import.meta.url), "utf8")
      .split("\n")
      .map((line) => line.split(" ").slice(2).join(" "))
      .join("\n");
    const result = await classify(log, ["--json"]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { deaths: Record<string, unknown>[]; unparsed: number };
    expect(Object.keys(parsed)).toEqual(["deaths", "unparsed", "lines", "inspected", "format"]);
    expect(parsed.unparsed).toBe(0);
    expect(parsed.deaths).toHaveLength(1);
    const [death] = parsed.deaths;
    expect(Object.keys(death!)).toEqual(["pid", "instance", "cause", "severity", "at", "evidence"]);
    expect(death!.instance).toBeNull();
    // A log alone cannot confirm an OOM: sigkill, and the evidence says why.
    expect(death).toMatchObject({ cause: "sigkill", severity: "critical", at: expect.stringMatching(/^2026-/) });
    expect(death!.evidence).toEqual([
      { source: "log", line: expect.any(Number), text: expect.stringMatching(/Perhaps out of memory\?$/) },
      { source: "inference", text: expect.stringMatching(/only the container's memory cgroup/) },
    ]);
  });

  it("counts access lines apart from the lines it did not understand", async () => {
    const lines = [
      '[2026-11-25 08:00:00 +0000] [7] [ERROR] 127.0.0.1:5000 - "GET /orders HTTP/1.1" 500',
      '127.0.0.1 - - [25/Nov/2026:08:00:01 +0000] "GET /Errors HTTP/1.1" 404 0 "-" "curl/8.5.0"',
      '127.0.0.1:5000 - "GET /health HTTP/1.1" 200',
      "ERROR something no rule knows",
    ];
    const result = await classify(`${lines.join("\n")}\n`);
    expect(result.stdout).toMatch(/\(4 lines read, 3 inspected: 3 plain \(1 not understood\); 1 not understood, 2 access line\(s\)\)/);
    const json = JSON.parse((await classify(`${lines.join("\n")}\n`, ["--json"])).stdout);
    expect(json).toMatchObject({ unparsed: 1, lines: 4, inspected: 3, format: { access: 2 } });
  });

  it("reads a file, in gunicorn's default format too", async () => {
    const file = join(work, "default-format.log");
    const lines = [
      "[2026-11-25 08:00:00 +0000] [1] [INFO] Starting gunicorn 23.0.0",
      "[2026-11-25 08:00:00 +0000] [7] [INFO] Booting worker with pid: 7",
      "[2026-11-25 08:00:30 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7)",
      "[2026-11-25 08:00:30 +0000] [1] [ERROR] Worker (pid:7) was sent SIGABRT!",
    ];
    writeFileSync(file, `${lines.join("\n")}\n`);
    const result = await runCliToEnd("classify", [file, "--json"]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      deaths: [{ pid: 7, cause: "timeout", severity: "critical", at: "2026-11-25T08:00:30.000Z" }],
    });
  });

  it("exits 2 on unreadable input, saying so", async () => {
    const missing = await runCliToEnd("classify", [join(work, "nope.log")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/UNREADABLE_INPUT.*no such file/);
    const directory = await runCliToEnd("classify", [work]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(/is not a file/);
  });

  it("streams: a log bigger than its heap is classified in constant memory", async () => {
    const file = join(work, "big.log");
    const out = createWriteStream(file);
    let pid = 100;
    const stamp = (i: number) => `2026-11-25 ${String(Math.floor(i / 36000) % 24).padStart(2, "0")}:00:00 +0000`;
    for (let i = 0; i < 700_000; i++) {
      if (i % 50_000 === 0) {
        out.write(
          `${stamp(i)} [1] [INFO] Booting worker with pid: ${++pid}\n${stamp(i)} [1] [ERROR] Worker (pid:${pid - 1}) was sent SIGKILL! Perhaps out of memory?\n`,
        );
      } else if (!out.write(`${stamp(i)} [${pid}] [INFO] 127.0.0.1:4242 - "GET /health HTTP/1.1" 200\n`)) {
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      }
    }
    await new Promise((r) => out.end(r));
    const heap = ["--max-old-space-size=24"];
    // The control: reading the same file whole does not fit in that heap.
    const control = spawnSync(process.execPath, [
      ...heap,
      "-e",
      `require("fs").readFileSync(${JSON.stringify(file)}, "utf8").split("\\n")`,
    ]);
    expect(control.status).not.toBe(0);
    const result = spawnSync(process.execPath, [...heap, "--import", "tsx", "harness/cli/classify.ts", file, "--json"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const verdict = JSON.parse(result.stdout) as { deaths: { cause: string }[]; unparsed: number };
    expect(verdict.deaths).toHaveLength(14);
    expect(new Set(verdict.deaths.map((d) => d.cause))).toEqual(new Set(["sigkill"]));
  }, 60_000);
});
