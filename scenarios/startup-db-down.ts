import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "startup-db-down",
  description:
    "Postgres unreachable at boot: the startup protection retries (each try bounded by 1 s) and gives up after " +
    "3 s; the worker exits with code 3 and the master halts (boot-failure, critical), saying the DB was unreachable.",
  alternative: "db-outage",
  stack: { workers: 2, timeoutS: 10, gracefulTimeoutS: 2, db: { running: false }, startup: { stepTimeoutS: 1, totalTimeoutS: 3 } },
  requires: { settings: ["startupStepTimeoutS", "startupTotalTimeoutS"] },
  load: { durationS: 1, requests: [{ role: "health" }] },
  // Where the app boots anyway (gunicorn's asgi worker, below), nothing is left to settle.
  settle: { maxS: 1 },
  expect: {
    boot: { fails: true, withinS: 15, reason: "database unreachable" },
    deaths: { causes: { "boot-failure": { min: 1 } } },
    banners: { asDue: true },
  },
  workerClasses: {
    // gunicorn's asgi worker, with asgi_lifespan "auto" (its default), takes a lifespan startup that raises for an app without
    // lifespan support: it logs it at DEBUG and serves. The startup protection cannot stop the boot; the app serves without its
    // database. (gunicorn/asgi/lifespan.py and workers/gasgi.py, 26.2.2: set asgi_lifespan = "on" to make it an error.)
    asgi: {
      expect: { boot: undefined, deaths: { causes: {} }, requests: { thresholds: { "requests.ok": ">= 1", "requests.non2xx": "== 0" } } },
    },
  },
});
