import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "rolling-deploy",
  description:
    "A deploy as platforms run it: 3 replicas behind HAProxy, each replaced in turn under steady load (start the new one, " +
    "wait for its health check, then stop the old one as the profile says: --profile render, kubernetes or naive). " +
    "Every old worker stops (shutdown, normal); users lose no request, or the verdict names the step that lost them.",
  stack: { replicas: 3, workers: 2, timeoutS: 5, gracefulTimeoutS: 2 },
  // Open loop: the same steady rate whatever the replicas do, so a lost request is a request, not a slower client.
  load: { durationS: 12, rate: 60, connections: 16, requests: [{ role: "health" }] },
  faults: [{ action: "rolling-deploy", at: 2, profile: "render" }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: { shutdown: "all-booted" } },
    banners: { asDue: true },
    lostRequests: 0,
    recovery: { workers: "configured", withinS: 5 },
  },
  workerClasses: {
    // gunicorn 26's asgi worker waits for every open connection before it exits, idle ones too ("Waiting for N connections to
    // finish..."), and HAProxy keeps idle connections to it: old workers wait out graceful_timeout and the master SIGKILLs
    // them (4 of 6 in one run). Users lose nothing: the balancer had drained them first.
    asgi: { expect: { deaths: { causes: { shutdown: { min: 0, max: 6 }, "graceful-timeout": { min: 1, max: 6 } } } } },
  },
});
