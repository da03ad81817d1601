import { describe, expect, it } from "vitest";
import { asJsonLoggerRecord, corpusNames, readCorpusCase, recordOf } from "../classify/corpus/corpus-format.ts";
import { EventLog } from "../events/event-log.ts";
import { RunLogs } from "./run-logs.ts";

/** The events a run's log gives, without the raw text (which differs: the JSON record, or the line it holds). */
function eventsOf(lines: { at: number; stream: "stdout" | "stderr"; text: string }[], wrap: (text: string) => string) {
  const events = new EventLog();
  const logs = new RunLogs(events);
  for (const line of lines) logs.add({ at: line.at, source: "app", stream: line.stream, text: wrap(line.text) });
  return {
    events: events.all.map((e) => {
      const { raw: _raw, ...rest } = e as { raw?: string };
      return rest;
    }),
    unparsed: logs.unparsedCount,
  };
}

describe("a run's app log written as JSON records", () => {
  // A team whose logconfig_dict writes JSON runs scenarios as one whose writes text: the same events, the same pids.
  it.each(corpusNames().filter((name) => name.includes(".trixie.")))("%s gives the events its text log gives", (name) => {
    const { lines } = readCorpusCase(name);
    expect(lines.filter((l) => recordOf(l.text)).length, "lines that become JSON records").toBeGreaterThan(10);
    const text = eventsOf(lines, (t) => t);
    const json = eventsOf(lines, (t) => asJsonLoggerRecord(t));
    expect(json.events).toEqual(text.events);
    expect(json.unparsed).toBe(text.unparsed);
  });

  it("reads a record with a traceback (exc_info) as the lines it holds", () => {
    const record = JSON.stringify({
      asctime: "2026-11-25 21:31:12 +0000",
      process: 7,
      levelname: "ERROR",
      message: "Exception in worker process",
      exc_info:
        "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nModuleNotFoundError: No module named 'ledger_api'",
    });
    const events = new EventLog();
    const logs = new RunLogs(events);
    logs.add({ at: 1, source: "app", stream: "stderr", text: record });
    logs.add({
      at: 2,
      source: "app",
      stream: "stderr",
      text: JSON.stringify({ process: 1, levelname: "INFO", message: "Shutting down: Master" }),
    });
    expect(events.all.find((e) => e.kind === "traceback")).toMatchObject({ loggedBy: 7 });
    expect(events.all.some((e) => e.kind === "master-shutdown")).toBe(true);
    expect(logs.lines.map((l) => l.text)).toEqual([record, expect.stringMatching(/^\{/)]);
  });
});
