import { describe, expect, it } from "vitest";
import { loadTarget } from "../target/load-target.ts";
import { loadScenario, scenarioNames } from "./catalogue.ts";
import { describeFor, missingFor } from "./fit-target.ts";

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

describe("descriptions fit the target", () => {
  it("name the banners the target declares for the run's config, and none where it declares none", async () => {
    const demo = await loadTarget();
    const bare = await loadTarget("harness/testing/apps/ledger/ledger-bare.target.json");
    const deploy = await loadScenario("deploy");
    expect(describeFor(deploy, demo)).toMatch(/Each dying worker prints its INTERRUPT banner \(declared by demo\)\.$/);
    expect(describeFor(deploy, demo, "seed")).toMatch(/INTERRUPT banner \(declared by demo\)\.$/);
    expect(describeFor(deploy, bare)).toBe(deploy.description);
    expect(describeFor(await loadScenario("memory-squeeze"), demo, "seed")).not.toMatch(/banner/);
    expect(describeFor(await loadScenario("memory-squeeze"), demo)).toMatch(/SIGKILL\/OOM banner/);
  });

  it("use the target's own description where the scenario has one, and no other scenario text promises the demo's error kinds", async () => {
    const demo = await loadTarget();
    const bare = await loadTarget("harness/testing/apps/ledger/ledger-bare.target.json");
    const slowDb = await loadScenario("slow-db");
    expect(describeFor(slowDb, demo)).toMatch(/pool-acquire timeouts \(503\)/);
    expect(describeFor(slowDb, bare)).not.toMatch(/503|pool-acquire/);
    for (const name of scenarioNames()) {
      const scenario = await loadScenario(name);
      if (missingFor(scenario, bare)) continue;
      expect(describeFor(scenario, bare), name).not.toMatch(/INTERRUPT|ABORT|SIGKILL\/OOM banner|db-pool-timeout/);
    }
  });
});
