import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "deploy",
  description:
    "SIGTERM to the master under load (a deploy with no second instance): every worker stops (shutdown, normal); " +
    "in-flight requests finish; afterwards the port refuses connections.",
  stack: { workers: 3, timeoutS: 3, gracefulTimeoutS: 2 },
  load: { durationS: 4, connections: 8, requests: [{ role: "health" }] },
  faults: [{ action: "signal-master", at: 2, signal: "TERM" }],
  settle: { untilAppExits: true, maxS: 10 },
  expect: {
    deaths: { causes: { shutdown: "all-booted" } },
    banners: { asDue: true },
    masterShutdown: true,
    // Graceful: no 5xx and no timeout. Requests racing the close of their keep-alive connection, or queued on the
    // listening socket as the last worker leaves, are cut: measured 8-24 over 6 runs of 8 connections; budget 4 each.
    // Once the master has exited, every new connection is refused.
    requests: { thresholds: { "errors.cut": "<= 32", "errors.timeout": "== 0", "requests.non2xx": "== 0", "errors.refused": ">= 1" } },
  },
  workers: {
    // gunicorn 26's asgi worker cuts far more: 3,073 and 3,314 requests closed unanswered in the second after the SIGTERM
    // (8 connections, two runs, the stock hooks and the drop-in alike), where UvicornWorker cuts at most 32. No 5xx, no timeout.
    asgi: { expect: { requests: { thresholds: { "errors.timeout": "== 0", "requests.non2xx": "== 0", "errors.refused": ">= 1" } } } },
  },
});
