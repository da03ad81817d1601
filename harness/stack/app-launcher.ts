import type Docker from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import type { RunContext } from "../cleanup/run-context.ts";
import type { Target, TargetConfig } from "../target/define-target.ts";
import { GunicornReady } from "./gunicorn-ready.ts";
import { HarnessContainer } from "./harness-container.ts";
import type { Observations } from "./observations.ts";
import { appEnvironment, type StackOptions } from "./stack-options.ts";

/** One app container: gunicorn and its workers on a loopback port. */
export interface AppReplica {
  /** Its name in a run with replicas (`web-1`); undefined for the single app container of an ordinary run. */
  instance: string | undefined;
  port: number;
  container: StartedTestContainer;
}

interface LaunchParts {
  docker: Docker;
  image: string;
  /** The image's own environment: its GUNICORN_CMD_ARGS, if any, comes before the harness's. */
  imageEnv: Record<string, string>;
  target: Target;
  config: TargetConfig;
  options: StackOptions;
  run: RunContext;
  observations: Observations;
  /** The database's ports (the app reaches Postgres through the proxy). */
  dbPorts: { db: number; proxy: number };
}

/** Boots app containers the same way every time: the first at the stack's start, and each new replica of a deploy. */
export class AppLauncher {
  constructor(private readonly parts: LaunchParts) {}

  /** Starts one app container on `port` and resolves once every worker is ready and the health path answers. */
  async launch(port: number, instance?: string): Promise<AppReplica> {
    const { docker, image, target, config, options, run, observations } = this.parts;
    const ready = new GunicornReady(
      observations.events,
      observations.logs,
      options.workers,
      `http://127.0.0.1:${port}${target.health}`,
      instance,
    );
    const app = new HarnessContainer(image, "app", run, observations.logs, docker, instance)
      .withEnvironment(appEnvironment(target, options, { app: port, ...this.parts.dbPorts }, config.env, this.parts.imageEnv))
      .withWaitStrategy(ready)
      .withStartupTimeout((target.readyTimeoutS ?? options.readyTimeoutS) * 1000);
    const command = config.command ?? target.command;
    if (command) app.withCommand(command);
    const memoryLimitMb = options.memoryLimitMb ?? target.memoryLimitMb;
    if (memoryLimitMb) app.withResourcesQuota({ memory: memoryLimitMb / 1024 });
    return { instance, port, container: await app.start() };
  }
}
