import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "scale-down",
  description: "SIGTTOU to the master under load: it removes its oldest worker (scale-down, normal) and runs on with one fewer.",
  stack: { workers: 3, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 5, connections: 6, requests: [{ role: "health" }] },
  faults: [{ action: "signal-master", at: 2, signal: "TTOU" }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { "scale-down": 1 } },
    banners: { asDue: true },
    // At most one cut request per load connection the removed worker held (6); gunicorn 26's asgi worker: 0 in 9 runs.
    requests: { thresholds: { "errors.total": "<= 6", "errors.timeout": "== 0", "requests.non2xx": "== 0" } },
    recovery: { workers: 2, withinS: 5 },
  },
});
