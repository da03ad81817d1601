import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "startup-db-down",
  description:
    "Postgres unreachable at boot: the startup protection retries (each try bounded by 1 s) and gives up after " +
    "3 s; the worker exits with code 3 and the master halts (boot-failure, critical), saying the DB was unreachable.",
  stack: { workers: 2, timeoutS: 10, gracefulTimeoutS: 2, db: { running: false }, startup: { stepTimeoutS: 1, totalTimeoutS: 3 } },
  requires: { settings: ["startupStepTimeoutS", "startupTotalTimeoutS"] },
  load: { durationS: 1, requests: [{ role: "health" }] },
  expect: {
    boot: { fails: true, withinS: 15, reason: "database unreachable" },
    deaths: { causes: { "boot-failure": { min: 1 } } },
    banners: { asDue: true },
  },
});
