import { describe, expect, it } from "vitest";
import { expectationsFor, validateScenario } from "./define-scenario.ts";

const base = { name: "x", description: "x", load: { durationS: 1, connections: 1 } };

describe("a scenario's per-worker-class expectations", () => {
  it("are read from workerClasses, and from workers, its former name, which workerClasses overrides", () => {
    const scenario = validateScenario(
      {
        ...base,
        expect: { requests: { thresholds: { "requests.completed": "> 0" } } },
        workers: { asgi: { expect: { requests: { thresholds: { "requests.completed": "> 1" } } } } },
        workerClasses: { uvicorn: { expect: { requests: { thresholds: { "requests.completed": "> 2" } } } } },
      },
      "x.ts",
    );
    expect(expectationsFor(scenario, "sid", "demo", "asgi").requests).toEqual({ thresholds: { "requests.completed": "> 1" } });
    expect(expectationsFor(scenario, "sid", "demo", "uvicorn").requests).toEqual({ thresholds: { "requests.completed": "> 2" } });
    expect("workers" in scenario).toBe(false);
  });
});
