import { z } from "zod";
import { GUNICORN_CONFIGS } from "../images/gunicorn-configs.ts";
import { SUITE_NAMES, type SuiteName } from "../images/suites.ts";

const seconds = z.number().positive();

/** Everything that shapes one run of the system under test; every field has a production-like default. */
export const stackOptionsSchema = z
  .object({
    /** The Debian suite the images come from: its gunicorn, uvicorn, FastAPI and Python versions. */
    suite: z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]).default("trixie"),
    /** default: banners that really print (docker/app/gunicorn.conf.py); seed: the hooks as deployments write them. */
    config: z.enum(GUNICORN_CONFIGS).default("default"),
    workers: z.number().int().min(1).max(32).default(4),
    timeoutS: seconds.default(60),
    gracefulTimeoutS: seconds.default(30),
    maxRequests: z.number().int().min(0).default(0),
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

/** The app container's environment: how the options reach gunicorn.conf.py and the app. */
export function appEnvironment(options: StackOptions, ports: { app: number; db: number }): Record<string, string> {
  return {
    PORT: String(ports.app),
    WEB_CONCURRENCY: String(options.workers),
    GUNICORN_TIMEOUT: String(options.timeoutS),
    GUNICORN_GRACEFUL_TIMEOUT: String(options.gracefulTimeoutS),
    GUNICORN_MAX_REQUESTS: String(options.maxRequests),
    GUNICORN_MAX_REQUESTS_JITTER: String(options.maxRequestsJitter),
    DATABASE_URL: `postgresql://app@127.0.0.1:${ports.db}/postgres`,
    DB_POOL_SIZE: String(options.db.poolSize),
    DB_MAX_OVERFLOW: String(options.db.maxOverflow),
    DB_POOL_TIMEOUT: String(options.db.poolTimeoutS),
    DB_CONNECT_TIMEOUT: String(options.db.connectTimeoutS),
    STARTUP_STEP_TIMEOUT: String(options.startup.stepTimeoutS),
    STARTUP_TOTAL_TIMEOUT: String(options.startup.totalTimeoutS),
    ...options.env,
  };
}
