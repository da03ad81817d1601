import { defineScenario } from "../harness/scenario/define-scenario.ts";

export default defineScenario({
  name: "db-outage",
  description:
    "Postgres stops under load and starts again 3 s later: requests that need the database fail meanwhile " +
    "(5xx), no worker dies, and the app serves database requests again once it is back.",
  stack: { workers: 2, timeoutS: 10, gracefulTimeoutS: 2 },
  load: {
    durationS: 9,
    connections: 4,
    timeoutS: 10,
    requests: [{ role: "db", weight: 3 }, { role: "health" }],
  },
  faults: [{ action: "db-outage", at: 2, forS: 3 }],
  settle: { maxS: 1 },
  expect: {
    deaths: { causes: {} },
    banners: { asDue: true },
    requests: { thresholds: { "requests.5xx": ">= 1", "errors.timeout": "== 0" } },
    recovery: { workers: "configured", withinS: 15, role: "db" },
  },
});
