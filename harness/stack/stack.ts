import getPort from "get-port";
import type { StartedTestContainer } from "testcontainers";
import { removeRunContainers } from "../cleanup/container-registry.ts";
import { ensureReaper } from "../cleanup/reaper.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { watchContainerEvents } from "../control/container-events.ts";
import { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import { DbProxy } from "../proxy/db-proxy.ts";
import { type Target, variantOf } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { ensureTargetImage } from "../target/target-image.ts";
import { GunicornReady } from "./gunicorn-ready.ts";
import { HarnessContainer } from "./harness-container.ts";
import { Observations } from "./observations.ts";
import { runInitSql, startPostgres } from "./postgres.ts";
import { appEnvironment, type StackOptions, type StackOptionsInput, stackOptionsSchema } from "./stack-options.ts";
import { type Ports, StartedStack } from "./started-stack.ts";

export interface StartContext {
  run: RunContext;
  progress?: Progress;
  /** Pass your own to keep what was observed even when the start fails. */
  observations?: Observations;
}

/** The system under test, configured: a target's app (gunicorn + workers) and, when it has one, the harness's Postgres. */
export class Stack {
  readonly options: StackOptions;

  /** `target` defaults to the demo backend (docker/demo.target.ts). */
  constructor(
    options: StackOptionsInput = {},
    private readonly target?: Target,
  ) {
    this.options = stackOptionsSchema.parse(options);
  }

  /** Boots Postgres (behind the harness's proxy), then the app, and resolves once every worker is ready; cleans up after itself on failure. */
  async start({
    run,
    progress = new Progress(process.stderr, true),
    observations = new Observations(),
  }: StartContext): Promise<StartedStack> {
    const docker = await requireDocker();
    const target = this.target ?? (await loadTarget());
    const variant = variantOf(target, this.options.config);
    const suite = await ensureSuiteImages(this.options.suite, progress);
    const image = await ensureTargetImage(target, suite, progress);
    // Before the first container: what this process starts is removed even if it is SIGKILLed.
    await ensureReaper(suite.base, (message) => progress.warn(message));
    const { events, logs } = observations;
    const stopWatching = await watchContainerEvents(docker, run.runId, (e) => events.record(e));
    const ports: Ports = { app: await freeLoopbackPort(), db: await freeLoopbackPort(), proxy: await freeLoopbackPort() };
    events.record({
      kind: "phase",
      at: Date.now(),
      phase: "booting",
      detail: `${target.name} on ${this.options.suite}, ${this.options.workers} workers`,
    });
    const started: StartedTestContainer[] = [];
    let proxy: DbProxy | undefined;
    try {
      let db: StartedTestContainer | undefined;
      if (target.database && this.options.db.running) {
        db = await startPostgres(suite.db, ports.db, run, logs, docker);
        started.push(db);
        if (target.database.init) await runInitSql(docker, db, ports.db, target.database.init);
        proxy = await DbProxy.start({ host: "127.0.0.1", port: ports.db }, ports.proxy);
      }
      const ready = new GunicornReady(events, logs, this.options.workers, `http://127.0.0.1:${ports.app}${target.health}`);
      const app = new HarnessContainer(image, "app", run, logs, docker)
        .withEnvironment(appEnvironment(target, this.options, ports, variant.env))
        .withWaitStrategy(ready)
        .withStartupTimeout((target.readyTimeoutS ?? this.options.readyTimeoutS) * 1000);
      const command = variant.command ?? target.command;
      if (command) app.withCommand(command);
      const memoryLimitMb = this.options.memoryLimitMb ?? target.memoryLimitMb;
      if (memoryLimitMb) app.withResourcesQuota({ memory: memoryLimitMb / 1024 });
      started.push(await app.start());
      events.record({ kind: "phase", at: Date.now(), phase: "ready" });
      return new StartedStack({
        docker,
        image,
        target,
        run,
        options: this.options,
        ports,
        app: started.at(-1)!,
        db,
        proxy,
        observations,
        stopWatching,
      });
    } catch (error) {
      await logs.drain(200);
      stopWatching();
      await proxy?.stop();
      await removeRunContainers(run.runId);
      throw error;
    }
  }
}

async function freeLoopbackPort(): Promise<number> {
  return getPort({ host: "127.0.0.1" });
}
