import type Docker from "dockerode";
import { GenericContainer } from "testcontainers";
import { trackContainer } from "../cleanup/container-registry.ts";
import { INSTANCE_LABEL, ROLE_LABEL, type RunContext } from "../cleanup/run-context.ts";
import type { LogSource } from "../events/events.ts";
import type { RunLogs } from "../logs/run-logs.ts";

// No Ryuk (its image cannot be pulled here; our labels and sweep clean up) and no bridge network.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";

/**
 * A testcontainers container with the harness's habits: host networking (servers bind 127.0.0.1),
 * the run's labels, tracked for cleanup from the moment it exists, its output followed from the
 * first byte, no core files. An app replica has an instance name (`web-1`): in its container's name,
 * on a label, and on every line it prints.
 */
export class HarnessContainer extends GenericContainer {
  private containerId: string | undefined;

  constructor(
    image: string,
    private readonly role: LogSource,
    run: RunContext,
    private readonly logs: RunLogs,
    private readonly docker: Docker,
    private readonly instance?: string,
  ) {
    super(image);
    this.withNetworkMode("host")
      .withName(`${run.runId}-${instance ?? role}`)
      .withLabels({ ...run.labels, [ROLE_LABEL]: role, ...(instance ? { [INSTANCE_LABEL]: instance } : {}) })
      .withUlimits({ core: { soft: 0, hard: 0 } });
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.containerId = containerId;
    trackContainer(containerId);
  }

  protected override async containerStarting(): Promise<void> {
    if (this.containerId)
      await this.logs.follow(this.docker.getContainer(this.containerId), this.docker, this.role, undefined, this.instance);
  }
}
