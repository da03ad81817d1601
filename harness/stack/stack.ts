import type Docker from "dockerode";
import getPort from "get-port";
import { type StartedTestContainer, Wait } from "testcontainers";
import { removeContainer } from "../cleanup/container-registry.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { watchContainerEvents } from "../control/container-events.ts";
import { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import { gunicornCommand } from "../images/gunicorn-configs.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import { GunicornReady } from "./gunicorn-ready.ts";
import { HarnessContainer } from "./harness-container.ts";
import { Observations } from "./observations.ts";
import { appEnvironment, type StackOptions, type StackOptionsInput, stackOptionsSchema } from "./stack-options.ts";
import { type Ports, StartedStack } from "./started-stack.ts";

export interface StartContext {
  run: RunContext;
  progress?: Progress;
  /** Pass your own to keep what was observed even when the start fails. */
  observations?: Observations;
}

/** The system under test, configured: Postgres and Gunicorn + UvicornWorker + FastAPI, each in a container. */
export class Stack {
  readonly options: StackOptions;

  constructor(options: StackOptionsInput = {}) {
    this.options = stackOptionsSchema.parse(options);
  }

  /** Boots Postgres, then the app, and resolves once every worker is ready; cleans up after itself on failure. */
  async start({
    run,
    progress = new Progress(process.stderr, true),
    observations = new Observations(),
  }: StartContext): Promise<StartedStack> {
    const docker = await requireDocker();
    const image = await ensureSuiteImages(this.options.suite, progress);
    const { events, logs } = observations;
    const stopWatching = await watchContainerEvents(docker, run.runId, (e) => events.record(e));
    const ports = { app: await freeLoopbackPort(), db: await freeLoopbackPort() };
    events.record({ kind: "phase", at: Date.now(), phase: "booting", detail: `${this.options.suite}, ${this.options.workers} workers` });
    const started: StartedTestContainer[] = [];
    try {
      const db = this.options.db.running ? await startPostgres(image, ports.db, run, logs, docker) : undefined;
      if (db) started.push(db);
      const app = await this.startApp(image, ports, run, observations, docker);
      started.push(app);
      events.record({ kind: "phase", at: Date.now(), phase: "ready" });
      return new StartedStack({ docker, image, run, options: this.options, ports, app, db, observations, stopWatching });
    } catch (error) {
      await logs.drain(200);
      stopWatching();
      await Promise.allSettled(started.map((c) => removeContainer(c.getId())));
      throw error;
    }
  }

  private startApp(image: string, ports: Ports, run: RunContext, { events, logs }: Observations, docker: Docker) {
    const ready = new GunicornReady(events, logs, this.options.workers, `http://127.0.0.1:${ports.app}/health`);
    const container = new HarnessContainer(image, "app", run, logs, docker)
      .withCommand(gunicornCommand(this.options.config))
      .withEnvironment(appEnvironment(this.options, ports))
      .withWaitStrategy(ready)
      .withStartupTimeout(this.options.readyTimeoutS * 1000);
    if (this.options.memoryLimitMb) container.withResourcesQuota({ memory: this.options.memoryLimitMb / 1024 });
    return container.start();
  }
}

function startPostgres(image: string, port: number, run: RunContext, logs: RunLogs, docker: Docker) {
  return new HarnessContainer(image, "db", run, logs, docker)
    .withUser("postgres")
    .withCommand(["start-postgres"])
    .withEnvironment({ PGPORT: String(port) })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
    .withStartupTimeout(30_000)
    .start();
}

async function freeLoopbackPort(): Promise<number> {
  return getPort({ host: "127.0.0.1" });
}
