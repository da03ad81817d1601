import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "db-pool-exhaustion",
  description:
    "12 concurrent requests each hold a pooled connection for 1.5 s against a pool of 3 + 1 overflow: the rest " +
    "wait 1 s for a connection and fail with a pool timeout (503). No worker dies.",
  stack: { workers: 1, timeoutS: 3, gracefulTimeoutS: 2, db: { poolSize: 3, maxOverflow: 1, poolTimeoutS: 1 } },
  alternative: "db-latency",
  load: { durationS: 5, connections: 12, timeoutS: 10, requests: [{ role: "db-slow-query" }] },
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: {} },
    banners: { asDue: true },
    requests: {
      thresholds: {
        "app.db-pool-timeout": ">= 10",
        "requests.ok": ">= 8",
        "latency.p50": ">= 900",
        "errors.total": "== 0",
      },
    },
    recovery: { workers: "configured", withinS: 5 },
  },
});
