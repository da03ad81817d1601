import { describe, expect, it } from "vitest";
import { runCliToEnd } from "../testing/run-command.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent/docker.sock" };

describe("npm run scenario", () => {
  it("exits 2 on an unknown scenario and lists the available ones", async () => {
    const result = await runCliToEnd("scenario", ["no-such-scenario"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/UNKNOWN_SCENARIO.*There is no scenario "no-such-scenario"\. Available: .*smoke/);
    expect(result.stdout).toBe("");
  });

  it("exits 2 on a bad option, naming it", async () => {
    const bad = await runCliToEnd("scenario", ["smoke", "--suite", "jessie"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--suite.*jessie.*trixie, bookworm/s);
    const workers = await runCliToEnd("scenario", ["smoke", "--workers", "zero"]);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers wants a whole number/);
  });

  it("exits 3 with the fix when no Docker engine answers", async () => {
    const result = await runCliToEnd("scenario", ["smoke"], NO_DOCKER);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/DOCKER_UNREACHABLE.*No Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock.*npm run setup/s);
  });

  it("lists the scenarios with their descriptions", async () => {
    const result = await runCliToEnd("scenario", ["--list"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^smoke\s+Boot the stack/m);
  });

  it("shows help with exit 0", async () => {
    const result = await runCliToEnd("scenario", ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Exit codes: 0 passed, 1 an expectation failed, 2 usage/);
  });
});

describe("npm run setup", () => {
  it("exits 3 and says what to do when DOCKER_HOST points at an engine that does not answer", async () => {
    const result = await runCliToEnd("setup", [], NO_DOCKER);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/DOCKER_HOST is unix:\/\/\/nonexistent\/docker\.sock.*Install Docker/s);
  });
});
