import type Docker from "dockerode";
import type { EventLog } from "../events/event-log.ts";
import type { LogSource } from "../events/events.ts";
import { followContainerLogs, type LogFollower } from "./container-logs.ts";
import type { LogLine } from "./log-line.ts";
import { GunicornLogParser } from "./log-parser.ts";

const IDLE_FLUSH_MS = 250;

/** Every raw line of a run's containers, kept in order; the app's lines are parsed into the event log. */
export class RunLogs {
  readonly lines: LogLine[] = [];
  private readonly parser: GunicornLogParser;
  private readonly followers: LogFollower[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(events: EventLog) {
    this.parser = new GunicornLogParser((event) => events.record(event));
  }

  get unparsedCount(): number {
    return this.parser.unparsed;
  }

  add(line: Omit<LogLine, "seq">): LogLine {
    const stored = { ...line, seq: this.lines.length + 1 };
    this.lines.push(stored);
    if (stored.source === "app") {
      this.parser.push(stored);
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.parser.flush(), IDLE_FLUSH_MS).unref();
    }
    return stored;
  }

  /** Follows a container's output from its first byte, or from `since` (epoch seconds) after a restart. */
  async follow(container: Docker.Container, docker: Docker, source: LogSource, since?: number): Promise<void> {
    this.followers.push(await followContainerLogs(container, docker, source, (line) => this.add(line), since));
  }

  /** Waits (bounded) for the streams of stopped containers to end, then stops following and closes open blocks. */
  async drain(timeoutMs = 1_000): Promise<void> {
    const ended = Promise.all(this.followers.map((f) => f.ended));
    await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    for (const follower of this.followers) follower.stop();
    clearTimeout(this.idleTimer);
    this.parser.flush();
  }

  /** The last `count` lines of a source, for error messages. */
  tail(source: LogSource, count = 20): string[] {
    return this.lines
      .filter((l) => l.source === source)
      .slice(-count)
      .map((l) => l.text);
  }
}
