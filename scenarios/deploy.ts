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
    // gunicorn 26's asgi worker: 3-7 over 10 runs, the connections queued as it closes its listener up to 1 s late
    // (docker/upstream/asgi-listener-close.md).
    // Once the master has exited, every new connection is refused.
    requests: { thresholds: { "errors.cut": "<= 32", "errors.timeout": "== 0", "requests.non2xx": "== 0", "errors.refused": ">= 1" } },
  },
});
