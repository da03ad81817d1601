import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { LogLine } from "../logs/log-line.ts";
import type { Reporter, RunReport } from "./reporter.ts";

/** Above this many bytes the log is written gzipped (an app that logs every request fills megabytes per run). */
const COMPRESS_LOG_ABOVE_BYTES = 1024 * 1024;

/**
 * app.log: every raw line of the run's containers, time-stamped on arrival, with its source and stream; app.log.gz
 * (the same text, gzipped) when it would be larger than COMPRESS_LOG_ABOVE_BYTES.
 */
export class LogReporter implements Reporter {
  onRunEnd({ result, dir }: RunReport): string[] {
    const text = result.logLines.map(logFileLine).join("");
    const file = join(dir, appLogName(result.logLines));
    writeFileSync(file, file.endsWith(".gz") ? gzipSync(text) : text);
    return [file];
  }
}

/** The name the run's log is written under: app.log, or app.log.gz when it is large. */
export function appLogName(lines: readonly LogLine[]): "app.log" | "app.log.gz" {
  let bytes = 0;
  for (const line of lines) {
    // as logFileLine writes it: a 24-character ISO time, source/stream, two spaces and the newline
    bytes += 24 + line.source.length + 1 + line.stream.length + 3 + Buffer.byteLength(line.text);
    if (bytes > COMPRESS_LOG_ABOVE_BYTES) return "app.log.gz";
  }
  return "app.log";
}

function logFileLine(line: LogLine): string {
  return `${new Date(line.at).toISOString()} ${line.source}/${line.stream} ${line.text}\n`;
}
