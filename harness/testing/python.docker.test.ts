import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newRunContext, ROLE_LABEL } from "../cleanup/run-context.ts";
import { PYFLAKES } from "../engine/ensure-engine.ts";
import { suiteImages } from "../images/image-inputs.ts";
import { SUITE_NAMES } from "../images/suites.ts";
import { REPO_ROOT } from "./run-command.ts";

/** Folders that hold no Python of the project's own. */
const NOT_SOURCE = new Set(["node_modules", "reports", "__pycache__"]);

/** Every .py file of the repository (dot-folders aside), relative to its root: what the harness runs as `python3 -c` included. */
function projectPythonFiles(dir = ""): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name.startsWith(".") || NOT_SOURCE.has(entry.name) ? [] : projectPythonFiles(path);
    return entry.isFile() && entry.name.endsWith(".py") ? [path] : [];
  });
}

const files = projectPythonFiles().sort();

/**
 * The pyflakes messages a line may silence with flake8's `# noqa: <code>` (pyflakes has no comment of its own): an
 * import that exists only to define a name gunicorn reads from its config module, and a config's `import *` of the shared
 * settings. Any other finding fails.
 */
const SILENCEABLE: Array<[code: string, message: RegExp]> = [
  ["F401", / imported but unused$/],
  ["F403", /^'from \S+ import \*' used; unable to detect undefined names$/],
];

function silenced(file: string, line: number, message: string): boolean {
  const code = SILENCEABLE.find(([, pattern]) => pattern.test(message))?.[0];
  const source = readFileSync(join(REPO_ROOT, file), "utf8").split("\n")[line - 1] ?? "";
  const noqa = /#\s*noqa:\s*([A-Z0-9, ]+)/.exec(source)?.[1];
  return code !== undefined && (noqa?.split(/[\s,]+/).includes(code) ?? false);
}

describe("the project's Python", () => {
  it("is found: the drop-in, the examples, and the scripts the harness runs in containers", () => {
    expect(files).toContain("docker/dropin/uvicorn_worker_hooks.py");
    expect(files.some((f) => f.startsWith("examples/"))).toBe(true);
    expect(files.some((f) => f.startsWith("harness/"))).toBe(true);
  });

  // Each suite's own Python (3.11 on bookworm to 3.14 on sid), in a throwaway container of its base image: the
  // repository mounted read-only, byte code written to /tmp, no network, labelled as the harness's containers are.
  it.each(SUITE_NAMES)("compiles under %s's Python, with no warning", (suite) => {
    const run = newRunContext(`python-${suite}`);
    const labels = Object.entries({ ...run.labels, [ROLE_LABEL]: "python-check" }).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
    const container = ["run", "--rm", "--network", "none", ...labels, "-v", `${REPO_ROOT}:/src:ro`, "-w", "/src"];
    const compile = ["-e", "PYTHONPYCACHEPREFIX=/tmp/pycache", suiteImages(suite).base, "python3", "-W", "error", "-m", "py_compile"];
    const compiled = spawnSync("docker", [...container, ...compile, ...files], { encoding: "utf8" });
    expect(compiled.error).toBeUndefined();
    expect({ exit: compiled.status, output: `${compiled.stdout}${compiled.stderr}`.trim() }).toEqual({ exit: 0, output: "" });
  });

  it(`pyflakes (${PYFLAKES} on this machine) finds nothing, but what a line silences with # noqa`, () => {
    const linted = spawnSync(PYFLAKES, files, { cwd: REPO_ROOT, encoding: "utf8" });
    if (linted.error)
      throw new Error(`Cannot run ${PYFLAKES} (${linted.error.message}): \`npm run setup\` installs it (Debian's pyflakes3).`);
    expect(linted.stderr).toBe("");
    const findings = linted.stdout
      .split("\n")
      .filter(Boolean)
      .filter((line) => {
        const [, file, at, message] = /^(.+?):(\d+):(?:\d+:)? (.*)$/.exec(line) ?? [];
        return !(file && at && message && silenced(file, Number(at), message));
      });
    expect(findings).toEqual([]);
  });
});
