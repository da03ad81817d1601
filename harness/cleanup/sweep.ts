import { dockerClient } from "../engine/docker-client.ts";
import { removeContainer } from "./container-registry.ts";
import { OWNER_LABEL, ownerIsAlive, RUN_LABEL } from "./run-context.ts";

export interface SweepResult {
  removed: string[];
  runs: string[];
}

/**
 * Removes containers left by harness runs whose process is gone (killed with SIGKILL, machine crash).
 * Containers of runs still in progress (another terminal, another test worker) are left alone.
 */
export async function sweepStaleContainers(): Promise<SweepResult> {
  const containers = await dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [RUN_LABEL] }) });
  const stale = containers.filter((c) => !ownerIsAlive(c.Labels[OWNER_LABEL]));
  await Promise.all(stale.map((c) => removeContainer(c.Id)));
  return {
    removed: stale.map((c) => c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12)),
    runs: [...new Set(stale.map((c) => c.Labels[RUN_LABEL] ?? "?"))],
  };
}
