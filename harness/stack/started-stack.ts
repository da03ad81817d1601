import type Docker from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import type { ServerSlot } from "../balancer/haproxy-config.ts";
import { removeContainer } from "../cleanup/container-registry.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { type ExecResult, execIn, startIn } from "../control/exec.ts";
import { type MemoryCgroup, readMemoryCgroup } from "../control/memory-cgroup.ts";
import { type PinnedRequest, sendPinnedRequest } from "../control/pinned-request.ts";
import { gunicornWorkers, listProcesses, type ProcessInfo } from "../control/processes.ts";
import { type MasterSignal, signalMaster, signalProcess, type WorkerSignal } from "../control/signals.ts";
import { errorMessage, UsageError } from "../core/errors.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { EventLog } from "../events/event-log.ts";
import { type ExitLine, isExitLine, type WorkerRoster, workerRoster } from "../events/worker-roster.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import type { DbProxy } from "../proxy/db-proxy.ts";
import type { Target } from "../target/define-target.ts";
import type { AppLauncher, AppReplica } from "./app-launcher.ts";
import type { Balancer } from "./balancer.ts";
import { type GunicornConfig, resolveGunicornConfig, settingMismatches } from "./gunicorn-config.ts";
import { healthAnswers } from "./gunicorn-ready.ts";
import type { Observations } from "./observations.ts";
import { psql } from "./postgres.ts";
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
 * Versions, the worker class, and what its "auto" picks in this image. UvicornWorker: httptools or h11 to
 * parse HTTP (httptools only if it imports), as `pip install uvicorn[standard]` would bring. gunicorn's asgi
 * worker: its C parser gunicorn_h1c if it imports, else its Python parser. Both: uvloop or asyncio.
 */
const VERSIONS = `import json, platform, sys, fastapi, gunicorn
found = {"gunicorn": gunicorn.__version__, "fastapi": fastapi.__version__, "python": platform.python_version(), "worker": sys.argv[1]}
try:
    import uvicorn
    found["uvicorn"] = uvicorn.__version__
except ImportError:
    pass
try:
    if sys.argv[1] == "asgi":
        try:
            import gunicorn_h1c
            found["http"] = "gunicorn_h1c"
        except ImportError:
            found["http"] = "gunicorn's Python parser"
    else:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol
        found["http"] = {"HttpToolsProtocol": "httptools", "H11Protocol": "h11"}.get(AutoHTTPProtocol.__name__, AutoHTTPProtocol.__name__)
except Exception:
    pass
try:
    import uvloop
    found["loop"] = "uvloop " + uvloop.__version__
except ImportError:
    found["loop"] = "asyncio"
print(json.dumps(found))`;

/**
 * The system under test, running. Control (signals, exec) and evidence (events, logs, inspect, cgroup)
 * go through dockerode. `await using stack = await new Stack(...).start(...)` removes every container
 * whatever happens. With replicas, the methods that act on "the app" act on the oldest replica still
 * running; those that take an instance act on that one.
 */
export class StartedStack implements AsyncDisposable {
  private disposed = false;
  /** Every app container this stack started, removed or not: stop() removes what is left. */
  private readonly everyReplica: AppReplica[];

  constructor(private readonly parts: Parts) {
    this.everyReplica = [...parts.replicas];
  }

