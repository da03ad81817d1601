import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { HarnessEvent, LogEvent } from "../events/events.ts";
import { splitDockerTimestamp } from "../logs/container-logs.ts";
import { GunicornLogParser } from "../logs/log-parser.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import type { ClassifyOptions } from "./death.ts";
import { formatEvidence } from "./death-wording.ts";

function classify(lines: string[], extra: HarnessEvent[] = [], options?: ClassifyOptions) {
  const events: (LogEvent | HarnessEvent)[] = [];
  const parser = new GunicornLogParser((e) => events.push(e));
  for (const [i, text] of lines.entries()) parser.push({ seq: i + 1, source: "app", stream: "stderr", text });
  parser.flush();
  const classifier = new DeathClassifier(options);
  for (const event of [...events, ...extra].sort((a, b) => a.at - b.at)) classifier.push(event);
  return classifier.finish();
}

const at = (s: string) => `2026-11-25 08:00:${s} +0000`;

describe("DeathClassifier, bounded whatever the log's clock does", () => {
  it("with a clock that stands still, judges the oldest exits once 256 wait, each once, in order", () => {
    const judged: number[] = [];
    const classifier = new DeathClassifier({}, (death) => judged.push(death.pid));
    const parser = new GunicornLogParser((event) => classifier.push(event));
    let seq = 0;
    for (let pid = 100; pid < 1_100; pid++) {
      parser.push({ seq: ++seq, source: "app", stream: "stderr", text: `[${at("01")}] [1] [INFO] Booting worker with pid: ${pid}` });
      parser.push({ seq: ++seq, source: "app", stream: "stderr", text: `[${at("02")}] [1] [ERROR] Worker (pid:${pid}) was sent SIGKILL!` });
    }
    // Same second throughout: none has waited its 2 s, yet only 256 are left waiting.
    expect(judged).toHaveLength(1_000 - 256);
    expect(judged.slice(0, 3)).toEqual([100, 101, 102]);
    parser.flush();
    classifier.finish();
    expect(judged).toHaveLength(1_000);
    expect(new Set(judged).size).toBe(1_000);
  });

  it("a pid the kernel reuses while the old worker's story waits: two workers, two deaths", () => {
    const deaths = classify([
      `[${at("01")}] [1] [INFO] Booting worker with pid: 7`,
      `[${at("02")}] [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?`,
      `[${at("02")}] [1] [INFO] Booting worker with pid: 7`,
      `[${at("06")}] [1] [ERROR] Worker (pid:7) was sent SIGTERM!`,
    ]);
    expect(deaths.map((d) => [d.pid, d.cause])).toEqual([
      [7, "sigkill"],
      [7, "unexpected-sigterm"],
    ]);
  });
});

