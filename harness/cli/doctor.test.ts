import { describe, expect, it } from "vitest";
import { runCliToEnd } from "../testing/run-command.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent/docker.sock" };

async function expectUsageErrors(cases: Array<[string[], RegExp]>): Promise<void> {
  for (const [args, message] of cases) {
    const result = await runCliToEnd("doctor", args, NO_DOCKER);
    expect(result.code, args.join(" ")).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  }
}

describe("npm run doctor", () => {
  it("refuses bad options with exit 2 and the fix, before touching Docker", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["--idle-timeout", "60"],
        /--idle-timeout and --termination-grace describe a platform: name it too \(--platform kubernetes\|render\|heroku\|alb\)/,
      ],
      [["--platform", "fly"], /--platform.*fly.*kubernetes, render, heroku, alb/s],
      [["--platform", "alb", "--idle-timeout", "0"], /--idle-timeout wants seconds above 0 and at most 4000, not "0"/],
      [["--cpus", "none"], /--cpus wants a number of cores above 0, not "none"/],
      [["--slow-p99-ms", "1.5"], /--slow-p99-ms wants a whole number of at least 1, not "1\.5"/],
    ];
    await expectUsageErrors(cases);
  });

  it("refuses a missing target file or an unknown config with exit 2, before building anything", async () => {
    await expectUsageErrors([
      [["--target", "no-such.target.ts"], /TARGET_NOT_FOUND/],
      [["--target", "docker/demo.target.ts", "--config", "nope"], /UNKNOWN_CONFIG.*Its configs: default, seed/],
    ]);
  });

  it("exits 3 with the fix when no Docker engine answers", async () => {
    const result = await runCliToEnd("doctor", ["--target", "docker/demo.target.ts", "--platform", "alb"], NO_DOCKER);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/DOCKER_UNREACHABLE.*npm run setup/);
    expect(result.stdout).toBe("");
  });
});
