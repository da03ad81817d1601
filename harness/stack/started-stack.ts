import type Docker from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import type { ServerSlot } from "../balancer/haproxy-config.ts";
import { removeContainer } from "../cleanup/container-registry.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { errorMessage, UsageError } from "../core/errors.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { EventLog } from "../events/event-log.ts";
import { type ExitLine, isExitLine, type WorkerRoster, workerRoster } from "../events/worker-roster.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import type { DbProxy } from "../proxy/db-proxy.ts";
import type { Target } from "../target/define-target.ts";
import { AppHandle } from "./app-handle.ts";
import type { AppLauncher, AppReplica } from "./app-launcher.ts";
import type { Balancer } from "./balancer.ts";
import { DatabaseHandle } from "./database-handle.ts";
import { type GunicornConfig, resolveGunicornConfig, settingMismatches } from "./gunicorn-config.ts";
import { healthAnswers } from "./gunicorn-ready.ts";
import type { Observations } from "./observations.ts";
import { ReplicaSet } from "./replica-set.ts";
import type { StackOptions } from "./stack-options.ts";

export interface Ports {
  app: number;
  /** Where Postgres listens; the app reaches it through the proxy's port. */
  db: number;
  proxy: number;
}

export interface AppState {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
}

interface Parts {
  docker: Docker;
  image: string;
  target: Target;
  run: RunContext;
  options: StackOptions;
  ports: Ports;
  /** The app containers running now, oldest first; one in an ordinary run. */
  replicas: AppReplica[];
  launcher: AppLauncher;
  /** HAProxy, in a run with replicas; and the server slots it was configured with. */
  balancer: Balancer | undefined;
  slots: ServerSlot[];
  db: StartedTestContainer | undefined;
  proxy: DbProxy | undefined;
  observations: Observations;
  stopWatching: () => void;
}

/**
 * The system under test, running: the app (the oldest replica still running), the database, and the
 * replicas behind the balancer, each behind its own handle (what faults may do is `FaultTarget`, in
 * harness/faults/fault-target.ts), plus the run's evidence (events, logs). `await using stack = await
 * new Stack(...).start(...)` removes every container whatever happens.
 */
export class StartedStack implements AsyncDisposable {
  private disposed = false;
  /** Every app container this stack started, removed or not: stop() removes what is left. */
  private readonly everyReplica: AppReplica[];
  /** The oldest replica still running: its master, workers and container. */
  readonly app: AppHandle;
  /** The harness's Postgres and its proxy; undefined when none runs. */
  readonly database: DatabaseHandle | undefined;
  /** The replicas behind HAProxy; undefined in a run without a balancer. */
  readonly replicaSet: ReplicaSet | undefined;

  constructor(private readonly parts: Parts) {
    this.everyReplica = [...parts.replicas];
    this.app = new AppHandle({
      docker: parts.docker,
      container: () => this.appContainer,
      url: () => this.url,
      healthPath: parts.target.health,
      roster: () => this.roster(),
      worker: parts.options.worker,
    });
    this.database = parts.db
      ? new DatabaseHandle({
          docker: parts.docker,
          container: parts.db,
          port: parts.ports.db,
          proxy: parts.proxy,
          lockTable: parts.target.database ? parts.target.database.lockTable : undefined,
          logs: parts.observations.logs,
        })
      : undefined;
    this.replicaSet = parts.balancer
      ? new ReplicaSet({
          docker: parts.docker,
          replicas: parts.replicas,
          everyReplica: this.everyReplica,
          launcher: parts.launcher,
          slots: parts.slots,
          api: parts.balancer.api,
        })
      : undefined;
  }

  get options(): StackOptions {
    return this.parts.options;
  }
  get target(): Target {
    return this.parts.target;
  }
  /** The target's name (what faults say in their messages). */
  get targetName(): string {
    return this.parts.target.name;
  }
  get runId(): string {
    return this.parts.run.runId;
  }
  /** Where users connect: the app, or the balancer in front of the replicas. */
  get url(): string {
    return this.parts.balancer?.url ?? `http://127.0.0.1:${this.parts.ports.app}`;
  }
  /** HAProxy, in a run with replicas. */
  get balancer(): Balancer | undefined {
    return this.parts.balancer;
  }
  /** The replicas running now, oldest first (instance names, e.g. `web-1`). */
  get replicas(): readonly AppReplica[] {
    return this.parts.replicas;
  }
  get events(): EventLog {
    return this.parts.observations.events;
  }
  get logs(): RunLogs {
    return this.parts.observations.logs;
  }
  get image(): string {
    return this.parts.image;
  }

