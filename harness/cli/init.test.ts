import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startCommand } from "../core/run-command.ts";
import { loadTarget } from "../target/load-target.ts";
import { REPO_ROOT, runCliToEnd } from "../testing/run-command.ts";

const LEDGER = join(REPO_ROOT, "harness/testing/apps/ledger");
const DEFINE_TARGET = pathToFileURL(join(REPO_ROOT, "harness/target/define-target.ts")).href;
const scratch = mkdtempSync(join(tmpdir(), "chaos-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of the ledger (the tests' second app), without its hand-written target files. */
function ledgerCopy(name: string): string {
  const dir = join(scratch, name);
  cpSync(LEDGER, dir, { recursive: true, filter: (path) => !path.endsWith(".target.json") });
  return dir;
}

/**
 * The written chaos.target.ts, loaded as the harness loads a target. It imports `defineTarget` from the package
 * "chaos-harness", which this repository does not install: a copy beside it imports define-target.ts instead.
 */
async function loadWritten(file: string) {
  const text = readFileSync(file, "utf8");
  expect(text).toContain('import { defineTarget } from "chaos-harness";');
  const loadable = join(dirname(file), "chaos.target.loadable.ts");
  writeFileSync(loadable, text.replace('from "chaos-harness"', `from ${JSON.stringify(DEFINE_TARGET)}`));
  return loadTarget(loadable);
}

describe("npm run init", () => {
  it("writes chaos.target.ts for the ledger: its build, port, health, database and banners, each guess with its source, then the next commands", async () => {
    const dir = ledgerCopy("writes");
    const result = await runCliToEnd("init", [dir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    const target = await loadWritten(join(dir, "chaos.target.ts"));
    const written = JSON.parse(readFileSync(join(LEDGER, "ledger.target.json"), "utf8"));
    expect(target).toMatchObject({
      name: "ledger",
      build: { context: dir, dockerfile: "Dockerfile" },
      port: written.port,
      workers: written.workers,
      timeouts: written.timeouts,
      health: "/healthz",
      database: { urlEnv: "LEDGER_DB_URL", init: join(dir, "schema.sql"), lockTable: "ledger_entries" },
      banners: written.banners,
    });
    // The image's CMD is what runs: init writes no command of its own.
    expect(target.command).toBeUndefined();

    expect(result.stdout).toMatch(/health \/healthz\n\s+from ledger_service\/api\.py:47\n\s+It must answer 2xx/);
    expect(result.stdout).toMatch(/port \{"env":"APP_PORT"\}\n\s+from deploy\/gunicorn_conf\.py:6/);
    expect(result.stdout).toMatch(/database\.urlEnv LEDGER_DB_URL\n\s+from ledger_service\/api\.py:15/);
    // Declared banners, and why the harness will report them missing: the finding, not init's mistake.
    expect(result.stdout).toMatch(/banners\.interrupt LEDGER WORKER STOPPING pid=\(\\d\+\)\n\s+from deploy\/gunicorn_conf\.py:17/);
    expect(result.stdout).toMatch(
      /Under UvicornWorker gunicorn never runs these hooks.*report the banners missing.*not a mistake of init/s,
    );
    expect(result.stdout).toContain(`wrote ${join(dir, "chaos.target.ts")}`);
    // Run from the harness's folder, the next commands name the file: they look for it from their own folder up.
    const fromHere = relative(REPO_ROOT, join(dir, "chaos.target.ts"));
    expect(result.stdout).toContain(`npm run scenario -- smoke --target ${fromHere}\n`);
    expect(result.stdout).toContain(`npm run doctor -- --target ${fromHere}\n`);
  }, 30_000);

  it("refuses to overwrite a target file (exit 2, saying --force); --force replaces it", async () => {
    const dir = ledgerCopy("exists");
    const file = join(dir, "chaos.target.ts");
    writeFileSync(file, "// the team's own\n");
    const refused = await runCliToEnd("init", [dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TARGET_EXISTS.*chaos\.target\.ts exists, and init does not overwrite it\. Give --force/);
    expect(readFileSync(file, "utf8")).toBe("// the team's own\n");

    const forced = await runCliToEnd("init", [dir, "--force"]);
    expect(forced.code).toBe(0);
    expect((await loadWritten(file)).name).toBe("ledger");
  }, 30_000);

  it("--dry-run prints the file and writes nothing", async () => {
    const dir = ledgerCopy("dry-run");
    const result = await runCliToEnd("init", [dir, "--dry-run", "--name", "books"]);
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "chaos.target.ts"))).toBe(false);
    expect(result.stdout).toContain("--dry-run: nothing written.");
    expect(result.stdout).toContain('import { defineTarget } from "chaos-harness";');
    expect(result.stdout).toMatch(/name books\n\s+from --name/);
    expect(result.stdout).toContain('  name: "books",');
  }, 30_000);

  it("with no health route and no terminal to ask in, exits 2 naming --health; --health gives it", async () => {
    const dir = join(scratch, "no-health");
    cpSync(LEDGER, dir, { recursive: true, filter: (path) => !path.endsWith(".target.json") });
    const api = join(dir, "ledger_service/api.py");
    writeFileSync(api, readFileSync(api, "utf8").replaceAll('"/healthz"', '"/entries-count"'));

    const refused = await runCliToEnd("init", [dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/HEALTH_NOT_FOUND.*init found no health route \(no route found .*\)\. .*--health \/healthz/);
    expect(existsSync(join(dir, "chaos.target.ts"))).toBe(false);

    const given = await runCliToEnd("init", [dir, "--health", "/entries-count"]);
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(/health \/entries-count\n\s+from --health/);
    expect((await loadWritten(join(dir, "chaos.target.ts"))).health).toBe("/entries-count");

    const bad = await runCliToEnd("init", [dir, "--health", "healthz", "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/a path starts with \/, e\.g\. \/healthz, not "healthz"/);
  }, 30_000);

  it("in a terminal, asks for the health path until it gets one (util-linux script gives it a terminal)", async () => {
    const dir = join(scratch, "asks");
    cpSync(LEDGER, dir, { recursive: true, filter: (path) => !path.endsWith(".target.json") });
    const api = join(dir, "ledger_service/api.py");
    writeFileSync(api, readFileSync(api, "utf8").replaceAll('"/healthz"', '"/entries-count"'));
    const command = [process.execPath, "--import", "tsx", "harness/cli/init.ts", dir].join(" ");
    const { child, done } = startCommand("script", ["-qfec", command, "/dev/null"]);
    child.stdin!.end("healthz\r/entries-count\r");
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/init found no health route.*Health path .*A path starts with \/, not "healthz"/s);
    expect(result.stdout).toMatch(/health \/entries-count\r?\n\s+from your answer/);
    expect((await loadWritten(join(dir, "chaos.target.ts"))).health).toBe("/entries-count");
  }, 30_000);

  it("--json writes chaos.target.json with $schema, which loads as it is", async () => {
    const dir = ledgerCopy("json");
    const result = await runCliToEnd("init", [dir, "--json"]);
    expect(result.code).toBe(0);
    const file = join(dir, "chaos.target.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(existsSync(resolve(dir, json.$schema))).toBe(true);
    expect(json.$schema).toMatch(/target\.schema\.json$/);
    const target = await loadTarget(file);
    expect(target).toMatchObject({ name: "ledger", health: "/healthz", port: { env: "APP_PORT" } });
    expect(existsSync(join(dir, "chaos.target.ts"))).toBe(false);
  }, 30_000);

  it("exits 2 when the folder does not exist", async () => {
    const result = await runCliToEnd("init", [join(scratch, "nowhere")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/NOT_A_DIRECTORY/);
  }, 30_000);
});
