import type { GeneratedSection } from "../core/generated-section.ts";
import { loadScenario, scenarioNames } from "../scenario/catalogue.ts";
import type { Scenario } from "../scenario/define-scenario.ts";
import { missingFor } from "../scenario/fit-target.ts";
import type { Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { markdownCell } from "./cause-table.ts";

/** docs/scenarios.md's catalogue: one row per file in scenarios/. */
export const CATALOGUE_TABLE: GeneratedSection = {
  name: "scenario-catalogue",
  file: new URL("../../docs/scenarios.md", import.meta.url),
  source: "scenarios/",
};

/**
 * Every scenario: what it does (its description), the worker deaths it expects, and what it needs from a target, in
 * the words a refusal uses. The demo declares everything; each need is found by taking one thing away from it.
 */
export async function catalogueTable(): Promise<string> {
  const demo = await loadTarget();
  const without: Target[] = [
    { ...demo, paths: {} },
    { ...demo, database: false },
    { ...demo, database: demo.database && { ...demo.database, lockTable: undefined } },
    { ...demo, settings: {} },
  ];
  const rows: string[] = [];
  for (const name of scenarioNames()) {
    const scenario = await loadScenario(name);
    const needs = without.flatMap((target) => missingFor(scenario, target) ?? []);
    const runsOn = needs.length ? `a target with ${needs.join("; ")}` : "any target";
    const elsewhere = scenario.alternative ? `; elsewhere, \`${scenario.alternative}\`` : "";
    rows.push(`| \`${name}\` | ${markdownCell(scenario.description)} | ${expectedDeaths(scenario)} | ${runsOn}${elsewhere} |`);
  }
  return ["| scenario | what it does | deaths expected | runs on |", "|---|---|---|---|", ...rows].join("\n");
}

/** The general expectation on deaths (targets, suites and worker classes may replace it). */
function expectedDeaths(scenario: Scenario): string {
  const causes = scenario.expect.deaths?.causes;
  if (!causes) return "not judged";
  const listed = Object.entries(causes).map(([cause, count]) => {
    if (count === "all-booted") return `every booted worker \`${cause}\``;
    if (typeof count === "number") return `${count} \`${cause}\``;
    return `${count.min ?? 0}${count.max !== undefined ? `–${count.max}` : " or more"} \`${cause}\``;
  });
  return listed.join(", ") || "none";
}
