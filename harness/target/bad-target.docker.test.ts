import { describe, expect, it } from "vitest";
import { RUN_LABEL } from "../cleanup/run-context.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { runCliToEnd } from "../testing/run-command.ts";

const BROKEN = "harness/testing/apps/broken";

async function containersOfRun(stdout: string) {
  const runId = /reports\/([^/\s]+)\/report\.html/.exec(stdout)?.[1];
  expect(runId, "the report line names the run").toBeDefined();
  return dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }) });
}

describe("a target that cannot run says why, exits 3, and leaves no container", () => {
  it("a Dockerfile that fails to build: the build's last lines", async () => {
    const result = await runCliToEnd("scenario", ["smoke", "--target", `${BROKEN}/unbuildable.target.json`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/IMAGE_BUILD_FAILED: Building chaos-harness\/target-unbuildable:trixie-\w+ failed/);
    expect(result.stderr).toMatch(/No matching distribution found for fastapi-magic/);
    expect(await containersOfRun(result.stdout)).toEqual([]);
  });

  it("an app that never answers its health path: what was missing, and the app's last lines", async () => {
    const result = await runCliToEnd("scenario", ["smoke", "--target", `${BROKEN}/no-health.target.json`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/STACK_NOT_READY: The app did not become ready: not ready after 4 s: 0 of 4 workers completed startup/);
    expect(result.stderr).toMatch(/\| serving files, not an app/);
    expect(await containersOfRun(result.stdout)).toEqual([]);
  });

  it("an app whose workers start but whose health path is wrong: the path, what it answered", async () => {
    const result = await runCliToEnd("scenario", ["smoke", "--target", `${BROKEN}/wrong-health.target.json`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /STACK_NOT_READY: The app did not become ready: not ready after 10 s: 4 of 4 workers completed startup \(4 booted\) and GET \/nope answers 404: every worker is up, so check the path \(health: in the target\)/,
    );
    expect(await containersOfRun(result.stdout)).toEqual([]);
  });

  it("a command that exits at once: its exit code, and its last lines", async () => {
    const result = await runCliToEnd("scenario", ["smoke", "--target", `${BROKEN}/exits-at-once.target.json`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/STACK_NOT_READY: The app did not become ready: the app container exited with code 3/);
    expect(result.stderr).toMatch(/\| ModuleNotFoundError: No module named ledger_api/);
    expect(await containersOfRun(result.stdout)).toEqual([]);
  });
});
