import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { currentOwner, ownerIsAlive } from "../cleanup/run-context.ts";
import { UsageError } from "../core/errors.ts";
import { packageFile } from "../core/package-files.ts";

/**
 * Where report folders go: `reports/` of the repository, or `CHAOS_REPORTS_DIR`. Kept here, not beside the
 * reporters, so that a command that only prunes (every CLI does, through usage.ts) loads no reporter.
 */
export const REPORTS_DIR = process.env.CHAOS_REPORTS_DIR ?? packageFile("reports");

/** `CHAOS_KEEP_REPORTS=N`: how many report folders to keep (default 50); `--keep` overrides it. */
const KEEP_ENV = "CHAOS_KEEP_REPORTS";
const DEFAULT_KEEP = 50;
/** In a folder being written: the owner (host:pid:start) of the process writing it. */
const WRITING_MARKER = ".writing";
/** The folders the harness writes: a run's (its run id), a nightly's, a capacity run's. Nothing else is touched. */
const REPORT_FOLDER = /^(\d{8}T\d{6}Z-.+|nightly-\d{4}-\d{2}-\d{2}(-\d{6})?(-shard-\d+-of-\d+)?|capacity-\d{8}T\d{6}Z-.+)$/;

/** The number of folders to keep: `--keep`, else CHAOS_KEEP_REPORTS, else 50. */
export function keepCount(option: number | undefined): number {
  if (option !== undefined) return option;
  const fromEnv = process.env[KEEP_ENV];
  if (fromEnv === undefined || fromEnv === "") return DEFAULT_KEEP;
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      "BAD_KEEP",
      `${KEEP_ENV}=${fromEnv}: give a whole number of report folders to keep, at least 1 (default ${DEFAULT_KEEP}).`,
    );
  return n;
}

/** Marks `dir` as being written by this process until `done` is called (retention leaves it alone meanwhile). */
export function markWriting(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, WRITING_MARKER);
  writeFileSync(marker, currentOwner());
  return () => rmSync(marker, { force: true });
}

/**
 * Keeps the newest `keep` report folders of `parent` (by last change) and removes the others, except one a
 * live harness is still writing. A nightly's folder holds its runs and counts as one. Returns what it removed.
 */
export function pruneReports(parent: string, keep: number): string[] {
  if (!existsSync(parent)) return [];
  const folders = readdirSync(parent, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && REPORT_FOLDER.test(entry.name))
    .flatMap((entry) => {
      try {
        return [{ name: entry.name, changed: statSync(join(parent, entry.name)).mtimeMs }];
      } catch {
        return []; // removed meanwhile (another harness pruning too)
      }
    })
    .sort((a, b) => b.changed - a.changed || b.name.localeCompare(a.name));
  const removed: string[] = [];
  for (const folder of folders.slice(keep)) {
    const dir = join(parent, folder.name);
    if (beingWritten(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(folder.name);
  }
  return removed;
}

function beingWritten(dir: string): boolean {
  try {
    return ownerIsAlive(readFileSync(join(dir, WRITING_MARKER), "utf8").trim());
  } catch {
    return false;
  }
}
