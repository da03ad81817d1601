// npm run build (and `prepack`): compiles the harness to JavaScript under dist/ for the installable package.
// esbuild bundles each entry point (the bin, the API, every scenario, the demo target) with code splitting, so
// a command loads its own chunk and nothing else; npm packages stay imports, except zod, bundled because
// resolving its hundred files is the largest part of a command's start. The catalogue's scenarios go in as data
// (dist/scenarios.json, each validated here), so no command imports and validates twenty modules to list them.
// tsc writes the API's type declarations.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import pc from "picocolors";
import { $ } from "zx";
import { PACKAGE_ROOT } from "../core/package-files.ts";
import { COMPILED_CATALOGUE, loadScenario, scenarioNames } from "../scenario/catalogue.ts";

const DIST = join(PACKAGE_ROOT, "dist");
/** Bundled into the chunks instead of imported at run time. */
const BUNDLED = new Set(["zod"]);

const started = performance.now();
rmSync(DIST, { recursive: true, force: true });
const manifest = (await import(join(PACKAGE_ROOT, "package.json"), { with: { type: "json" } })).default as {
  dependencies: Record<string, string>;
};
const result = await build({
  absWorkingDir: PACKAGE_ROOT,
  entryPoints: ["harness/cli/chaos-harness.ts", "harness/index.ts", "docker/demo.target.ts"],
  outdir: "dist",
  outbase: ".",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  external: Object.keys(manifest.dependencies).filter((name) => !BUNDLED.has(name)),
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: "warning",
});
const catalogue = Object.fromEntries(await Promise.all(scenarioNames().map(async (name) => [name, await loadScenario(name)] as const)));
for (const [name, scenario] of Object.entries(catalogue)) {
  const where = nonJson(scenario, name);
  if (where)
    throw new Error(`scenarios/${name}.ts: ${where} is not plain data; the compiled catalogue (JSON) would differ from the sources.`);
}
mkdirSync(DIST, { recursive: true });
writeFileSync(COMPILED_CATALOGUE, `${JSON.stringify(catalogue)}\n`);
// Declarations for harness/index.ts (defineTarget, defineScenario and their types), for a team's editor.
await $({ cwd: PACKAGE_ROOT })`npx tsc -p tsconfig.build.json`;
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js")).length;
process.stderr.write(
  `${pc.green("built")} dist/: ${files} JavaScript files, ${Object.keys(catalogue).length} scenarios as data and the API's declarations in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

/** Where a value holds something JSON would change (a function, a Map, a Date, NaN), or undefined when it is plain data. */
function nonJson(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) return value.map((item, i) => nonJson(item, `${path}[${i}]`)).find(Boolean);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return Object.entries(value)
      .map(([key, item]) => nonJson(item, `${path}.${key}`))
      .find(Boolean);
  return path;
}
