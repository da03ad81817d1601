import type Docker from "dockerode";
import { type StartedTestContainer, Wait } from "testcontainers";
import { type BalancerConfig, haproxyConfig } from "../balancer/haproxy-config.ts";
import { BalancerApi } from "../balancer/runtime-api.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import { HarnessContainer } from "./harness-container.ts";

const CONFIG_PATH = "/etc/chaos-harness/haproxy.cfg";

/**
 * HAProxy in front of the replicas: Debian's, from the suite's base image, host network, bound to
 * loopback. Users' load goes through it; its request log is part of the run's events; the harness
 * drives it through its runtime API.
 */
export class Balancer {
  readonly api: BalancerApi;

  private constructor(
    readonly config: BalancerConfig,
    readonly container: StartedTestContainer,
  ) {
    this.api = new BalancerApi(config.apiPort);
  }

  static async start(image: string, config: BalancerConfig, run: RunContext, logs: RunLogs, docker: Docker): Promise<Balancer> {
    const container = await new HarnessContainer(image, "lb", run, logs, docker)
      .withCopyContentToContainer([{ content: haproxyConfig(config), target: CONFIG_PATH }])
      // -db: stay in the foreground, log to stdout. -W would fork a master; one process is what we signal and read.
      .withCommand(["haproxy", "-db", "-f", CONFIG_PATH])
      // Its request log's dates (%tr) are local time: UTC, as the parser reads them.
      .withEnvironment({ TZ: "UTC" })
      .withWaitStrategy(Wait.forSuccessfulCommand(`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${config.apiPort}'`))
      .withStartupTimeout(15_000)
      .start();
    return new Balancer(config, container);
  }

  get url(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }
}
