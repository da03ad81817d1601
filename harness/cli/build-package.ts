// npm run build (and `prepack`): compiles the harness to JavaScript under dist/ for the installable package.
// esbuild bundles each entry point (the bin, the API, every scenario, the demo target) with code splitting, so
// a command loads its own chunk and nothing else; npm packages stay imports, except zod, bundled because
// resolving its hundred files is the largest part of a command's start. tsc writes the API's type declarations.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import pc from "picocolors";
import { $ } from "zx";
import { PACKAGE_ROOT } from "../core/package-files.ts";

const DIST = join(PACKAGE_ROOT, "dist");
/** Bundled into the chunks instead of imported at run time. */
const BUNDLED = new Set(["zod"]);

const started = performance.now();
rmSync(DIST, { recursive: true, force: true });
const manifest = (await import(join(PACKAGE_ROOT, "package.json"), { with: { type: "json" } })).default as {
  dependencies: Record<string, string>;
};
const scenarios = readdirSync(join(PACKAGE_ROOT, "scenarios"))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => `scenarios/${f}`);
const result = await build({
  absWorkingDir: PACKAGE_ROOT,
  entryPoints: ["harness/cli/chaos-harness.ts", "harness/index.ts", "docker/demo.target.ts", ...scenarios],
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
// Declarations for harness/index.ts (defineTarget, defineScenario and their types), for a team's editor.
await $({ cwd: PACKAGE_ROOT })`npx tsc -p tsconfig.build.json`;
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".js")).length;
process.stderr.write(
  `${pc.green("built")} dist/: ${files} JavaScript files and the API's declarations in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
