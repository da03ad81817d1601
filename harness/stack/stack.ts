import type Docker from "dockerode";
import getPort from "get-port";
import type { StartedTestContainer } from "testcontainers";
import { DEFAULT_TUNING, type ServerSlot } from "../balancer/haproxy-config.ts";
import { removeRunContainers } from "../cleanup/container-registry.ts";
import { ensureReaper } from "../cleanup/reaper.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { watchContainerEvents } from "../control/container-events.ts";
import { EnvironmentError } from "../core/errors.ts";
import { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import { DbProxy } from "../proxy/db-proxy.ts";
import { type Target, targetConfig } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { ensureTargetImage } from "../target/target-image.ts";
import { AppLauncher, type AppReplica } from "./app-launcher.ts";
import { Balancer } from "./balancer.ts";
import { Observations } from "./observations.ts";
import { runInitSql, startPostgres } from "./postgres.ts";
import { checkWorkerClass, type StackOptions, type StackOptionsInput, stackOptionsSchema } from "./stack-options.ts";
import { type Ports, StartedStack } from "./started-stack.ts";

export interface StartContext {
  run: RunContext;
  progress?: Progress;
  /** Pass your own to keep what was observed even when the start fails. */
  observations?: Observations;
}

/**
 * The system under test, configured: a target's app (gunicorn + workers) and, when it has one, the
 * harness's Postgres. With `replicas` (or `balancer`), several app containers behind HAProxy.
 */
export class Stack {
  readonly options: StackOptions;

  /** `target` defaults to the demo backend (docker/demo.target.ts). */
  constructor(
    options: StackOptionsInput = {},
    private readonly target?: Target,
  ) {
    this.options = stackOptionsSchema.parse(options);
  }

  /** Boots Postgres (behind the harness's proxy), then the app (its replicas and HAProxy), and resolves once every worker is ready; cleans up after itself on failure. */
  async start({
    run,
    progress = new Progress(process.stderr, true),
    observations = new Observations(),
  }: StartContext): Promise<StartedStack> {
    const docker = await requireDocker();
    const target = this.target ?? (await loadTarget());
    const config = targetConfig(target, this.options.config);
    checkWorkerClass(target, this.options);
    const suite = await ensureSuiteImages(this.options.suite, progress);
    const image = await ensureTargetImage(target, suite, progress);
    // Before the first container: what this process starts is removed even if it is SIGKILLed.
    await ensureReaper(suite.base, (message) => progress.warn(message));
    const { events, logs } = observations;
    const stopWatching = await watchContainerEvents(docker, run.runId, (e) => events.record(e));
    const ports: Ports = { app: await freeLoopbackPort(), db: await freeLoopbackPort(), proxy: await freeLoopbackPort() };
    const { replicas } = this.options;
    events.record({
      kind: "phase",
      at: Date.now(),
      phase: "booting",
      detail: `${target.name} on ${this.options.suite}${this.options.worker === "uvicorn" ? "" : ` (${this.options.worker} worker)`}, ${replicas > 1 ? `${replicas} replicas × ` : ""}${this.options.workers === "app" ? "the app's own count of" : this.options.workers} workers`,
    });
    let proxy: DbProxy | undefined;
    try {
      let db: StartedTestContainer | undefined;
      if (target.database && this.options.db.running) {
        db = await startPostgres(suite.db, ports.db, run, logs, docker, target.database.password);
        if (target.database.init) await runInitSql(docker, db, ports.db, target.database.init);
        proxy = await DbProxy.start({ host: "127.0.0.1", port: ports.db }, ports.proxy);
      }
      const launcher = new AppLauncher({
        docker,
        image,
        imageEnv: await imageEnvironment(docker, image),
        target,
        config,
        options: this.options,
        run,
        observations,
        dbPorts: { db: ports.db, proxy: ports.proxy },
      });
      let apps: AppReplica[];
      let balancer: Balancer | undefined;
      const slots: ServerSlot[] = [];
      if (replicas === 1 && !this.options.balancer) {
        apps = [await launcher.launch(ports.app)];
      } else {
        // Room for every replica twice over: a deploy starts each new one beside the old one it replaces.
        for (let i = 0; i < replicas * 2; i++) slots.push({ name: `web-${i + 1}`, port: await freeLoopbackPort(), enabled: i < replicas });
        balancer = await Balancer.start(
          suite.base,
          {
            port: ports.app,
            apiPort: await freeLoopbackPort(),
            healthPath: target.health,
            servers: slots,
            tuning: { ...DEFAULT_TUNING, ...this.options.balancer },
          },
          run,
          logs,
          docker,
        );
        apps = await Promise.all(slots.filter((slot) => slot.enabled).map((slot) => launcher.launch(slot.port, slot.name)));
        for (const app of apps) {
          if (!(await balancer.api.waitUntilUp(app.instance!, 10_000)))
            throw new EnvironmentError(
              "STACK_NOT_READY",
              `HAProxy did not see replica ${app.instance} pass its health check (${target.health}) within 10 s.`,
            );
        }
      }
      events.record({ kind: "phase", at: Date.now(), phase: "ready" });
      return new StartedStack({
        docker,
        image,
        target,
        run,
        options: this.options,
        ports,
        replicas: apps,
        launcher,
        balancer,
        slots,
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

/** The image's own environment (its Dockerfile's ENV lines): a GUNICORN_CMD_ARGS set there is kept, the harness's settings appended. */
async function imageEnvironment(docker: Docker, image: string): Promise<Record<string, string>> {
  const { Config } = await docker.getImage(image).inspect();
  return Object.fromEntries((Config.Env ?? []).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** Ports handed out by this process: get-port alone can give the same free port to two calls before either binds it. */
const handedOut = new Set<number>();

async function freeLoopbackPort(): Promise<number> {
  const port = await getPort({ host: "127.0.0.1", exclude: handedOut });
  handedOut.add(port);
  return port;
}
