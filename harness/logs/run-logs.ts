import type Docker from "dockerode";
import type { EventLog } from "../events/event-log.ts";
import type { LogSource } from "../events/events.ts";
import { followContainerLogs, type LogFollower } from "./container-logs.ts";
import { parseLbLine, parseLbServerLine } from "./haproxy-log.ts";
import { unwrapLine } from "./line-envelope.ts";
import type { LogLine } from "./log-line.ts";
import { GunicornLogParser } from "./log-parser.ts";

const IDLE_FLUSH_MS = 250;

/**
 * Every raw line of a run's containers, kept in order. The app's lines are parsed into the event log (a JSON
 * record as the gunicorn line it holds: an app whose logconfig_dict writes JSON is understood as one that writes text),
 * each replica's by a parser of its own (its blocks and pids are its own), its events marked with its
 * instance; the load balancer's request lines become `lb-request` events, its word on a replica's state `lb-server`.
 */
export class RunLogs {
  readonly lines: LogLine[] = [];
  private readonly parsers = new Map<string | undefined, GunicornLogParser>();
  private readonly followers: LogFollower[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly events: EventLog) {}

  get unparsedCount(): number {
    return [...this.parsers.values()].reduce((sum, parser) => sum + parser.unparsed, 0);
  }

  add(line: Omit<LogLine, "seq">): LogLine {
    const stored = { ...line, seq: this.lines.length + 1 };
    this.lines.push(stored);
    if (stored.source === "app") {
      const parser = this.parserFor(stored.instance);
      // A JSON record (a logconfig_dict JSON formatter, python-json-logger) is read as the line it holds.
      const record = stored.text.charCodeAt(0) === 123 ? unwrapLine(stored.text) : undefined;
      if (record?.shape === "json" && record.text !== stored.text) {
        parser.push({ ...stored, text: record.text });
        for (const more of record.continuation ?? []) parser.push({ ...stored, text: more });
      } else {
        parser.push(stored);
      }
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.flushParsers(), IDLE_FLUSH_MS).unref();
    } else if (stored.source === "lb" && stored.stream === "stdout") {
      const origin = { at: stored.at, source: "lb", stream: stored.stream, seq: stored.seq, raw: stored.text } as const;
      const request = parseLbLine(stored.text);
      const server = request ? undefined : parseLbServerLine(stored.text);
      if (request) this.events.record({ kind: "lb-request", ...origin, ...request });
      else if (server) this.events.record({ kind: "lb-server", ...origin, ...server });
    }
    return stored;
  }

  /** Follows a container's output from its first byte, or from `since` (epoch seconds) after a restart. */
  async follow(container: Docker.Container, docker: Docker, source: LogSource, since?: number, instance?: string): Promise<void> {
    const stamp = instance === undefined ? (line: Omit<LogLine, "seq">) => line : (line: Omit<LogLine, "seq">) => ({ ...line, instance });
    this.followers.push(await followContainerLogs(container, docker, source, (line) => this.add(stamp(line)), since));
  }

  /** Waits (bounded) for the streams of stopped containers to end, then stops following and closes open blocks. */
  async drain(timeoutMs = 1_000): Promise<void> {
    const ended = Promise.all(this.followers.map((f) => f.ended));
    await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    for (const follower of this.followers) follower.stop();
    clearTimeout(this.idleTimer);
    this.flushParsers();
  }

  /** The last `count` lines of a source (of one replica, when given), for error messages. */
  tail(source: LogSource, count = 20, instance?: string): string[] {
    return this.lines
      .filter((l) => l.source === source && (instance === undefined || l.instance === instance))
      .slice(-count)
      .map((l) => l.text);
  }

  private parserFor(instance: string | undefined): GunicornLogParser {
    let parser = this.parsers.get(instance);
    if (!parser) {
      parser = new GunicornLogParser(
        instance === undefined ? (event) => this.events.record(event) : (event) => this.events.record({ ...event, instance }),
      );
      this.parsers.set(instance, parser);
    }
    return parser;
  }

  private flushParsers(): void {
    for (const parser of this.parsers.values()) parser.flush();
  }
}
