import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { LogSource, LogStream } from "../events/events.ts";
import type { LogLine } from "./log-line.ts";

/** `2026-11-25T20:53:49.121661901Z text` → [epoch ms with µs fraction, text]. */
export function splitDockerTimestamp(line: string): [at: number, text: string] {
  const space = line.indexOf(" ");
  const stamp = space > 0 ? line.slice(0, space) : "";
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(stamp);
  if (!match) return [Date.now(), line];
  const fraction = (match[2] ?? "").padEnd(6, "0");
  const at = Date.parse(`${match[1]}Z`) + Number(fraction.slice(0, 3)) + Number(fraction.slice(3, 6)) / 1000;
  return [at, line.slice(space + 1)];
}

export interface LogFollower {
  /** Resolves when the container's output ended (it stopped) or `stop()` was called. */
  readonly ended: Promise<void>;
  stop(): void;
}

/**
 * Follows a container's stdout and stderr from its very first byte (Docker keeps them), demultiplexed,
 * one call of `onLine` per line, each stamped with the time the Docker daemon received it.
 */
export async function followContainerLogs(
  container: Docker.Container,
  docker: Docker,
  source: LogSource,
  onLine: (line: Omit<LogLine, "seq">) => void,
  since = 0,
): Promise<LogFollower> {
  const raw = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
    since,
  })) as unknown as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const streams: Record<LogStream, PassThrough> = { stdout: new PassThrough(), stderr: new PassThrough() };
  docker.modem.demuxStream(raw, streams.stdout, streams.stderr);
  const readers = (Object.keys(streams) as LogStream[]).map(
    (stream) =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input: streams[stream], crlfDelay: Infinity });
        lines.on("line", (line) => {
          const [at, text] = splitDockerTimestamp(line);
          onLine({ at, source, stream, text });
        });
        lines.on("close", resolve);
      }),
  );
  const endAll = () => {
    streams.stdout.end();
    streams.stderr.end();
  };
  raw.on("end", endAll);
  raw.on("close", endAll);
  raw.on("error", endAll);
  return {
    ended: Promise.all(readers).then(() => undefined),
    stop: () => {
      raw.destroy();
      endAll();
    },
  };
}
