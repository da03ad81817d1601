import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "worker-freeze",
  description:
    "SIGSTOP to one worker under load: frozen, it stops notifying the master, as a worker whose event loop is " +
    "blocked does, with no help from the app. The master's timeout takes it (timeout, critical) and boots a replacement.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 10, connections: 4, timeoutS: 15, requests: [{ role: "health" }] },
  faults: [{ action: "worker-freeze", at: 1 }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { timeout: 1 } },
    banners: { asDue: true },
    requests: { thresholds: { "requests.non2xx": "== 0", "errors.timeout": "== 0" } },
    recovery: { workers: "configured", withinS: 10 },
  },
});
