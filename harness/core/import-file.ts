import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "./errors.ts";
import { COMPILED } from "./package-files.ts";

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Imports a file the user wrote (a target, a team's scenario). Run from the sources (tsx, vitest), node loads
 * TypeScript already. The compiled package runs on plain node, which does not: a `.ts` file is then bundled by
 * esbuild (its own relative imports included, packages left as imports, so `chaos-harness` is the installed
 * package) into node_modules/.cache/chaos-harness/ beside it, and that is imported. The bundle is kept and
 * reused while none of its inputs changes, so a command starts without esbuild the second time.
 */
export async function importFile(file: string): Promise<unknown> {
  const path = resolve(file);
  if (!COMPILED || !TYPESCRIPT.test(path)) return import(pathToFileURL(path).href);
  return import(pathToFileURL(await compiled(path)).href);
}

interface CacheEntry {
  /** Each input file and its size and modification time when the bundle was made. */
  inputs: Record<string, string>;
}

async function compiled(path: string): Promise<string> {
  const cache = cacheDir(path);
  const key = createHash("sha256").update(path).digest("hex").slice(0, 16);
  const out = join(cache, `${basename(path).replace(TYPESCRIPT, "")}-${key}.mjs`);
  const manifest = `${out}.json`;
  if (existsSync(out) && existsSync(manifest) && unchanged((JSON.parse(readFileSync(manifest, "utf8")) as CacheEntry).inputs)) return out;
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [path],
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    metafile: true,
    logLevel: "silent",
    sourcemap: "inline",
    absWorkingDir: dirname(path),
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const first = error.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : "";
    throw new UsageError("INVALID_TS_FILE", `${path} does not compile: ${where}${first?.text ?? String(error)}`);
  });
  mkdirSync(cache, { recursive: true });
  writeFileSync(out, result.outputFiles[0]!.contents);
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((input) => [resolve(dirname(path), input), stamp(resolve(dirname(path), input))]),
  );
  writeFileSync(manifest, JSON.stringify({ inputs } satisfies CacheEntry));
  return out;
}

function stamp(file: string): string {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : "missing";
}

function unchanged(inputs: Record<string, string>): boolean {
  return Object.entries(inputs).every(([file, was]) => stamp(file) === was);
}

/**
 * node_modules/.cache/chaos-harness under the nearest node_modules above the file: the bundle must sit where
 * node resolves the packages the file imports (chaos-harness first of all).
 */
function cacheDir(path: string): string {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "chaos-harness");
    if (dirname(dir) === dir) {
      throw new UsageError(
        "NO_NODE_MODULES",
        `${path} is TypeScript and there is no node_modules folder above it to resolve its imports from. ` +
          "Install the harness in that repository (npm i -D chaos-harness), or give a .json file.",
      );
    }
  }
}
