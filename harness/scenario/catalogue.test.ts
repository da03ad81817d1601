import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTarget } from "../target/load-target.ts";
import { loadScenario, scenarioNames, teamScenarioDir } from "./catalogue.ts";
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

describe("a team's own scenarios", () => {
  const scenario = (name: string) =>
    `import { defineScenario } from "${process.cwd()}/harness/scenario/define-scenario.ts";\n` +
    `export default defineScenario({ name: "${name}", description: "ours", load: { durationS: 2, connections: 1, requests: [{ role: "health" }] }, expect: {} });\n`;
  const teamRepository = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), "team-"));
    mkdirSync(join(root, "chaos", "scenarios"), { recursive: true });
    writeFileSync(join(root, "chaos.target.json"), "{}");
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, "chaos", "scenarios", name), text);
    return root;
  };

  it("are found in chaos/scenarios/ beside the target file, listed and loaded with the catalogue's", async () => {
    const root = teamRepository({ "ours.ts": scenario("ours"), "ours.test.ts": "", "notes.md": "" });
    const teamDir = teamScenarioDir({ file: join(root, "chaos.target.json") });
    expect(teamDir).toBe(join(root, "chaos", "scenarios"));
    expect(scenarioNames(teamDir)).toEqual([...scenarioNames(), "ours"].sort());
    expect((await loadScenario("ours", teamDir)).description).toBe("ours");
    expect(teamScenarioDir({ file: join(tmpdir(), "nowhere", "chaos.target.json") })).toBeUndefined();
  });

  it("may not take a catalogue scenario's name, and must be named as their file", async () => {
    const taken = teamScenarioDir({ file: join(teamRepository({ "deploy.ts": scenario("deploy") }), "chaos.target.json") });
    expect(() => scenarioNames(taken)).toThrow(
      /chaos\/scenarios\/deploy\.ts: there is already a scenario named "deploy" \(in the catalogue\)/,
    );
    const misnamed = teamScenarioDir({ file: join(teamRepository({ "mine.ts": scenario("theirs") }), "chaos.target.json") });
    await expect(loadScenario("mine", misnamed)).rejects.toThrow(/mine\.ts: name is "theirs"; it must match the file name/);
  });
});
