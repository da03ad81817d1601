import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCliToEnd } from "../testing/run-command.ts";

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

  it("refuses the deploy options where they would be ignored, and bad values, with exit 2 and the fix", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["slow-db", "--profile", "naive"],
        /--profile and --pre-stop shape a rolling deploy; slow-db has none\. Run: npm run scenario -- rolling-deploy --profile naive/,
      ],
      [
        ["slow-db", "--replicas", "3"],
        /slow-db runs one app container: its faults act on that one\. --replicas applies to .*rolling-deploy, lb-keepalive/,
      ],
      [["rolling-deploy", "--pre-stop", "3"], /--pre-stop is Kubernetes' preStop sleep: give it with --profile kubernetes/],
      [["rolling-deploy", "--replicas", "9"], /--replicas wants a whole number from 1 to 8, not "9"/],
      [["rolling-deploy", "--profile", "heroku"], /--profile.*heroku.*render, kubernetes, naive/s],
      [["lb-keepalive", "--keepalive", "0"], /--keepalive wants a whole number from 1 to 300, not "0"/],
      // gunicorn's keepalive is whole seconds: 1.5 would stop gunicorn at boot.
      [["lb-keepalive", "--keepalive", "1.5"], /--keepalive wants a whole number from 1 to 300, not "1\.5"/],
      [["smoke", "--worker", "asgi"], /The asgi worker is not in trixie's gunicorn: .*gunicorn 24\. .*--suite sid --worker asgi/],
      [["smoke", "--worker", "gevent"], /--worker.*gevent.*uvicorn, asgi/s],
      [
        ["deploy", "--suite", "sid", "--worker", "asgi", "--target", "examples/seed-backend/seed-backend.target.ts"],
        /--worker asgi sets gunicorn's worker class through the target's settings, and seed-backend declares none for it: add settings: \{ workerClass: "GUNICORN_WORKER_CLASS" \}/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCliToEnd("scenario", args, NO_DOCKER)));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i]!.code, args.join(" ")).toBe(2);
      expect(results[i]!.stderr, args.join(" ")).toMatch(message);
    }
  }, 30_000);

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
    expect(result.stdout).toMatch(/3\s+environment\s+\(.*\),\s+5\s+inconclusive\s+\(the\s+load\s+generator\s+lagged/s);
  });
});

describe("npm run scenario --target", () => {
  const ledger = "harness/testing/apps/ledger/ledger.target.json";

  it("refuses a scenario that needs a role the target does not map, naming it and the generic one to use (exit 2)", async () => {
    const result = await runCliToEnd("scenario", ["worker-timeout", "--target", ledger], NO_DOCKER);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^error SCENARIO_DOES_NOT_FIT: worker-timeout needs the role "block-event-loop" \(paths: in the target\), which target ledger does not declare \(.*ledger\.target\.json\)\. Use worker-freeze instead: it runs on this target\.$/,
      ),
    ]);
  });

  it("refuses what else a target lacks: a setting, the demo's own roles", async () => {
    const startup = await runCliToEnd("scenario", ["startup-db-down", "--target", ledger], NO_DOCKER);
    expect(startup.code).toBe(2);
    expect(startup.stderr).toMatch(
      /startup-db-down needs the settings startupStepTimeoutS, startupTotalTimeoutS \(settings: in the target\)/,
    );
    const oom = await runCliToEnd("scenario", ["oom", "--target", ledger], NO_DOCKER);
    expect(oom.stderr).toMatch(/oom needs the role "leak-memory".*Use memory-squeeze instead/);
    const slow = await runCliToEnd("scenario", ["slow-endpoint", "--target", ledger], NO_DOCKER);
    expect(slow.stderr).toMatch(/slow-endpoint needs the role "slow" .*Use db-latency instead: it runs on this target\.$/m);
  });

  it("names the fix when the generic stand-in does not run on the target either", async () => {
    // A target with no database: neither slow-endpoint (role "slow") nor its stand-in db-latency runs on it.
    const noDatabase = "harness/testing/apps/broken/exits-at-once.target.json";
    const result = await runCliToEnd("scenario", ["slow-endpoint", "--target", noDatabase], NO_DOCKER);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /slow-endpoint needs the role "slow" .*Declare it in the target to run slow-endpoint\. Its stand-in, db-latency, does not run here either: it needs the role "db" \(paths: in the target\)\.$/,
    );
    // A setting only the app can take (gunicorn's own come through GUNICORN_CMD_ARGS, so max-requests runs anywhere).
    const withDatabase = "harness/testing/apps/broken/wrong-health.target.json";
    const startup = await runCliToEnd("scenario", ["startup-db-down", "--target", withDatabase], NO_DOCKER);
    expect(startup.code).toBe(2);
    expect(startup.stderr.trim()).toMatch(
      /startup-db-down needs the settings startupStepTimeoutS, startupTotalTimeoutS .*Declare it in the target to run startup-db-down\. Its stand-in, db-outage, does not run here either/,
    );
  });

  it("lists which scenarios run on a target", async () => {
    const result = await runCliToEnd("scenario", ["--list", "--target", ledger]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^worker-timeout +\(not on ledger: needs the role "block-event-loop"/m);
    expect(result.stdout).toMatch(/^worker-freeze +SIGSTOP to one worker/m);
    expect(result.stdout).toMatch(/^slow-db +The database turns slow/m);
  });

  it("says so when the target file or its config does not exist (exit 2)", async () => {
    const missing = await runCliToEnd("scenario", ["smoke", "--target", "no/such.target.json"], NO_DOCKER);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/TARGET_NOT_FOUND: There is no target file no\/such\.target\.json/);
    const config = await runCliToEnd("scenario", ["smoke", "--config", "prod"], NO_DOCKER);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/UNKNOWN_CONFIG: Target demo has no config "prod"\. Its configs: default, seed/);
  });
});

describe("a team's own scenarios (chaos/scenarios/ beside its target file)", () => {
  it("are named among the available ones by scenario and by nightly, which both take them", async () => {
    const team = mkdtempSync(join(tmpdir(), "team-scenarios-"));
    cpSync(join(REPO_ROOT, "harness/testing/apps/ledger"), team, { recursive: true });
    mkdirSync(join(team, "chaos", "scenarios"), { recursive: true });
    writeFileSync(
      join(team, "chaos", "scenarios", "ours.ts"),
      `import { defineScenario } from "${join(REPO_ROOT, "harness/scenario/define-scenario.ts")}";\n` +
        'export default defineScenario({ name: "ours", description: "Ours.", load: { durationS: 2, connections: 1, requests: [{ role: "health" }] }, expect: {} });\n',
    );
    const target = join(team, "ledger-bare.target.json");
    for (const command of ["scenario", "nightly"]) {
      const args = command === "scenario" ? ["no-such", "--target", target] : ["--scenario", "no-such", "--target", target];
      const result = await runCliToEnd(command, args, NO_DOCKER);
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/There is no scenario "?no-such"?\. Available: .*\bours\b/);
    }
    const list = await runCliToEnd("scenario", ["--list", "--target", target]);
    expect(list.stdout).toMatch(/^ours +Ours\.$/m);
    rmSync(team, { recursive: true, force: true });
  });
});

describe("npm run setup", () => {
  it("exits 3 and says what to do when DOCKER_HOST points at an engine that does not answer", async () => {
    const result = await runCliToEnd("setup", [], NO_DOCKER);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/DOCKER_HOST is unix:\/\/\/nonexistent\/docker\.sock.*Install Docker/s);
  });
});
