import getPort from "get-port";
import { Wait } from "testcontainers";
import { removeRunContainers } from "../cleanup/container-registry.ts";
import { ensureReaper } from "../cleanup/reaper.ts";
import type { RunContext } from "../cleanup/run-context.ts";
import { EnvironmentError, errorMessage } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { workerRoster } from "../events/worker-roster.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import type { SuiteName } from "../images/suites.ts";
import { AppHandle } from "../stack/app-handle.ts";
import { type GunicornConfig, resolveGunicornConfig } from "../stack/gunicorn-config.ts";
import { HarnessContainer } from "../stack/harness-container.ts";
import { Observations } from "../stack/observations.ts";
import { databaseEnvironment, runInitSql, startPostgres } from "../stack/postgres.ts";
import { type Target, targetConfig } from "../target/define-target.ts";
import { ensureTargetImage } from "../target/target-image.ts";

/** What doctor read of a target in its own image: gunicorn's settings as the master resolved them, and what runs. */
export interface ResolvedTarget {
  image: string;
  gunicorn: GunicornConfig;
  /** gunicorn, uvicorn, FastAPI and Python versions, the HTTP parser and the event loop (versions.py); empty when unreadable. */
  versions: Record<string, string>;
  /** The CPUs the Docker engine's machine has: what multiprocessing.cpu_count() returns in the container. */
  hostCpus: number;
  /**
   * With a CPU limit below the host's: the worker count when Python is told another CPU count (PYTHON_CPU_COUNT, Python 3.13+).
   * A count that changes was computed from the CPUs; undefined when not probed (no limit, or an older Python).
   */
  cpuProbe?: { cpus: number; workers: number };
}

export interface ReadOptions {
  config: string;
  suite: SuiteName;
  /** The CPU limit the team runs under: the container gets it too, so a config that reads its quota sees it. */
  cpus?: number;
  run: RunContext;
  progress: Progress;
}

/**
 * Builds the target's image and starts its app as the team ships it: the image's command (or the target's), the target's
 * and the config's environment, and none of the settings a scenario imposes (GUNICORN_CMD_ARGS gets only a loopback
 * bind), with the harness's Postgres when the target has a database. Once the master has loaded its config (its first
 * worker boots), gunicorn's own loader resolves the settings inside the container. Every container is removed before
 * this returns.
 */
export async function readResolvedConfig(
  target: Target,
  { config: configName, suite: suiteName, cpus, run, progress }: ReadOptions,
): Promise<ResolvedTarget> {
  const docker = await requireDocker();
  const config = targetConfig(target, configName);
  const suite = await ensureSuiteImages(suiteName, progress);
  const image = await ensureTargetImage(target, suite, progress);
  const hostCpus = (await docker.info()).NCPU as number;
  await ensureReaper(suite.base, (message) => progress.warn(message));
  const observations = new Observations();
  const port = await getPort({ host: "127.0.0.1" });
  try {
    let databaseEnv: Record<string, string> = {};
    const database = target.database;
    if (database) {
      const dbPort = await getPort({ host: "127.0.0.1", exclude: [port] });
      await progress.step("start Postgres for the app", async () => {
        const db = await startPostgres(suite.db, dbPort, run, observations.logs, docker, database.password);
        if (database.init) await runInitSql(docker, db, dbPort, database.init);
      });
      databaseEnv = databaseEnvironment(database, dbPort);
    }
    const { Config } = await docker.getImage(image).inspect();
    const imageCmdArgs = (Config.Env ?? []).find((entry) => entry.startsWith("GUNICORN_CMD_ARGS="))?.slice("GUNICORN_CMD_ARGS=".length);
    const ownCmdArgs = config.env.GUNICORN_CMD_ARGS ?? target.env.GUNICORN_CMD_ARGS ?? imageCmdArgs ?? "";
    const command = config.command ?? target.command;
    /** Starts one app container (a probe has an instance name of its own) and resolves its master's settings. */
    const startAndResolve = async (appPort: number, extraEnv: Record<string, string> = {}, instance?: string) => {
      const app = new HarnessContainer(image, "app", run, observations.logs, docker, instance)
        .withEnvironment({
          ...(target.port ? { [target.port.env]: String(appPort) } : {}),
          ...databaseEnv,
          ...target.env,
          ...config.env,
          ...extraEnv,
          // Only the bind is the harness's (host networking: the app's own address could be anyone's port); every setting is the app's.
          GUNICORN_CMD_ARGS: [ownCmdArgs, `--bind=127.0.0.1:${appPort}`].filter(Boolean).join(" "),
        })
        .withWaitStrategy(Wait.forLogMessage(/Booting worker with pid/))
        .withStartupTimeout((target.readyTimeoutS ?? 60) * 1000);
      if (command) app.withCommand(command);
      if (cpus !== undefined && cpus < hostCpus) app.withResourcesQuota({ cpu: cpus });
      const fail = (error: unknown) => {
        throw appDidNotStart(target, observations, errorMessage(error), instance);
      };
      const container = docker.getContainer((await app.start().catch(fail)).getId());
      return { container, gunicorn: await resolveGunicornConfig(docker, container).catch(fail) };
    };
    const { container, gunicorn } = await progress.step(`start ${target.name}'s app and read gunicorn's resolved settings`, () =>
      startAndResolve(port),
    );
    const handle = new AppHandle({
      docker,
      container: () => container,
      url: () => `http://127.0.0.1:${port}`,
      healthPath: target.health,
      roster: () => workerRoster(observations.events.all),
      worker: gunicorn.settings.worker_class === "asgi" || gunicorn.settings.worker_class.includes("gasgi") ? "asgi" : "uvicorn",
    });
    const versions = await handle.versions();
    let cpuProbe: ResolvedTarget["cpuProbe"];
    // Only a count that changes with the CPUs Python reports was computed from them; Python 3.13+ lets the probe say another count.
    if (cpus !== undefined && cpus < hostCpus && pythonAtLeast(versions.python, 3, 13)) {
      const probeCpus = hostCpus + 1;
      const probePort = await getPort({ host: "127.0.0.1", exclude: [port] });
      const probe = await progress.step(
        `start it again with Python told ${probeCpus} CPUs (PYTHON_CPU_COUNT), to see if workers follow`,
        () => startAndResolve(probePort, { PYTHON_CPU_COUNT: String(probeCpus) }, "cpu-probe"),
      );
      cpuProbe = { cpus: probeCpus, workers: probe.gunicorn.settings.workers };
    }
    return { image, gunicorn, versions, hostCpus, cpuProbe };
  } finally {
    await observations.logs.drain(200);
    await removeRunContainers(run.runId);
  }
}

function pythonAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a, b] = (version ?? "").split(".").map(Number);
  return a !== undefined && b !== undefined && (a > major || (a === major && b >= minor));
}

function appDidNotStart(target: Target, observations: Observations, why: string, instance?: string): EnvironmentError {
  const tail = observations.logs
    .tail("app", 30, instance)
    .map((line) => `  | ${line}`)
    .join("\n");
  return new EnvironmentError(
    "APP_NOT_STARTED",
    `${target.name}'s gunicorn did not start far enough to read its settings: ${why}\nLast app log lines:\n${tail || "  (none)"}`,
  );
}
