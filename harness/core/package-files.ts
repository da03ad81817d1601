import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's name on npm, and in package.json: what a team installs and imports. */
export const PACKAGE_NAME = "chaos-harness";

/**
 * The harness's own files (docker/ build contexts, the Python it runs in containers, committed schemas, the
 * report pages' scripts) live at fixed places under the package's root: this repository in development,
 * node_modules/chaos-harness once installed. The root is found from this module's own place, which is
 * harness/core/ in the sources and dist/… in the compiled package, as the nearest package.json named
 * chaos-harness above it.
 */
function findPackageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json named ${PACKAGE_NAME} above ${start}: the package is incomplete.`);
  }
}

export const PACKAGE_ROOT = findPackageRoot();

/** A file of the package, by its path from the package's root (docker/, harness/…/x.py, reports/x.schema.json). */
export function packageFile(path: string): string {
  return join(PACKAGE_ROOT, path);
}

/**
 * Whether this is the compiled package (JavaScript under dist/), not the TypeScript sources run by tsx or
 * vitest: scenarios are then dist/scenarios/*.js, and a team's .ts files need compiling before import.
 */
export const COMPILED = import.meta.url.endsWith(".js");
