import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import type { Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { databaseEnvironment } from "./database-environment.ts";
import { appEnvironment, checkWorkerClass, stackOptionsSchema } from "./stack-options.ts";

const demo = await loadTarget();
const ports = { app: 8000, db: 5432, proxy: 5433 };

describe("the worker class (--worker)", () => {
  it("reaches the app through the target's workerClass setting: UvicornWorker by default, gunicorn's asgi on request", () => {
    expect(appEnvironment(demo, stackOptionsSchema.parse({}), ports).GUNICORN_WORKER_CLASS).toBe("uvicorn.workers.UvicornWorker");
    expect(appEnvironment(demo, stackOptionsSchema.parse({ suite: "sid", worker: "asgi" }), ports).GUNICORN_WORKER_CLASS).toBe("asgi");
  });

  it("is refused where the suite's gunicorn lacks it, or the target cannot be told it, naming the fix", () => {
    expect(() => checkWorkerClass(demo, { suite: "sid", worker: "asgi" })).not.toThrow();
    expect(() => checkWorkerClass(demo, { suite: "bookworm", worker: "asgi" })).toThrow(
      /not in bookworm's gunicorn.*--suite sid --worker asgi/,
    );
    const silent = { ...demo, settings: {} };
    expect(() => checkWorkerClass(silent, { suite: "sid", worker: "asgi" })).toThrow(UsageError);
    expect(() => checkWorkerClass(silent, { suite: "sid", worker: "uvicorn" })).not.toThrow();
  });
});

describe("gunicorn's settings (GUNICORN_CMD_ARGS) and the database, whatever the app reads", () => {
  const bare: Target = { ...demo, port: undefined, workers: undefined, timeouts: undefined, settings: {}, env: {}, database: false };
  const options = stackOptionsSchema.parse({ workers: 3, timeoutS: 3, gracefulTimeoutS: 2, keepaliveS: 1, maxRequests: 2000 });

  it("passes bind, workers, timeouts, keepalive and max-requests to gunicorn itself, and no variable the app did not declare", () => {
    const env = appEnvironment(bare, options, ports);
    expect(env).toEqual({
      GUNICORN_CMD_ARGS:
        "--bind=127.0.0.1:8000 --workers=3 --timeout=3 --graceful-timeout=2 --keep-alive=1 --max-requests=2000 --max-requests-jitter=0",
    });
  });

  it("appends to the image's or the target's own GUNICORN_CMD_ARGS (the harness's come last, so they win), leaving out the worker class", () => {
    const fromImage = appEnvironment(bare, options, ports, {}, { GUNICORN_CMD_ARGS: "--access-logfile -", PATH: "/usr/bin" });
    expect(fromImage.GUNICORN_CMD_ARGS).toMatch(/^--access-logfile - --bind=127\.0\.0\.1:8000 /);
    // gunicorn appends binds: the app's own would stay open beside the harness's, so they are left out.
    for (const own of ["--bind=0.0.0.0:80", "--bind 0.0.0.0:80", "-b 0.0.0.0:80", "-b0.0.0.0:80"]) {
      const env = appEnvironment(bare, options, ports, {}, { GUNICORN_CMD_ARGS: `--log-level debug ${own} --access-logfile -` });
      expect(env.GUNICORN_CMD_ARGS, own).toMatch(/^--log-level debug --access-logfile - --bind=127\.0\.0\.1:8000 /);
    }
    const fromTarget = appEnvironment(
      { ...bare, env: { GUNICORN_CMD_ARGS: "--log-level debug" } },
      options,
      ports,
      {},
      { GUNICORN_CMD_ARGS: "--x" },
    );
    expect(fromTarget.GUNICORN_CMD_ARGS).toMatch(/^--log-level debug --bind=/);
    expect(fromTarget.GUNICORN_CMD_ARGS).not.toMatch(/worker-class|-k /);
  });

  it('leaves the worker count to the app with workers: "app" (no --workers, no worker variable)', () => {
    const app = stackOptionsSchema.parse({ workers: "app" });
    const env = appEnvironment({ ...bare, workers: { env: "WEB_CONCURRENCY" } }, app, ports);
    expect(env.GUNICORN_CMD_ARGS).not.toMatch(/--workers/);
    expect(env).not.toHaveProperty("WEB_CONCURRENCY");
  });

  it("still sets the variables a target declares, for apps that compute from them", () => {
    const env = appEnvironment(demo, options, ports);
    expect(env).toMatchObject({ GUNICORN_MAX_REQUESTS: "2000", GUNICORN_KEEPALIVE: "1" });
    const declared = appEnvironment(
      { ...bare, port: { env: "APP_PORT" }, workers: { env: "APP_WORKERS" }, timeouts: { env: { timeout: "T" } } },
      options,
      ports,
    );
    expect(declared).toMatchObject({ APP_PORT: "8000", APP_WORKERS: "3", T: "3" });
  });

  it("gives the database in the forms the app takes: a URL template, PG-style variables, a password; through the proxy's port", () => {
    const base = { env: {}, urlEnv: "DATABASE_URL" };
    expect(databaseEnvironment(base, 5433)).toEqual({ DATABASE_URL: "postgresql://app@127.0.0.1:5433/postgres" });
    expect(databaseEnvironment({ ...base, password: "s3cret" }, 5433)).toEqual({
      DATABASE_URL: "postgresql://app:s3cret@127.0.0.1:5433/postgres",
    });
    expect(databaseEnvironment({ ...base, url: "postgresql+asyncpg://{user}@{host}:{port}/{database}?sslmode=disable" }, 5433)).toEqual({
      DATABASE_URL: "postgresql+asyncpg://app@127.0.0.1:5433/postgres?sslmode=disable",
    });
    const parts = { env: { PGHOST: "{host}", PGPORT: "{port}", PGUSER: "{user}", PGPASSWORD: "{password}", PGDATABASE: "{database}" } };
    expect(databaseEnvironment({ ...parts, password: "pw" }, 6000)).toEqual({
      PGHOST: "127.0.0.1",
      PGPORT: "6000",
      PGUSER: "app",
      PGPASSWORD: "pw",
      PGDATABASE: "postgres",
    });
    const withDb: Target = { ...bare, database: { urlEnv: "DB", env: {} } };
    expect(appEnvironment(withDb, options, ports).DB).toBe("postgresql://app@127.0.0.1:5433/postgres");
    expect(appEnvironment(withDb, stackOptionsSchema.parse({ db: { running: false } }), ports).DB).toBe(
      "postgresql://app@127.0.0.1:5432/postgres",
    );
  });
});
