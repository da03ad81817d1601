import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type CapacityReport, capacityReportSchema } from "../capacity/capacity-result.ts";
import { type ResultJson, resultSchema } from "../scenario/result-json.ts";

export interface ReadReports {
  /** Every run's result.json found, oldest first. */
  results: ResultJson[];
  /** The newest capacity.json found, or null. */
  capacity: CapacityReport | null;
  /** Files that are not a result.json or capacity.json of this harness's schema (an older version's, a broken one), with why. */
  skipped: string[];
}

/** How deep result.json lies: `<dir>/<run>/`, `<dir>/nightly-…/<run>/`, `<dir>/nightly-…/capacity/`, plus a folder an artifact adds. */
const MAX_DEPTH = 4;

/**
 * The runs and the capacity report of a report folder: a run's folder, a nightly's, a capacity run's, the reports folder
 * itself, or a downloaded artifact holding any of them. Symbolic links (`latest`) are not followed, and a run found twice
 * (its run id) counts once.
 */
export function readReports(dir: string): ReadReports {
  const found: ReadReports = { results: [], capacity: null, skipped: [] };
  const capacities: CapacityReport[] = [];
  for (const file of reportFiles(dir, MAX_DEPTH)) {
    const name = relative(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      found.skipped.push(`${name}: not JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = file.endsWith("result.json") ? resultSchema.safeParse(json) : capacityReportSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      found.skipped.push(`${name}: not this harness's schema (${issue?.path.join(".") || "top"}: ${issue?.message})`);
    } else if (file.endsWith("result.json")) found.results.push(parsed.data as ResultJson);
    else capacities.push(parsed.data as CapacityReport);
  }
  found.results = onePerRun(found.results).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  found.capacity = onePerRun(capacities).sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0] ?? null;
  return found;
}

/** A run found twice counts once: a downloaded artifact holds `latest` as a copy of the folder it pointed at. */
function onePerRun<T extends { runId: string }>(reports: readonly T[]): T[] {
  return [...new Map(reports.map((r) => [r.runId, r])).values()];
}

function* reportFiles(dir: string, depth: number): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isFile() && (entry.name === "result.json" || entry.name === "capacity.json")) yield path;
    else if (entry.isDirectory() && depth > 0 && entry.name !== "node_modules") yield* reportFiles(path, depth - 1);
  }
}
