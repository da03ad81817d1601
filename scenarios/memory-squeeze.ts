import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "memory-squeeze",
  description:
    "Under a 300 MiB limit, one worker becomes the OOM killer's first choice and the container's memory fills " +
    "up: the kernel kills that worker (oom-kill, critical, confirmed by the cgroup and docker), as a leak " +
    "would, with no help from the app; the master boots a replacement and the container lives on.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2, memoryLimitMb: 300 },
  load: { durationS: 6, connections: 4, requests: [{ role: "health" }] },
  faults: [{ action: "memory-squeeze", at: 1 }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { "oom-kill": 1 } },
    banners: { asDue: true },
    requests: { thresholds: { "requests.non2xx": "== 0", "errors.timeout": "== 0" } },
    recovery: { workers: "configured", withinS: 10 },
  },
});
