import { describe, expect, it } from "vitest";
import { loadTarget } from "../target/load-target.ts";
import { loadScenario, scenarioNames } from "./catalogue.ts";
import { missingFor } from "./fit-target.ts";

describe("the catalogue", () => {
  it("every scenario loads, and every stand-in it names is another scenario, generic, that runs on the demo", async () => {
    const demo = await loadTarget();
    const names = scenarioNames();
    for (const name of names) {
      const scenario = await loadScenario(name);
      if (!scenario.alternative) continue;
      expect(names, `${name}'s alternative`).toContain(scenario.alternative);
      expect(scenario.alternative, `${name}'s alternative`).not.toBe(name);
      const alternative = await loadScenario(scenario.alternative);
      expect(alternative.alternative, `${alternative.name} is a stand-in: it needs none`).toBeUndefined();
      expect(missingFor(alternative, demo), `${alternative.name} on the demo`).toBeUndefined();
    }
  });
});
