import type { LogSource, LogStream } from "../events/events.ts";

/** One raw line as it arrived: nothing the app printed is lost. */
export interface LogLine {
  /** 1-based position in the run's log, across all containers and streams. */
  seq: number;
  /** Epoch ms (with sub-ms fraction) when the Docker daemon received the line. */
  at: number;
  source: LogSource;
  stream: LogStream;
  text: string;
  /** The replica that printed it, in a run with replicas. */
  instance?: string;
}
