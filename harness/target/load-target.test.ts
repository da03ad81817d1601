import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError } from "../core/errors.ts";
import { bannersOf, pathOfRole, TARGET_JSON_SCHEMA, targetConfig } from "./define-target.ts";
import { findTarget } from "./find-target.ts";
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
      health: "/health",
      paths: {},
      database: { urlEnv: "DB_URL", env: {}, init: join(work, "schema.sql") },
      file: join(work, "ok.json"),
    });
    // gunicorn's own settings go through GUNICORN_CMD_ARGS: no variable of the app's is assumed, and no banner is owed.
    expect(target).not.toHaveProperty("port");
    expect(target).not.toHaveProperty("workers");
    expect(target).not.toHaveProperty("timeouts");
    expect(bannersOf(target!, "default")).toEqual({});
  });

  it("owes only the banners declared: per config, true for the standard text, false for none", async () => {
    const { target } = await attempt("banners.json", {
      ...minimal,
      banners: { interrupt: true, abort: "ABORTED pid=(\\d+)" },
      configs: { plain: { banners: false }, dropin: { banners: { interrupt: true, abort: true, kill: true } }, same: {} },
    });
    expect(bannersOf(target!, "default")).toEqual({
      interrupt: "WORKER INTERRUPT SIGNAL RECEIVED - PID (\\d+)",
      abort: "ABORTED pid=(\\d+)",
    });
    expect(bannersOf(target!, "plain")).toEqual({});
    expect(Object.keys(bannersOf(target!, "dropin"))).toEqual(["interrupt", "abort", "kill"]);
    expect(bannersOf(target!, "same")).toEqual(bannersOf(target!, "default"));
    const demo = await loadTarget();
    expect(Object.keys(bannersOf(demo, "default"))).toEqual(["interrupt", "abort", "kill"]);
    expect(Object.keys(bannersOf(demo, "seed"))).toEqual(["interrupt", "abort"]);
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
    expect(outcome.message).toMatch(
      / {2}database: an object \{urlEnv\?, url\?, env\?, password\?, init\?, lockTable\?\} .* or false \(no database\)\n/,
    );
    expect(outcome.message).not.toMatch(/Invalid input/);
  });

  it.each([
    ["neither urlEnv nor env", {}, /database: say where the app reads the database: urlEnv .*, env .*, or both/],
    ["a urlEnv that is not a variable name", { urlEnv: "database url" }, /database\.urlEnv: an environment variable name/],
    ["a bad lockTable", { urlEnv: "DB", lockTable: "t; drop" }, /database\.lockTable: a table name/],
    ["an unknown key", { urlEnv: "DB", uri: "postgres://" }, /database: Unrecognized key: "uri"/],
    [
      "an unknown placeholder",
      { urlEnv: "DB", url: "postgresql://{username}@{host}" },
      /database\.url: a template whose only placeholders are \{user\}/,
    ],
    [
      "a url with no urlEnv",
      { env: { PGHOST: "{host}" }, url: "postgresql://{host}" },
      /database\.urlEnv: url is the form of the URL put in urlEnv/,
    ],
    ["a password a URL cannot hold as it is", { urlEnv: "DB", password: "p@ss word" }, /database\.password: letters, digits and/],
  ])("names the field inside database when it has %s (exit 2)", async (_what, database, message) => {
    const outcome = await attempt("db.json", { ...minimal, database });
    expect(outcome).toMatchObject({ code: "INVALID_TARGET", exit: 2 });
    expect(outcome.message).toMatch(message);
  });

  it("loads the demo's TypeScript target, with its seed config", async () => {
    const demo = await loadTarget();
    expect(demo.name).toBe("demo");
    expect(demo.paths.db).toBe("/db?ms=20");
    expect(targetConfig(demo, "seed").command).toEqual(["gunicorn", "app.main:app", "--config", "gunicorn_seed.conf.py"]);
    expect(targetConfig(demo, "default")).toEqual({ env: {} });
    expect(() => targetConfig(demo, "prod")).toThrow(/Target demo has no config "prod"\. Its configs: default, seed/);
  });

  it("names a path by role: health is the health path, any other role one of paths, an unmapped role none", async () => {
    const demo = await loadTarget();
    expect(pathOfRole(demo, "health")).toBe("/health");
    expect(pathOfRole(demo, "db")).toBe("/db?ms=20");
    expect(pathOfRole({ ...demo, health: "/livez" }, "health")).toBe("/livez");
    expect(pathOfRole(demo, "no-such-role")).toBeUndefined();
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
    expect(readFileSync(TARGET_JSON_SCHEMA.file, "utf8")).toBe(TARGET_JSON_SCHEMA.text());
  });
});

describe("finding the team's target file", () => {
  it("looks in the folder given and above, as vitest finds its config, and stops at the repository's root", () => {
    const root = mkdtempSync(join(tmpdir(), "find-target-"));
    const deep = join(root, "repo", "services", "api");
    mkdirSync(deep, { recursive: true });
    expect(findTarget(deep)).toBeUndefined();
    writeFileSync(join(root, "chaos.target.json"), "{}");
    // Above the repository's root (a folder with .git) is someone else's: not looked at.
    mkdirSync(join(root, "repo", ".git"));
    expect(findTarget(deep)).toBeUndefined();
    writeFileSync(join(root, "repo", "chaos.target.json"), "{}");
    expect(findTarget(deep)).toBe(join(root, "repo", "chaos.target.json"));
    writeFileSync(join(root, "repo", "chaos.target.ts"), "");
    expect(findTarget(deep)).toBe(join(root, "repo", "chaos.target.ts"));
    writeFileSync(join(deep, "chaos.target.json"), "{}");
    expect(findTarget(deep)).toBe(join(deep, "chaos.target.json"));
    rmSync(root, { recursive: true, force: true });
  });
});
