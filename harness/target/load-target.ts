import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, relative, resolve } from "node:path";
import type { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { importFile } from "../core/import-file.ts";
import { COMPILED, packageFile } from "../core/package-files.ts";
import { type Target, targetSchema } from "./define-target.ts";
import { findTarget } from "./find-target.ts";

/** The demo backend's target: what runs when no `--target` is given and no chaos.target.ts is found. */
const DEMO_TARGET = COMPILED ? packageFile("dist/docker/demo.target.js") : packageFile("docker/demo.target.ts");

/**
 * Reads a target file (`.ts` with `export default defineTarget({...})`, or plain `.json`), validates it,
 * and makes its paths absolute (they are relative to the file). Every problem is a UsageError (exit 2)
 * naming the file, the field and the fix.
 */
export async function loadTarget(file: string | undefined = findTarget() ?? DEMO_TARGET): Promise<Target> {
  const path = resolve(file);
  const shown = relative(process.cwd(), path) || path;
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(
      "TARGET_NOT_FOUND",
      `There is no target file ${shown}. Give the path of a .ts or .json target file (docs/targets.md).`,
    );
  }
  const raw = await readTargetFile(path, shown);
  const parsed = targetSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(closestIssues).map((issue) => `  ${issue.path.join(".") || "(target)"}: ${issue.message}`);
    throw new UsageError(
      "INVALID_TARGET",
      `${shown} is not a valid target:\n${problems.join("\n")}\nFix the field(s) above; docker/demo.target.ts is a working example, and docs/targets.md lists every field.`,
    );
  }
  // `$schema` is for editors only.
  const { $schema: _forEditors, ...target } = parsed.data;
  // The compiled demo is dist/docker/demo.target.js; its paths are relative to docker/, as in the sources.
  const here = path === DEMO_TARGET ? packageFile("docker") : dirname(path);
  const existing = (field: string, value: string, kind: "file" | "directory") => {
    const absolute = resolve(here, value);
    const ok = existsSync(absolute) && (kind === "file" ? statSync(absolute).isFile() : statSync(absolute).isDirectory());
    if (!ok)
      throw new UsageError("INVALID_TARGET", `${shown}: ${field} "${value}" is not a ${kind} (paths are relative to the target file).`);
    return absolute;
  };
  const build = target.build && {
    ...target.build,
    context: existing("build.context", target.build.context, "directory"),
  };
  if (build) {
    const dockerfile = existing("build.dockerfile", target.build!.dockerfile ?? `${target.build!.context}/Dockerfile`, "file");
    const inside = relative(build.context, dockerfile);
    if (inside.startsWith("..")) throw new UsageError("INVALID_TARGET", `${shown}: build.dockerfile must be inside build.context.`);
    build.dockerfile = inside;
  }
  const database = target.database && {
    ...target.database,
    init: target.database.init && existing("database.init", target.database.init, "file"),
  };
  return { ...target, build, database, file: path };
}

/**
 * A union's problem as the one that fits: when the value has the shape of exactly one option (an object
 * for `database`) and fails only inside it, that option's own issues, each naming its field
 * (`database.urlEnv`); otherwise the union's message, which says what is accepted.
 */
function closestIssues(issue: z.core.$ZodIssue): Array<{ path: PropertyKey[]; message: string }> {
  if (issue.code !== "invalid_union") return [issue];
  const inside = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (inside.length !== 1) return [issue];
  return inside[0]!.flatMap(closestIssues).map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
}

async function readTargetFile(path: string, shown: string): Promise<unknown> {
  const extension = extname(path);
  if (extension === ".json") {
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new UsageError("INVALID_TARGET", `${shown} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (![".ts", ".mts", ".js", ".mjs"].includes(extension)) {
    throw new UsageError(
      "INVALID_TARGET",
      `${shown}: a target file is .ts (export default defineTarget({...})) or .json, not ${extension || "extensionless"}.`,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await importFile(path)) as { default?: unknown };
  } catch (error) {
    throw new UsageError("INVALID_TARGET", `${shown} could not be loaded: ${(error as Error).message}`);
  }
  if (module.default === undefined)
    throw new UsageError("INVALID_TARGET", `${shown} has no default export: write \`export default defineTarget({...})\`.`);
  return module.default;
}
