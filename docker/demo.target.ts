import { defineTarget } from "../harness/target/define-target.ts";

/** The demo backend (docker/app/): FastAPI under gunicorn, with an endpoint for every fault, declared like any team's target. */
export default defineTarget({
  name: "demo",
  build: { context: ".", dockerfile: "Dockerfile" },
  // The image's CMD runs the default config (the drop-in: all three banners); `--config seed` runs the hooks as deployments
  // write them, which promise INTERRUPT and ABORT (and, under UvicornWorker, never print them).
  configs: {
    seed: {
      command: ["gunicorn", "app.main:app", "--config", "gunicorn_seed.conf.py"],
      banners: { interrupt: true, abort: true },
    },
  },
  health: "/health",
  paths: {
    db: "/db?ms=20",
    "db-slow-query": "/db?ms=1500",
    "db-sync-driver": "/db/sync?ms=4000",
    slow: "/slow?ms=300",
    cpu: "/cpu?ms=5",
    "long-request": "/slow?ms=20000",
    "block-event-loop": "/block?ms=8000",
    "leak-memory": "/alloc?mb=700",
  },
  database: { urlEnv: "DATABASE_URL", init: "app/schema.sql", lockTable: "app_items" },
  banners: { interrupt: true, abort: true, kill: true },
  settings: {
    maxRequests: "GUNICORN_MAX_REQUESTS",
    maxRequestsJitter: "GUNICORN_MAX_REQUESTS_JITTER",
    dbPoolSize: "DB_POOL_SIZE",
    dbMaxOverflow: "DB_MAX_OVERFLOW",
    dbPoolTimeoutS: "DB_POOL_TIMEOUT",
    dbConnectTimeoutS: "DB_CONNECT_TIMEOUT",
    startupStepTimeoutS: "STARTUP_STEP_TIMEOUT",
    startupTotalTimeoutS: "STARTUP_TOTAL_TIMEOUT",
    keepaliveS: "GUNICORN_KEEPALIVE",
    workerClass: "GUNICORN_WORKER_CLASS",
  },
});
