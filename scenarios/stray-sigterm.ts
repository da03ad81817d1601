import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "stray-sigterm",
  description:
    "SIGTERM sent to one worker from outside gunicorn, no deploy in progress: that worker stops " +
    "(unexpected-sigterm, investigate); the others live and the master replaces it.",
  stack: { workers: 3, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 5, connections: 6, requests: [{ role: "health" }] },
  faults: [{ action: "signal-worker", at: 2, signal: "TERM", worker: "oldest" }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { "unexpected-sigterm": 1 } },
    banners: { asDue: true },
    // At most one cut request per load connection the stopped worker held (6); gunicorn 26's asgi worker: 0 in 9 runs.
    requests: { thresholds: { "errors.total": "<= 6", "errors.timeout": "== 0", "requests.non2xx": "== 0" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
