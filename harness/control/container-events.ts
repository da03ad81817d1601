import type Docker from "dockerode";
import { INSTANCE_LABEL, ROLE_LABEL, RUN_LABEL } from "../cleanup/run-context.ts";
import type { HarnessEvent, LogSource } from "../events/events.ts";

const KEPT_ATTRIBUTES = ["exitCode", "signal", "oomKilled"];
/** Lifecycle events only: exec_* events (our own kill and cgroup reads) would drown them. */
const ACTIONS = ["create", "start", "kill", "oom", "die", "stop", "pause", "unpause", "destroy"];

/**
 * Streams `docker events` for this run's containers (notably `oom`, `kill`, `die` with its exit code)
 * into the run's events. Returns a function that stops the stream.
 */
export async function watchContainerEvents(docker: Docker, runId: string, record: (event: HarnessEvent) => void): Promise<() => void> {
  const stream = (await docker.getEvents({
    filters: JSON.stringify({ type: ["container"], event: ACTIONS, label: [`${RUN_LABEL}=${runId}`] }),
  })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  let buffered = "";
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) record(toHarnessEvent(JSON.parse(line)));
    }
  });
  stream.on("error", () => undefined);
  return () => stream.destroy();
}

interface DockerEventMessage {
  Action: string;
  timeNano?: number;
  time?: number;
  Actor?: { Attributes?: Record<string, string> };
}

function toHarnessEvent(message: DockerEventMessage): HarnessEvent {
  const attributes = message.Actor?.Attributes ?? {};
  const kept = Object.fromEntries(KEPT_ATTRIBUTES.filter((k) => k in attributes).map((k) => [k, attributes[k]!]));
  return {
    kind: "container",
    at: message.timeNano ? message.timeNano / 1e6 : (message.time ?? 0) * 1000,
    container: (attributes[ROLE_LABEL] ?? "app") as LogSource,
    ...(attributes[INSTANCE_LABEL] ? { instance: attributes[INSTANCE_LABEL] } : {}),
    action: message.Action.split(":")[0]!,
    attributes: kept,
  };
}
