import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "slow-db",
  description:
    "The database turns slow under load (the harness locks the table the db role reads, for 4 s): requests wait on " +
    "the lock, or on the app's own pool and query timeouts. No worker is killed.",
  alternative: "db-latency",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2, db: { poolSize: 3, maxOverflow: 0, poolTimeoutS: 1 } },
  load: {
    durationS: 8,
    connections: 16,
    timeoutS: 10,
    requests: [
      { role: "db", weight: 3 },
      { role: "health", weight: 1 },
    ],
  },
  faults: [{ action: "table-lock", at: 2, holdS: 4 }],
  settle: { maxS: 1 },
  targets: {
    demo: {
      description:
        "The database turns slow under load (the harness locks the table every query reads, for 4 s): the pool " +
        "saturates, requests wait, then fail with pool-acquire timeouts (503). No worker is killed.",
      expect: {
        requests: {
          thresholds: {
            // The demo's pool (3, no overflow, 1 s acquire timeout): fast answers until the lock, then 503s, and slow successes.
            "app.db-pool-timeout": ">= 20",
            "requests.5xx": ">= 20",
            "latency.p99": ">= 950",
            "requests.ok": ">= 500",
            "errors.timeout": "== 0",
            "errors.reset": "== 0",
            "errors.closed": "== 0",
          },
        },
      },
    },
  },
  expect: {
    deaths: { causes: {} },
    banners: { asDue: true },
    // On any app: some request waited out the lock (or its own pool or query timeout), and no connection was dropped.
    requests: { thresholds: { "latency.max": ">= 950", "errors.timeout": "== 0", "errors.reset": "== 0", "errors.closed": "== 0" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
