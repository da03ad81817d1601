import { describe, expect, it } from "vitest";
import { runCliToEnd } from "../testing/run-command.ts";

const NO_DOCKER = { DOCKER_HOST: "unix:///nonexistent/docker.sock" };

describe("npm run capacity: bad input gets exit 2 and the fix", () => {
  it.each([
    [["--slo", "p99<250ms"], /BAD_SLO.*cannot read "p99<250ms".*p99<=250ms,errors<=0\.1%/s],
    [["--slo", "p95<=100ms"], /BAD_SLO.*p50, p90 or p99/s],
    [["--require", "fast"], /BAD_REQUIRE.*"fast" is not a rate.*--require 500\/s/s],
    [["--workers", "0,2"], /--workers.*whole numbers above 0/s],
    [["--url", "http://10.0.0.1:8000"], /BAD_URL.*127\.0\.0\.1 only/s],
    [["--url", "http://127.0.0.1:8000", "--workers", "2"], /BAD_OPTION.*--url measures a service that is already running/s],
    [["--path", "no-such-role"], /BAD_PATH.*demo maps no role "no-such-role".*its roles: health, db/s],
    [["--target", "nowhere.target.ts"], /TARGET_NOT_FOUND/],
    [["--trial", "1.5"], /BAD_OPTION.*--trial 1\.5: give whole seconds, at least 2/s],
    [["--budget", "10"], /BAD_OPTION.*--budget 10: too short for one trial and its confirmation; give at least 19 s/s],
  ])("%j", async (args, message) => {
    const result = await runCliToEnd("capacity", args, NO_DOCKER);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("exits 3 with the fix when no Docker engine answers", async () => {
    const result = await runCliToEnd("capacity", ["--budget", "30"], NO_DOCKER);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/DOCKER_UNREACHABLE.*npm run setup/s);
  });

  it("documents its exit codes and options in --help", async () => {
    const result = await runCliToEnd("capacity", ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Exit codes: 0 measured.*1 below --require.*2 usage.*3 environment.*5\s+inconclusive\s+\(the\s+load\s+generator\s+could\s+not\s+offer/s,
    );
    for (const option of ["--target", "--url", "--workers", "--memory", "--slo", "--require", "--compare", "--json"])
      expect(result.stdout).toContain(option);
  });
});
