import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "max-requests",
  description:
    "max_requests = 2000 and exactly 6000 requests: workers recycle after their 2000th request (max-requests, " +
    "normal) and fresh ones take their place; at most one cut request per load connection per recycle.",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2, maxRequests: 2000 },
  load: { durationS: 20, maxRequests: 6000, connections: 4, requests: [{ role: "health" }] },
  settle: { maxS: 1 },
  expect: {
    // 6000 requests over 2000-request lifetimes: 1 to 3 recycles, depending on how the connections spread.
    deaths: { causes: { "max-requests": { min: 1, max: 3 } } },
    banners: { asDue: true },
    // Budget: 4 connections x 3 recycles, plus the requests queued as a recycled worker closes its socket (gunicorn 26's
    // asgi worker: 0 in 9 runs, all 6000 answered).
    requests: {
      thresholds: { "requests.completed": ">= 5900", "requests.non2xx": "== 0", "errors.timeout": "== 0", "errors.total": "<= 16" },
    },
    recovery: { workers: "configured", withinS: 5 },
  },
});
