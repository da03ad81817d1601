import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { UsageError } from "../core/errors.ts";
import { importFile } from "../core/import-file.ts";
import { commandLine } from "../core/invocation.ts";
import { COMPILED, packageFile } from "../core/package-files.ts";
import { type Scenario, validateScenario } from "./define-scenario.ts";

/** The catalogue's scenarios: one file each in scenarios/ (the sources). */
const CATALOGUE_DIR = packageFile("scenarios");
/**
 * The compiled package carries the catalogue as data instead: every scenario validated when the package was
 * built (npm run build), in the form validation gives, so a command reads one JSON file instead of importing
 * and validating twenty modules.
 */
export const COMPILED_CATALOGUE = packageFile("dist/scenarios.json");
let compiledCatalogue: Record<string, Scenario> | undefined;
const compiled = () => {
  compiledCatalogue ??= JSON.parse(readFileSync(COMPILED_CATALOGUE, "utf8")) as Record<string, Scenario>;
  return compiledCatalogue;
};
/** A team's own scenarios: chaos/scenarios/ beside its target file. */
const TEAM_DIR = join("chaos", "scenarios");
const TEAM_EXTENSIONS = [".ts", ".mts", ".js", ".mjs"];

interface ScenarioFile {
  name: string;
  file: string;
  /** From the team's chaos/scenarios/, not the catalogue. */
  team: boolean;
}

/** Where a target's team keeps its own scenarios: chaos/scenarios/ in the folder of its target file. */
export function teamScenarioDir(target: { file: string } | undefined): string | undefined {
  const dir = target && join(dirname(target.file), TEAM_DIR);
  return dir && existsSync(dir) ? dir : undefined;
}

/** The catalogue's scenarios and the team's (tests, declarations and other files left out), by name. */
function scenarioFiles(teamDir?: string): ScenarioFile[] {
  const inFolder = (dir: string, extensions: string[]) =>
    readdirSync(dir)
      .filter((f) => extensions.some((e) => f.endsWith(e)) && !/\.(test|d)\.[cm]?[jt]s$/.test(f))
      .map((f) => ({ name: f.slice(0, f.lastIndexOf(".")), file: join(dir, f) }));
  const catalogue = (
    COMPILED ? Object.keys(compiled()).map((name) => ({ name, file: COMPILED_CATALOGUE })) : inFolder(CATALOGUE_DIR, [".ts"])
  ).map((s) => ({ ...s, team: false }));
  const team = teamDir ? inFolder(teamDir, TEAM_EXTENSIONS).map((s) => ({ ...s, team: true })) : [];
  for (const mine of team) {
    const other = [...catalogue, ...team].find((s) => s.name === mine.name && s.file !== mine.file);
    if (other) {
      throw new UsageError(
        "DUPLICATE_SCENARIO",
        `${relative(process.cwd(), mine.file)}: there is already a scenario named "${mine.name}" (${other.team ? relative(process.cwd(), other.file) : "in the catalogue"}). Rename the file and its name: field.`,
      );
    }
  }
  return [...catalogue, ...team].sort((a, b) => a.name.localeCompare(b.name));
}

/** Scenario names: the catalogue's, and the team's when its chaos/scenarios/ folder is given. */
export function scenarioNames(teamDir?: string): string[] {
  return scenarioFiles(teamDir).map((s) => s.name);
}

export async function loadScenario(name: string, teamDir?: string): Promise<Scenario> {
  const files = scenarioFiles(teamDir);
  const found = files.find((s) => s.name === name);
  if (!found) {
    throw new UsageError(
      "UNKNOWN_SCENARIO",
      `There is no scenario "${name}". Available: ${files.map((s) => s.name).join(", ")}.\nRun \`${commandLine("scenario", "--list")}\` for descriptions.`,
    );
  }
  if (COMPILED && !found.team) return structuredClone(compiled()[name]!);
  const shown = found.team ? relative(process.cwd(), found.file) : `the catalogue's scenario ${name} (scenarios/${name}.ts)`;
  let module: { default?: unknown };
  try {
    module = (await importFile(found.file)) as { default?: unknown };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError("INVALID_SCENARIO", `${shown} could not be loaded: ${(error as Error).message}`);
  }
  const scenario = validateScenario(module.default, shown);
  if (scenario.name !== name) {
    throw new UsageError("INVALID_SCENARIO", `${shown}: name is "${scenario.name}"; it must match the file name ("${name}").`);
  }
  return scenario;
}
