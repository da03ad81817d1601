import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { packageFile } from "../core/package-files.ts";
import { aptConfigLines, SUITES, type SuiteName } from "./suites.ts";

/** The folder with the harness's own images: the base package list, its Dockerfile, Postgres, the demo app. */
export const DOCKER_DIR = packageFile("docker");
const PACKAGE_LIST = join(DOCKER_DIR, "packages.txt");
export const POSTGRES_DIR = join(DOCKER_DIR, "postgres");

/** Bump when the way a base image is made changes (not its inputs): forces a rebuild everywhere. */
const BASE_RECIPE_VERSION = "base-v1";
/** Never part of a build context's hash or upload. */
const NEVER_SENT = new Set([".git", "node_modules", "__pycache__", ".venv", ".mypy_cache", ".pytest_cache"]);

export function packageList(): string[] {
  return readFileSync(PACKAGE_LIST, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/**
 * Every file of a build context, relative to it, sorted (the image's hash depends on them). A symlinked folder is
 * followed: the seed backend shares docker/dropin/ and docker/seed-hooks/ that way, so its hash covers their files.
 */
export function contextFiles(context: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      if (NEVER_SENT.has(name) || name.endsWith(".pyc")) return [];
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return walk(context)
    .map((file) => relative(context, file))
    .sort();
}

/** A short hash of strings and of the files of a context, in order. */
export function inputsHash(parts: string[], context?: { dir: string; files: string[] }): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  for (const file of context?.files ?? [])
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(join(context!.dir, file)))
      .update("\0");
  return hash.digest("hex").slice(0, 12);
}

export interface SuiteImages {
  /** The suite's Debian packages (Python, gunicorn, uvicorn, FastAPI, PostgreSQL ...), tagged by a hash of their list. */
  base: string;
  /** The same image under a name that stays: `chaos-harness/base:<suite>`, for a team's `FROM`. */
  stableBase: string;
  /** The base plus the script that starts Postgres: the harness's database container. */
  db: string;
}

/** Image names are tagged with a hash of their inputs, so unchanged inputs mean no rebuild. */
export function suiteImages(suite: SuiteName): SuiteImages {
  const debianSuite = SUITES[suite].suite;
  const base = `chaos-harness/base:${debianSuite}-${inputsHash([BASE_RECIPE_VERSION, debianSuite, ...aptConfigLines(suite), packageList().join("\n")])}`;
  const db = `chaos-harness/db:${debianSuite}-${inputsHash([base], { dir: POSTGRES_DIR, files: contextFiles(POSTGRES_DIR) })}`;
  return { base, stableBase: `chaos-harness/base:${debianSuite}`, db };
}
