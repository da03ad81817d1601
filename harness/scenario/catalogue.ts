import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UsageError } from "../core/errors.ts";
import { type Scenario, validateScenario } from "./define-scenario.ts";

const SCENARIOS_DIR = fileURLToPath(new URL("../../scenarios/", import.meta.url));

/** Scenario names: one file each in scenarios/, tests excluded. */
export function scenarioNames(dir = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadScenario(name: string, dir = SCENARIOS_DIR): Promise<Scenario> {
  const names = scenarioNames(dir);
  if (!names.includes(name)) {
    throw new UsageError(
      "UNKNOWN_SCENARIO",
      `There is no scenario "${name}". Available: ${names.join(", ")}.\nRun \`npm run scenario -- --list\` for descriptions.`,
    );
  }
  const file = join(dir, `${name}.ts`);
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const scenario = validateScenario(module.default, `scenarios/${name}.ts`);
  if (scenario.name !== name) {
    throw new UsageError("INVALID_SCENARIO", `scenarios/${name}.ts: name is "${scenario.name}"; it must match the file name ("${name}").`);
  }
  return scenario;
}
