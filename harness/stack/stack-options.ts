import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { SUITE_NAMES, type SuiteName, suiteWorkers, WORKER_CLASS_NAMES, WORKER_CLASSES } from "../images/suites.ts";
import type { SettingName, Target } from "../target/define-target.ts";
import { databaseEnvironment } from "./database-environment.ts";

const seconds = z.number().positive();

/** Everything that shapes one run of the system under test; every field has a production-like default. */
export const stackOptionsSchema = z
  .object({
    /** The Debian suite the images come from: its gunicorn, uvicorn, FastAPI and Python versions. */
    suite: z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]).default("trixie"),
    /** A config the target declares in `configs:` (`--config`); `default` is the target as declared. */
    config: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .default("default"),
    /** gunicorn's worker count, or "app": left to the app's own config (readiness then takes the count from what runs). */
    workers: z.union([z.number().int().min(1).max(32), z.literal("app")]).default(4),
    /** gunicorn's worker class: uvicorn's `UvicornWorker`, or gunicorn's own ASGI worker (`asgi`, gunicorn 24+: the sid suite). */
    worker: z.enum(WORKER_CLASSES).default("uvicorn"),
    /** App containers, each on its own loopback port. More than one runs them behind the balancer. */
    replicas: z.number().int().min(1).max(8).default(1),
    /**
     * Run the app behind HAProxy (from the suite's image), as a platform's router does; implied by
     * `replicas` > 1. `reuse` and `upstreamIdleS` shape its upstream connections (see lb-keepalive).
     */
    balancer: z
      .object({
        reuse: z.enum(["safe", "always"]).default("safe"),
        upstreamIdleS: z.number().positive().max(600).default(5),
      })
      .strict()
      .optional(),
    /** gunicorn's timeout and graceful_timeout, whole seconds as gunicorn takes them. */
    timeoutS: z.number().int().positive().default(60),
    gracefulTimeoutS: z.number().int().positive().default(30),
    maxRequests: z.number().int().min(0).default(0),
    /** gunicorn's keepalive: seconds an idle keep-alive connection stays open (uvicorn's timeout_keep_alive); the seed's 5. */
    keepaliveS: z.number().int().positive().max(300).default(5),
    maxRequestsJitter: z.number().int().min(0).default(0),
    memoryLimitMb: z.number().int().min(64).optional(),
    db: z
      .object({
        poolSize: z.number().int().min(1).default(5),
        maxOverflow: z.number().int().min(0).default(0),
        poolTimeoutS: seconds.default(2),
        connectTimeoutS: seconds.default(3),
        /** false leaves Postgres down: the app's startup protection has to give up. */
        running: z.boolean().default(true),
      })
      .prefault({}),
    startup: z
      .object({
        stepTimeoutS: seconds.default(5),
        totalTimeoutS: seconds.default(20),
      })
      .prefault({}),
    /** How long the harness waits for every worker to be ready and /health to answer. */
    readyTimeoutS: seconds.default(60),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type StackOptions = z.output<typeof stackOptionsSchema>;
export type StackOptionsInput = z.input<typeof stackOptionsSchema>;

/** The value a scenario gives each setting a target can take (the target says through which variable). */
function settingValues(options: StackOptions): Record<SettingName, number | string> {
  return {
    workerClass: WORKER_CLASS_NAMES[options.worker],
    maxRequests: options.maxRequests,
    maxRequestsJitter: options.maxRequestsJitter,
    dbPoolSize: options.db.poolSize,
    dbMaxOverflow: options.db.maxOverflow,
    dbPoolTimeoutS: options.db.poolTimeoutS,
    dbConnectTimeoutS: options.db.connectTimeoutS,
    startupStepTimeoutS: options.startup.stepTimeoutS,
    startupTotalTimeoutS: options.startup.totalTimeoutS,
    keepaliveS: options.keepaliveS,
  };
}

