import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "smoke",
  description: "Boot the stack, 5 s of load at the health path, then a deploy (SIGTERM to the master).",
  stack: { workers: 4 },
  load: { durationS: 5, connections: 8, requests: [{ role: "health" }] },
  faults: [{ action: "signal-master", signal: "TERM", at: "after-load" }],
  settle: { untilAppExits: true, maxS: 15 },
  expect: {
    workersBooted: "configured",
    deaths: { causes: { shutdown: "all-booted" } },
    banners: { asDue: true },
    everyWorkerExited: true,
    masterShutdown: true,
    requests: { thresholds: { "errors.total": "== 0", "requests.non2xx": "== 0", "latency.p99": "< 500" } },
  },
});
