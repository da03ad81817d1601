import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "slow-endpoint",
  description: "An async endpoint that awaits 300 ms, under load: latency rises, no worker dies, no banner.",
  alternative: "db-latency",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },
  load: {
    durationS: 4,
    connections: 16,
    requests: [
      { role: "slow", weight: 1 },
      { role: "health", weight: 1 },
    ],
  },
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: {} },
    banners: { asDue: true },
    requests: {
      thresholds: { "latency.p99": [">= 300", "< 1500"], "latency.p50": "< 400", "errors.total": "== 0", "requests.non2xx": "== 0" },
    },
    recovery: { workers: "configured", withinS: 5 },
  },
});
