import { defineTarget } from "../../harness/target/define-target.ts";

/**
 * The seed backend (backend/): FastAPI + an async Postgres pool under gunicorn's stock UvicornWorker, its
 * worker_int and worker_abort hooks as the seed deployment writes them. It declares the banners they print (the
 * standard texts, `true`); with the drop-in, the SIGKILL banner too.
 */
export default defineTarget({
  name: "seed-backend",
  // "." holds dropin/, a symlink to docker/dropin/: the harness sends the drop-in's content (README.md).
  build: { context: ".", dockerfile: "Dockerfile" },
  health: "/health",
  paths: { db: "/items" },
  database: { urlEnv: "DATABASE_URL", init: "backend/schema.sql", lockTable: "items" },
  // The image's CMD runs the seed config, whose hooks never print; `--config dropin` adds the drop-in.
  banners: { interrupt: true, abort: true },
  configs: {
    dropin: {
      command: ["gunicorn", "app.main:app", "--config", "gunicorn_dropin.conf.py"],
      banners: { interrupt: true, abort: true, kill: true },
    },
  },
});
