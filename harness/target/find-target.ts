import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The names a team's target file may have, looked for in this order in each folder. */
const TARGET_FILE_NAMES = ["chaos.target.ts", "chaos.target.mts", "chaos.target.js", "chaos.target.mjs", "chaos.target.json"];

/**
 * The team's target file: chaos.target.ts (or .mts, .js, .mjs, .json) in `from` or the nearest folder above
 * it, as vitest finds its config; the search stops at the repository's root (a folder with .git).
 */
export function findTarget(from = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const found = TARGET_FILE_NAMES.map((name) => join(dir, name)).find((file) => existsSync(file));
    if (found) return found;
    if (existsSync(join(dir, ".git")) || dirname(dir) === dir) return undefined;
  }
}