describe("DeathClassifier on log excerpts", () => {
  it("a lone SIGTERM with no master-side reason is unexpected, to investigate, not critical", () => {
    expect(classify(["[ERROR] Worker (pid:59) was sent SIGTERM!"])).toMatchObject([
      { pid: 59, cause: "unexpected-sigterm", severity: "investigate" },
    ]);
  });

  it("takes gunicorn 23's doubled exit-code line as one crash", () => {
    const deaths = classify([
      `${at("01")} [1] [INFO] Booting worker with pid: 9`,
      `${at("05")} [1] [ERROR] Worker (pid:9) exited with code 1`,
      `${at("05")} [1] [ERROR] Worker (pid:9) exited with code 1.`,
    ]);
    expect(deaths).toMatchObject([{ pid: 9, cause: "crash", severity: "critical", summary: "exited with code 1" }]);
    expect(deaths[0]!.evidence.filter((e) => e.source === "log" && e.text.includes("exited with code"))).toHaveLength(2);
  });

  it("reads 'was sent code 134!' after a WORKER TIMEOUT as a timeout (SIGABRT with a core dump)", () => {
    expect(
      classify([`${at("09")} [1] [CRITICAL] WORKER TIMEOUT (pid:8)`, `${at("09")} [1] [ERROR] Worker (pid:8) was sent code 134!`]),
    ).toMatchObject([{ pid: 8, cause: "timeout", severity: "critical" }]);
  });

  it("owes the ABORT banner to a timed-out worker that then exited by itself (gunicorn's asgi worker, its loop free in time)", () => {
    const deaths = classify([
      `${at("00")} [1] [INFO] Booting worker with pid: 8`,
      `${at("04")} [1] [CRITICAL] WORKER TIMEOUT (pid:8)`,
      `${at("05")} [8] [INFO] Worker exiting (pid: 8)`,
    ]);
    expect(deaths).toMatchObject([{ pid: 8, cause: "timeout", severity: "critical", bannersExpected: ["abort"] }]);
  });

  it("calls a SIGSEGV a crash", () => {
    expect(classify([`${at("09")} [1] [WARNING] Worker with pid 8 was terminated due to signal 11`])).toMatchObject([
      { pid: 8, cause: "crash", summary: "killed by SIGSEGV" },
    ]);
  });

  it("counts a worker with no exit line as dead when its master shut down after a stop signal", () => {
    const deaths = classify([
      `${at("00")} [1] [INFO] Booting worker with pid: 7`,
      `${at("00")} [1] [INFO] Booting worker with pid: 8`,
      `${at("10")} [1] [INFO] Handling signal: term`,
      `${at("10")} [1] [ERROR] Worker (pid:7) was sent SIGTERM!`,
      `${at("40")} [1] [INFO] Shutting down: Master`,
    ]);
    expect(deaths).toMatchObject([
      { pid: 7, cause: "shutdown", severity: "normal" },
      { pid: 8, cause: "graceful-timeout", severity: "investigate" },
    ]);
  });

  it("ends the old master's workers when a new master starts", () => {
    const deaths = classify([`${at("00")} [1] [INFO] Booting worker with pid: 7`, `${at("30")} [1] [INFO] Starting gunicorn 23.0.0`]);
    expect(deaths).toMatchObject([
      {
        pid: 7,
        cause: "unknown",
        evidence: expect.arrayContaining([{ source: "inference", text: expect.stringMatching(/a new master started/) }]),
      },
    ]);
  });

  it("waits for gunicorn 20.1's late signal line after 'Worker exiting' (a real reload race)", () => {
    const lines = readFileSync(new URL("../logs/fixtures/reload-bookworm.log", import.meta.url), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => splitDockerTimestamp(l)[1]);
    const deaths = classify(lines).sort((a, b) => a.pid - b.pid);
    expect(deaths.map((d) => [d.pid, d.cause])).toEqual([
      [7, "reload"],
      [8, "reload"],
    ]);
    expect(deaths[0]!.evidence.map(formatEvidence).join("\n")).toMatch(/Worker exiting \(pid: 7\)[\s\S]*terminated due to signal 15/);
  });

  it("gives an OOM kill only to the SIGKILL the container's evidence points at", () => {
    const t = Date.parse("2026-11-25T08:00:00Z");
    const deaths = classify(
      [
        `${at("05")} [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?`,
        `${at("30")} [1] [ERROR] Worker (pid:8) was sent SIGKILL! Perhaps out of memory?`,
      ],
      [
        { kind: "cgroup", at: t, oomKills: 0, limitBytes: 1 << 28, usageBytes: 1 << 20 },
        { kind: "container", at: t + 29_800, container: "app", action: "oom", attributes: {} },
        { kind: "cgroup", at: t + 60_000, oomKills: 1, limitBytes: 1 << 28, usageBytes: 1 << 20 },
      ],
      { holdMs: Number.POSITIVE_INFINITY },
    );
    expect(deaths.map((d) => [d.pid, d.cause])).toEqual([
      [7, "sigkill"],
      [8, "oom-kill"],
    ]);
    expect(deaths[0]!.summary).toMatch(/no OOM kill/);
  });

  it("decides as it streams, once a death is old enough, and stays bounded", () => {
    const seen: number[] = [];
    const classifier = new DeathClassifier({ holdMs: 2_000 }, (d) => seen.push(d.pid));
    const parser = new GunicornLogParser((e) => classifier.push(e));
    parser.push({
      seq: 1,
      source: "app",
      stream: "stderr",
      text: `${at("01")} [1] [ERROR] Worker (pid:7) was sent SIGKILL! Perhaps out of memory?`,
    });
    parser.push({ seq: 2, source: "app", stream: "stderr", text: `${at("02")} [1] [INFO] Booting worker with pid: 9` });
    expect(seen).toEqual([]);
    parser.push({ seq: 3, source: "app", stream: "stderr", text: `${at("04")} [1] [INFO] Booting worker with pid: 10` });
    expect(seen).toEqual([7]);
  });
});

describe("DeathClassifier: a boot failure says what failed", () => {
  it("quotes the exception line, not the note SQLAlchemy appends to it, and calls the sibling the halting master stopped a shutdown", () => {
    // The shape seen on a public app whose workers race to create their tables at import (psycopg2 through SQLAlchemy).
    const deaths = classify([
      `[${at("01")}] [1] [INFO] Booting worker with pid: 7`,
      `[${at("01")}] [1] [INFO] Booting worker with pid: 8`,
      `[${at("02")}] [8] [INFO] Application startup complete.`,
      `[${at("02")}] [7] [ERROR] Exception in worker process`,
      "Traceback (most recent call last):",
      '  File "/app/app/db.py", line 40, in <module>',
      "    metadata.create_all(engine)",
      'sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "pg_type_typname_nsp_index"',
      "(Background on this error at: https://sqlalche.me/e/20/gkpj)",
      `[${at("02")}] [7] [INFO] Worker exiting (pid: 7)`,
      `[${at("03")}] [1] [ERROR] Worker (pid:7) exited with code 3`,
      `[${at("03")}] [1] [ERROR] Worker (pid:8) was sent SIGTERM!`,
      `[${at("03")}] [1] [ERROR] Shutting down: Master`,
      `[${at("03")}] [1] [ERROR] Reason: Worker failed to boot.`,
    ]);
    const byPid = Object.fromEntries(deaths.map((d) => [d.pid, d]));
    expect(byPid[7]).toMatchObject({
      cause: "boot-failure",
      summary:
        'failed to boot: sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "pg_type_typname_nsp_index"',
    });
    expect(byPid[8]).toMatchObject({ cause: "shutdown", summary: "the master was told to stop (Reason: Worker failed to boot.)" });
  });
});
