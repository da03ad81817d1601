import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../core/errors.ts";
import { TARGET_SCHEMA_FILE, targetJsonSchemaText, variantOf } from "./define-target.ts";
import { loadTarget } from "./load-target.ts";

const work = mkdtempSync(join(tmpdir(), "targets-"));
mkdirSync(join(work, "app"));
writeFileSync(join(work, "app", "Dockerfile"), "FROM scratch\n");
writeFileSync(join(work, "schema.sql"), "CREATE TABLE t (id int);\n");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes a target file and loads it; resolves with the target or the error's code, exit code and message. */
async function attempt(name: string, content: string | object) {
  const file = join(work, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  try {
    return { target: await loadTarget(file) };
  } catch (error) {
    if (!(error instanceof HarnessError)) throw error;
    return { code: error.code, exit: error.exitCode, message: error.message };
  }
}

const minimal = { name: "svc", build: { context: "app" } };

describe("loading a target file", () => {
  it("fills every default, and makes paths absolute from the file's folder", async () => {
    const { target } = await attempt("ok.json", { ...minimal, database: { urlEnv: "DB_URL", init: "schema.sql" } });
    expect(target).toMatchObject({
      name: "svc",
      build: { context: join(work, "app"), dockerfile: "Dockerfile", args: {} },
      port: { env: "PORT" },
      workers: { env: "WEB_CONCURRENCY" },
      timeouts: { env: { timeout: "GUNICORN_TIMEOUT", gracefulTimeout: "GUNICORN_GRACEFUL_TIMEOUT" } },
      health: "/health",
      paths: {},
      database: { urlEnv: "DB_URL", init: join(work, "schema.sql") },
      banners: { interrupt: "WORKER INTERRUPT SIGNAL RECEIVED - PID (\\d+)", abort: "WORKER ABORTED - PID (\\d+)" },
      file: join(work, "ok.json"),
    });
  });

  it('accepts "$schema" in a .json target (for editors) and ignores it', async () => {
    const { target } = await attempt("with-schema.json", { $schema: "./target.schema.json", ...minimal });
    expect(target).toMatchObject({ name: "svc", health: "/health" });
    expect(target).not.toHaveProperty("$schema");
    expect(await attempt("bad-schema.json", { $schema: 1, ...minimal })).toMatchObject({
      code: "INVALID_TARGET",
      message: expect.stringMatching(/\$schema: /),
    });
  });

  it.each([
    ["true", true],
    ["a string", "postgres"],
    ["null", null],
  ])("says what database accepts when it is %s (exit 2)", async (_what, database) => {
    const outcome = await attempt("db.json", { ...minimal, database });
    expect(outcome).toMatchObject({ code: "INVALID_TARGET", exit: 2 });
    expect(outcome.message).toMatch(/ {2}database: an object \{urlEnv, init\?, lockTable\?\} .* or false \(no database\)\n/);
    expect(outcome.message).not.toMatch(/Invalid input/);
  });

  it.each([
    ["no urlEnv", {}, /database\.urlEnv: Invalid input: expected string/],
    ["a urlEnv that is not a variable name", { urlEnv: "database url" }, /database\.urlEnv: an environment variable name/],
    ["a bad lockTable", { urlEnv: "DB", lockTable: "t; drop" }, /database\.lockTable: a table name/],
    ["an unknown key", { urlEnv: "DB", url: "postgres://" }, /database: Unrecognized key: "url"/],
  ])("names the field inside database when it has %s (exit 2)", async (_what, database, message) => {
    const outcome = await attempt("db.json", { ...minimal, database });
    expect(outcome).toMatchObject({ code: "INVALID_TARGET", exit: 2 });
    expect(outcome.message).toMatch(message);
  });

  it("loads the demo's TypeScript target, with its seed variant", async () => {
    const demo = await loadTarget();
    expect(demo.name).toBe("demo");
    expect(demo.paths.db).toBe("/db?ms=20");
    expect(variantOf(demo, "seed").command).toEqual(["gunicorn", "app.main:app", "--config", "gunicorn_seed.conf.py"]);
    expect(variantOf(demo, "default")).toEqual({ env: {} });
    expect(() => variantOf(demo, "prod")).toThrow(/Target demo has no config "prod"\. Its configs: default, seed/);
  });

  it.each([
    ["a missing field", { build: { context: "app" } }, /name: /],
    ["a wrong type", { ...minimal, workers: { env: 5 } }, /workers\.env: /],
    ["an unknown field (a typo)", { ...minimal, helath: "/h" }, /Unrecognized key: "helath"/],
    ["both build and image", { ...minimal, image: "x:1" }, /build: give exactly one of build/],
    ["neither build nor image", { name: "svc" }, /build: give exactly one of build/],
    [
      "a banner pattern without a pid group",
      { ...minimal, banners: { interrupt: "STOPPING" } },
      /banners\.interrupt: a regular expression with exactly one capture group/,
    ],
    ["a path that is not a path", { ...minimal, paths: { db: "items" } }, /paths\.db: a path starts with \//],
  ])("refuses %s, naming the field (exit 2)", async (_what, content, message) => {
    const outcome = await attempt("bad.json", content);
    expect(outcome).toMatchObject({ code: "INVALID_TARGET", exit: 2 });
    expect(outcome.message).toMatch(/bad\.json is not a valid target:/);
    expect(outcome.message).toMatch(message);
  });

  it.each([
    ["a context that is not there", { name: "svc", build: { context: "nowhere" } }, /build\.context "nowhere" is not a directory/],
    [
      "a Dockerfile that is not there",
      { name: "svc", build: { context: "app", dockerfile: "app/Containerfile" } },
      /build\.dockerfile "app\/Containerfile" is not a file/,
    ],
    [
      "an init file that is not there",
      { ...minimal, database: { urlEnv: "DB", init: "missing.sql" } },
      /database\.init "missing\.sql" is not a file/,
    ],
  ])("refuses %s (exit 2)", async (_what, content, message) => {
    expect(await attempt("paths.json", content)).toMatchObject({
      code: "INVALID_TARGET",
      exit: 2,
      message: expect.stringMatching(message),
    });
  });

  it("says what is wrong with the file itself", async () => {
    expect(await attempt("broken.json", "{ name: ")).toMatchObject({
      exit: 2,
      message: expect.stringMatching(/broken\.json is not valid JSON/),
    });
    expect(await attempt("target.yaml", "name: svc")).toMatchObject({
      exit: 2,
      message: expect.stringMatching(/a target file is \.ts .* or \.json, not \.yaml/),
    });
    expect(await attempt("empty.ts", "export const x = 1;\n")).toMatchObject({
      exit: 2,
      message: expect.stringMatching(/has no default export/),
    });
    await expect(loadTarget(join(work, "none.json"))).rejects.toMatchObject({ code: "TARGET_NOT_FOUND", exitCode: 2 });
  });
});

describe("harness/target/target.schema.json", () => {
  it("is the JSON Schema of the code's own target schema (regenerate with npm run schema)", () => {
    expect(readFileSync(TARGET_SCHEMA_FILE, "utf8")).toBe(targetJsonSchemaText());
  });
});
