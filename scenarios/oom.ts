import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "oom",
  description:
    "One request retains 700 MiB in a container limited to 400 MiB: the kernel OOM-kills that worker " +
    "(oom-kill, critical, confirmed by the memory cgroup and docker's oom event), the container survives.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2, memoryLimitMb: 400 },
  load: { durationS: 5, connections: 4, requests: [{ role: "health" }] },
  faults: [{ action: "request", at: 1, role: "leak-memory" }],
  alternative: "memory-squeeze",
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { "oom-kill": 1 } },
    banners: { asDue: true, oomConfirmed: true },
    requests: { thresholds: { "requests.non2xx": "== 0", "errors.total": "<= 8" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
