import { dockerClient } from "../engine/docker-client.ts";
import { RUN_LABEL } from "./run-context.ts";

/** Containers this process started and has not removed yet: what an interrupt must clean up. */
const live = new Set<string>();

/** How many containers this process started and has not removed. */
export function liveContainerCount(): number {
  return live.size;
}

export function trackContainer(id: string): void {
  live.add(id);
}

/** Force-removes a container (and its anonymous volumes); a container already gone is fine. */
export async function removeContainer(id: string): Promise<void> {
  try {
    await dockerClient().getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  } finally {
    live.delete(id);
  }
}

/** Removes every container of one run, including one created but never started (a start that failed half-way). */
export async function removeRunContainers(runId: string): Promise<void> {
  const containers = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }) });
  await Promise.allSettled(containers.map((c) => removeContainer(c.Id)));
}

/** Removes everything this process still has; errors are collected, not thrown one by one. */
export async function removeAllContainers(): Promise<Error[]> {
  const results = await Promise.allSettled([...live].map((id) => removeContainer(id)));
  return results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
}
