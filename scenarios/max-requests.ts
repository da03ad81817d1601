import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "max-requests",
  description:
    "max_requests = 2000: under load each worker recycles after its 2000th request (max-requests, normal) and a fresh " +
    "one takes its place; at most one cut request per load connection per recycle.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2, maxRequests: 2000 },
  load: { durationS: 4, connections: 4, requests: [{ path: "/health" }] },
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { "max-requests": { min: 2, max: 8 } } },
    banners: { asDue: true },
    // Budget: 4 connections x up to 8 recycles.
    requests: { thresholds: { "requests.non2xx": "== 0", "errors.timeout": "== 0", "errors.total": "<= 32" } },
    recovery: { workers: "configured", withinS: 5 },
  },
});
