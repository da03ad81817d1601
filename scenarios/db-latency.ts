import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "db-latency",
  description:
    "Every packet between the app and Postgres is delayed 300 ms each way for 3 s (the harness's proxy, which " +
    "the app's database URL points at from boot): queries slow down, users wait, no worker dies.",
  stack: { workers: 2, timeoutS: 10, gracefulTimeoutS: 2 },
  load: {
    durationS: 7,
    connections: 8,
    timeoutS: 10,
    requests: [{ role: "db", weight: 3 }, { role: "health" }],
  },
  faults: [{ action: "db-latency", at: 2, forS: 3, ms: 300, jitterMs: 50 }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: {} },
    banners: { asDue: true },
    // A query through the proxy pays the delay both ways: 2 x (300 - 50) ms at the least.
    requests: { thresholds: { "latency.max": ">= 500", "errors.timeout": "== 0", "requests.5xx": "== 0", "requests.ok": ">= 100" } },
    recovery: { workers: "configured", withinS: 5, role: "db" },
  },
});
