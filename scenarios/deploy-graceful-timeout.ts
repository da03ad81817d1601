import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "deploy-graceful-timeout",
  description:
    "A deploy while a 20 s request is in flight, with graceful_timeout = 2 s: the worker serving it is still " +
    "running when the graceful timeout runs out and is killed with its request (graceful-timeout, investigate); " +
    "the other stops normally.",
  alternative: "deploy",
  stack: { workers: 2, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 3, connections: 2, requests: [{ role: "health" }] },
  faults: [
    { action: "request", at: 0.5, role: "long-request" },
    { action: "signal-master", at: 1.5, signal: "TERM" },
  ],
  settle: { untilAppExits: true, maxS: 10 },
  expect: {
    deaths: { causes: { "graceful-timeout": 1, shutdown: 1 } },
    banners: { asDue: true },
    masterShutdown: true,
  },
  workerClasses: {
    // gunicorn's asgi worker waits for every open connection, the load's keep-alive ones too: in one of two runs here the
    // other worker also waited out graceful_timeout and was cut (2 graceful-timeout, 0 shutdown).
    asgi: { expect: { deaths: { causes: { "graceful-timeout": { min: 1, max: 2 }, shutdown: { min: 0, max: 1 } } } } },
  },
});