/** Refuses a worker class the suite's gunicorn lacks, or one the target cannot be told (it declares no `workerClass` setting). */
export function checkWorkerClass(target: Target, options: Pick<StackOptions, "suite" | "worker">): void {
  const { suite, worker } = options;
  if (!suiteWorkers(suite).includes(worker)) {
    throw new UsageError(
      "BAD_OPTION",
      `The ${worker} worker is not in ${suite}'s gunicorn: gunicorn's own ASGI worker came with gunicorn 24. ` +
        `Run it on the suite that has it: --suite ${SUITE_NAMES.find((s) => suiteWorkers(s).includes(worker)) ?? "sid"} --worker ${worker}.`,
    );
  }
  if (worker !== "uvicorn" && !target.settings.workerClass)
    throw new UsageError(
      "BAD_OPTION",
      `--worker ${worker} sets gunicorn's worker class through the target's settings, and ${target.name} declares none for it: ` +
        `add settings: { workerClass: "GUNICORN_WORKER_CLASS" } (your variable, read into worker_class in your gunicorn config) to its target file.`,
    );
}

/**
 * What the harness tells gunicorn itself, whatever the app's config reads: gunicorn (19.7+) applies GUNICORN_CMD_ARGS over
 * its config file, so the bind, the worker count, the timeouts, keepalive and max-requests need no variable of the app's.
 * The worker class stays out: the drop-in installs its hooked class from the config file, which this would override.
 */
export function gunicornCmdArgs(options: StackOptions, port: number): string[] {
  return [
    `--bind=127.0.0.1:${port}`,
    ...(options.workers === "app" ? [] : [`--workers=${options.workers}`]),
    `--timeout=${options.timeoutS}`,
    `--graceful-timeout=${options.gracefulTimeoutS}`,
    `--keep-alive=${options.keepaliveS}`,
    `--max-requests=${options.maxRequests}`,
    `--max-requests-jitter=${options.maxRequestsJitter}`,
  ];
}

/**
 * An inherited GUNICORN_CMD_ARGS less its binds: gunicorn appends every `--bind` (it listens on each), so the app's own
 * address would stay beside the harness's loopback port. Split as gunicorn's shlex does, for the usual quoting.
 */
function withoutBind(args: string): string {
  const tokens = args.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "--bind" || token === "-b") i++;
    else if (!token.startsWith("--bind=") && !(token.startsWith("-b") && !token.startsWith("--"))) kept.push(token);
  }
  return kept.join(" ");
}

/**
 * The app container's environment: GUNICORN_CMD_ARGS (the image's or the target's own value, then the harness's
 * settings, which win), the database (the harness's proxy in front of its Postgres), and the target's own variables
 * where it declares them (port, worker count, timeouts, settings), then its own env, its config's, and the scenario's.
 */
export function appEnvironment(
  target: Target,
  options: StackOptions,
  ports: { app: number; db: number; proxy: number },
  configEnv: Record<string, string> = {},
  imageEnv: Record<string, string> = {},
): Record<string, string> {
  const values = settingValues(options);
  const dbPort = options.db.running ? ports.proxy : ports.db;
  const own = { ...imageEnv, ...target.env, ...configEnv, ...options.env };
  const cmdArgs = [withoutBind(own.GUNICORN_CMD_ARGS ?? ""), ...gunicornCmdArgs(options, ports.app)].filter(Boolean).join(" ");
  return {
    ...(target.port ? { [target.port.env]: String(ports.app) } : {}),
    ...(target.workers && options.workers !== "app" ? { [target.workers.env]: String(options.workers) } : {}),
    ...(target.timeouts?.env.timeout ? { [target.timeouts.env.timeout]: String(options.timeoutS) } : {}),
    ...(target.timeouts?.env.gracefulTimeout ? { [target.timeouts.env.gracefulTimeout]: String(options.gracefulTimeoutS) } : {}),
    ...(target.database ? databaseEnvironment(target.database, dbPort) : {}),
    ...Object.fromEntries(Object.entries(target.settings).map(([setting, env]) => [env, String(values[setting as SettingName])])),
    ...target.env,
    ...configEnv,
    ...options.env,
    GUNICORN_CMD_ARGS: cmdArgs,
  };
}
