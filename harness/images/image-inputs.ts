import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SUITES, type SuiteName } from "./suites.ts";

/** The folder with everything the images are made of. */
export const DOCKER_DIR = fileURLToPath(new URL("../../docker/", import.meta.url));
const PACKAGE_LIST = join(DOCKER_DIR, "packages.txt");

/** Bump when the way a base image is made changes (not its inputs): forces a rebuild everywhere. */
const BASE_RECIPE_VERSION = "base-v1";

export function packageList(): string[] {
  return readFileSync(PACKAGE_LIST, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/** Files of the app image's build context, relative to DOCKER_DIR, sorted (the hash depends on them). */
export function appContextFiles(): string[] {
  const files = ["Dockerfile"];
  for (const dir of ["app", "postgres"]) files.push(...walk(join(DOCKER_DIR, dir)));
  return files.map((f) => (f.startsWith("/") ? relative(DOCKER_DIR, f) : f)).sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "__pycache__" || name.endsWith(".pyc")) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function shortHash(parts: Array<string | Buffer>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 12);
}

export interface SuiteImages {
  base: string;
  app: string;
}

/** Image names are tagged with a hash of their inputs, so unchanged inputs mean no rebuild. */
export function suiteImages(stack: SuiteName): SuiteImages {
  const { suite } = SUITES[stack];
  const base = `chaos-harness/base:${suite}-${shortHash([BASE_RECIPE_VERSION, suite, packageList().join("\n")])}`;
  const appParts = [base, ...appContextFiles().flatMap((f) => [f, readFileSync(join(DOCKER_DIR, f))])];
  return { base, app: `chaos-harness/app:${suite}-${shortHash(appParts)}` };
}
