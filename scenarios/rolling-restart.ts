import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "rolling-restart",
  description:
    "SIGHUP to the master under steady load (a config reload): every old worker is replaced (reload, normal). " +
    "Error budget for the run, which holds the reload window: no 5xx, no timeout, and at " +
    "most one cut request per load connection per replaced worker (8 x 3 = 24).",
  stack: { workers: 3, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 6, connections: 8, requests: [{ role: "health" }] },
  faults: [{ action: "signal-master", at: 2, signal: "HUP" }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { reload: "all-booted" } },
    banners: { asDue: true },
    // A replaced worker closes its keep-alive connections as it drains; a request racing that close is cut (gunicorn 26's
    // asgi worker: 0 in 9 runs).
    requests: { thresholds: { "errors.cut": "<= 24", "errors.refused": "== 0", "errors.timeout": "== 0", "requests.non2xx": "== 0" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