  get options(): StackOptions {
    return this.parts.options;
  }
  get target(): Target {
    return this.parts.target;
  }
  /** The proxy between the app and Postgres (none when the target has no database, or it is down from the start). */
  get dbProxy(): DbProxy | undefined {
    return this.parts.proxy;
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

  /** What really runs in the app container: gunicorn, uvicorn, FastAPI and Python versions, the HTTP parser and the event loop. */
  async versions(): Promise<Record<string, string>> {
    const result = await execIn(this.parts.docker, this.appContainer, ["python3", "-c", VERSIONS, this.options.worker]).catch(
      () => undefined,
    );
    try {
      return result?.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, string>) : {};
    } catch {
      return {};
    }
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

  private replica(instance: string): AppReplica {
    const found = this.parts.replicas.find((r) => r.instance === instance);
    if (!found) throw new Error(`no running replica named ${instance} (running: ${this.parts.replicas.map((r) => r.instance).join(", ")})`);
    return found;
  }

  private containerOf(instance: string): Docker.Container {
    return this.parts.docker.getContainer(this.replica(instance).container.getId());
  }

  /** The workers as the log tells it (booted, ready, exited), of the oldest running replica. */
  roster(): WorkerRoster {
    return workerRoster(this.events.all, this.parts.replicas[0]?.instance);
  }

  /**
   * Boots a new replica in the next free server slot (in maintenance on the balancer until enabled) and
   * resolves once its workers are ready. Fails when every slot has been used.
   */
  async launchReplica(): Promise<AppReplica> {
    const used = new Set(this.everyReplica.map((r) => r.instance));
    const slot = this.parts.slots.find((s) => !used.has(s.name));
    if (!slot) throw new Error(`no free replica slot: the balancer was configured with ${this.parts.slots.length}`);
    const replica = await this.parts.launcher.launch(slot.port, slot.name);
    this.everyReplica.push(replica);
    this.parts.replicas.push(replica);
    return replica;
  }

  /** Sends a signal to one replica's gunicorn master (as a platform stops an instance). */
  async signalReplica(instance: string, signal: MasterSignal): Promise<void> {
    await signalMaster(this.containerOf(instance), signal);
  }

  /** Waits until one replica's container has stopped; its state, or undefined on timeout. */
  async waitForReplicaExit(instance: string, timeoutMs: number, signal?: AbortSignal): Promise<AppState | undefined> {
    const container = this.containerOf(instance);
    return pollUntil(
      async () => {
        const { State } = await container.inspect();
        return State.Running ? undefined : { running: false, exitCode: State.ExitCode, oomKilled: State.OOMKilled };
      },
      { timeoutMs, intervalMs: 100, signal },
    );
  }

  /** Removes a stopped replica's container (its log stream has ended) and forgets it. */
  async removeReplica(instance: string): Promise<void> {
    const replica = this.replica(instance);
    await removeContainer(replica.container.getId());
    this.parts.replicas.splice(this.parts.replicas.indexOf(replica), 1);
  }

  async signalMaster(signal: MasterSignal): Promise<void> {
    await signalMaster(this.appContainer, signal);
  }

  async signalWorker(pid: number, signal: WorkerSignal): Promise<void> {
    await signalProcess(this.parts.docker, this.appContainer, pid, signal);
  }

  /** Sends `path` to a known worker (pinned on a keep-alive connection); says which one got it. */
  sendPinnedRequest(path: string, timeoutMs = 120_000): Promise<PinnedRequest> {
    return sendPinnedRequest(this.url, this.target.health, path, timeoutMs);
  }

  /** Resolves with the master's (or the worker's own) line saying the worker ended. */
  waitForExitLine(pid: number, timeoutMs = 30_000): Promise<ExitLine> {
    return this.events.waitFor((e): e is ExitLine => isExitLine(e) && e.pid === pid, timeoutMs, `an exit line for worker ${pid}`);
  }

  /** The target's health path answers 2xx within a second. */
  healthy(): Promise<boolean> {
    return healthAnswers(`${this.url}${this.target.health}`);
  }

  /** A live worker's pid, oldest (first booted) or newest, as both the log and the process table agree. */
  async pickWorker(which: "oldest" | "newest"): Promise<number> {
    const live = new Set((await this.liveWorkers()).map((p) => p.pid));
    const alive = this.roster().alive.filter((pid) => live.has(pid));
    const pid = which === "oldest" ? alive[0] : alive.at(-1);
    if (pid === undefined) throw new Error("no live worker to pick");
    return pid;
  }

  /** Runs SQL as the app's database user inside the Postgres container (psql over its unix socket). */
  async sql(statement: string, applicationName = "chaos-harness"): Promise<ExecResult> {
    if (!this.parts.db) throw new Error("this stack runs no database");
    return psql(this.parts.docker, this.dbContainer, this.parts.ports.db, statement, applicationName);
  }

  /** Stops Postgres (the app's connections break, new ones are refused) and resolves once it is down. */
  async stopDatabase(): Promise<void> {
    await this.dbContainer.stop({ t: 2 });
  }

  /** Starts Postgres again, on the same port with the same data, and resolves once it accepts connections. */
  async startDatabase(): Promise<void> {
    const since = Math.floor(Date.now() / 1000);
    await this.dbContainer.start();
    await this.logs.follow(this.dbContainer, this.parts.docker, "db", since);
    const up = await pollUntil(async () => ((await this.sql("SELECT 1")).exitCode === 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    if (!up) throw new Error("Postgres did not accept connections within 30 s of its restart");
  }

  private get dbContainer(): Docker.Container {
    if (!this.parts.db) throw new Error("this stack runs no database");
    return this.parts.docker.getContainer(this.parts.db.getId());
  }

  /** Runs a command in the app container and waits for it. */
  execInApp(command: string[]): Promise<ExecResult> {
    return execIn(this.parts.docker, this.appContainer, command);
  }

  /** Starts a command in the app container and returns at once; it must bound itself. */
  startInApp(command: string[]): Promise<void> {
    return startIn(this.appContainer, command);
  }

  async processes(): Promise<ProcessInfo[]> {
    return listProcesses(this.parts.docker, this.appContainer);
  }

  /** Worker processes alive right now (children of the master), as `ps` sees them. */
  async liveWorkers(): Promise<ProcessInfo[]> {
    return gunicornWorkers(await this.processes());
  }

  async memory(): Promise<MemoryCgroup | undefined> {
    return readMemoryCgroup(this.parts.docker, this.appContainer);
  }

  /** Records the memory cgroup's counters as evidence (the classifier confirms OOM kills with them); no-op once the app is gone. */
  async recordMemory(): Promise<void> {
    const memory = await this.memory().catch(() => undefined);
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
