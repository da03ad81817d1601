import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "worker-timeout",
  description:
    "One request blocks its worker's event loop for 8 s with timeout = 3 s: the master aborts it (timeout, " +
    "critical), its ABORT banner names block_event_loop, and a replacement boots.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 6, connections: 4, requests: [{ role: "health" }] },
  faults: [{ action: "request", at: 1, role: "block-event-loop" }],
  alternative: "worker-freeze",
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { timeout: 1 } },
    banners: { asDue: true, blockingCall: "block_event_loop" },
    // The blocked worker's load connections wait until it dies, then see their connection dropped.
    requests: { thresholds: { "requests.non2xx": "== 0", "errors.total": "<= 8", "errors.timeout": "== 0" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