  /** The worker count: the configured one, or, where it is left to the app, how many workers the oldest replica runs. */
  get workers(): number {
    return this.options.workers === "app" ? Math.max(1, this.roster().alive.length) : this.options.workers;
  }

  /** The oldest replica's gunicorn master, its settings as gunicorn resolved them (config file, GUNICORN_CMD_ARGS, command line). */
  gunicornConfig(): Promise<GunicornConfig> {
    return resolveGunicornConfig(this.parts.docker, this.appContainer);
  }

  /**
   * What the master really runs with, read before any fault or measurement: a setting the harness passed that did not take
   * (the app's command line pins it) refuses the run, naming the setting and why. Settings that cannot be read are said
   * (`warn`), and the run goes on.
   */
  async checkedGunicornConfig(warn: (message: string) => void): Promise<GunicornConfig | undefined> {
    const config = await this.gunicornConfig().catch((caught: unknown) => {
      warn(`${errorMessage(caught)}; the run goes on with the settings unchecked`);
      return undefined;
    });
    if (!config) return undefined;
    const mismatches = settingMismatches(config, this.options, this.parts.replicas[0]!.port);
    if (mismatches.length)
      throw new UsageError(
        "SETTING_NOT_APPLIED",
        `${this.target.name} does not run with the settings this run needs:\n` +
          mismatches.map((m) => `  ${m.setting} is ${m.actual}, not ${m.wanted}: ${m.why}`).join("\n"),
      );
    return config;
  }

  private get appContainer(): Docker.Container {
    const primary = this.parts.replicas[0];
    if (!primary) throw new Error("no app container is running");
    return this.parts.docker.getContainer(primary.container.getId());
  }

  /** The workers as the log tells it (booted, ready, exited), of the oldest running replica. */
  roster(): WorkerRoster {
    return workerRoster(this.events.all, this.parts.replicas[0]?.instance);
  }

  /** Resolves with the master's (or the worker's own) line saying the worker ended. */
  waitForExitLine(pid: number, timeoutMs = 30_000): Promise<ExitLine> {
    return this.events.waitFor((e): e is ExitLine => isExitLine(e) && e.pid === pid, timeoutMs, `an exit line for worker ${pid}`);
  }

  /** The target's health path answers 2xx within a second. */
  healthy(): Promise<boolean> {
    return healthAnswers(`${this.url}${this.target.health}`);
  }

  /** Records the memory cgroup's counters as evidence (the classifier confirms OOM kills with them); no-op once the app is gone. */
  async recordMemory(): Promise<void> {
    const memory = await this.app.memory().catch(() => undefined);
    if (memory)
      this.events.record({
        kind: "cgroup",
        at: Date.now(),
        oomKills: memory.oomKills,
        limitBytes: memory.limitBytes,
        usageBytes: memory.usageBytes,
      });
  }

  /** Records the balancer's counters per replica as evidence (what its request log leaves out); no-op without a balancer. */
  async recordBalancerStats(): Promise<void> {
    const servers = await this.parts.balancer?.api.servers().catch(() => undefined);
    if (servers)
      this.events.record({
        kind: "lb-stats",
        at: Date.now(),
        servers: servers.map(({ name, total, responseErrors, serverAborts, reused, connects }) => ({
          server: name,
          total,
          responseErrors,
          serverAborts,
          reused,
          connects,
        })),
      });
  }

  async appState(): Promise<AppState> {
    const { State } = await this.appContainer.inspect();
    return { running: State.Running, exitCode: State.ExitCode, oomKilled: State.OOMKilled };
  }

  /** Waits until the app container has stopped (the master exited); resolves with its state, or undefined on timeout. */
  async waitForAppExit(timeoutMs: number): Promise<AppState | undefined> {
    return pollUntil(
      async () => {
        const state = await this.appState();
        return state.running ? undefined : state;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Stops watching, reads the last log lines, removes every container (replicas, balancer, database). Safe to call twice. */
  async stop(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.events.record({ kind: "phase", at: Date.now(), phase: "teardown" });
    await this.logs.drain(500);
    this.parts.stopWatching();
    await this.parts.proxy?.stop();
    const ids = [
      ...this.everyReplica.map((r) => r.container.getId()),
      this.parts.balancer?.container.getId(),
      this.parts.db?.getId(),
    ].filter((id): id is string => Boolean(id));
    const failures = (await Promise.allSettled(ids.map((id) => removeContainer(id)))).filter((r) => r.status === "rejected");
    if (failures.length > 0)
      throw new AggregateError(
        failures.map((f) => (f as PromiseRejectedResult).reason),
        "Could not remove every container",
      );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
