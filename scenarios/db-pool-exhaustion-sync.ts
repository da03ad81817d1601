import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "db-pool-exhaustion-sync",
  description:
    "The same DB load through a synchronous driver called from async code: each 4 s query blocks the " +
    "worker's event loop past the 3 s timeout, so the master aborts workers (timeout, critical) and the " +
    "ABORT banner names the blocking call.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },
  alternative: "worker-freeze",
  load: {
    durationS: 6,
    connections: 4,
    timeoutS: 10,
    requests: [
      { role: "db-sync-driver", weight: 1 },
      { role: "health", weight: 3 },
    ],
  },
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { timeout: { min: 1 } } },
    banners: { asDue: true, blockingCall: "query_db_synchronously" },
    requests: { thresholds: { "requests.ok": ">= 1" } },
    recovery: { workers: "configured", withinS: 10 },
  },
});
