import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PR_COMMENT_MARKER, prComment } from "../report/pr-comment.ts";
import { type ResultJson, resultSchema, toResultJson } from "../scenario/result-json.ts";
import { FakeGitHub } from "../testing/fake-github.ts";
import { loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { runCliToEnd } from "../testing/run-command.ts";
import { readReports } from "./read-reports.ts";

// The step the action runs after the scenarios (`chaos-harness github comment`), run as the action runs it: a process with
// GitHub's environment variables, reading report folders of recorded runs, posting to a stand-in for GitHub's API.

const recorded = RECORDED_RUNS.map((run) => toResultJson(loadRunResult(runFixtureFile(run))));
const [timeoutRun, seedDeploy] = recorded as [ResultJson, ResultJson];
// The base branch: worker-timeout failed there; deploy behaved the same; the other two did not run.
const baseTimeout = resultSchema.parse({ ...timeoutRun, status: "failed", runId: `${timeoutRun.runId}-base` });

const dir = mkdtempSync(join(tmpdir(), "chaos-comment-step-"));
const reports = join(dir, "chaos-reports");
const base = join(dir, "base");
const files = { summary: join(dir, "summary.md"), output: join(dir, "output.txt"), event: join(dir, "event.json") };

/** A report folder as a nightly writes it (`nightly-<date>/<run id>/result.json`), with `latest` pointing into it. */
function writeNightly(parent: string, runs: readonly ResultJson[]): void {
  const nightly = join(parent, "nightly-2026-12-07");
  for (const run of runs) {
    mkdirSync(join(nightly, run.runId), { recursive: true });
    writeFileSync(join(nightly, run.runId, "result.json"), JSON.stringify(run));
  }
  symlinkSync("nightly-2026-12-07", join(parent, "latest"));
}

const github = new FakeGitHub();

function comment(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return runCliToEnd("github", ["comment", "--reports", reports, ...args], {
    GITHUB_TOKEN: github.token,
    GITHUB_REPOSITORY: "octo/app",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: files.event,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: "https://github.test",
    GITHUB_RUN_ID: "42",
    GITHUB_BASE_REF: "",
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    ...env,
  });
}

const ours = () => github.ofIssue(7).filter((c) => c.body.startsWith(PR_COMMENT_MARKER));

beforeAll(async () => {
  await github.start();
  writeNightly(reports, recorded);
  mkdirSync(join(base, "chaos-reports"), { recursive: true });
  writeNightly(join(base, "chaos-reports"), [baseTimeout, seedDeploy]);
  // The artifact as upload-artifact stores it: `latest` is a copy of the folder it pointed at, not a link.
  rmSync(join(base, "chaos-reports", "latest"));
  cpSync(join(base, "chaos-reports", "nightly-2026-12-07"), join(base, "chaos-reports", "latest"), { recursive: true });
  // An older harness's result.json in the base artifact: skipped, said, not fatal.
  mkdirSync(join(base, "chaos-reports", "20250101T000000Z-smoke-old"));
  writeFileSync(join(base, "chaos-reports", "20250101T000000Z-smoke-old", "result.json"), JSON.stringify({ schemaVersion: 1 }));
});
afterAll(async () => {
  await github.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  github.comments = [];
  github.requests = [];
  github.failWrites = null;
  for (const file of [files.summary, files.output]) rmSync(file, { force: true });
  writeFileSync(files.event, JSON.stringify({ action: "synchronize", pull_request: { number: 7, base: { ref: "main" } } }));
});

describe("github comment: the action's summary and pull request comment", () => {
  it("run twice on a pull request, leaves exactly one comment: created, then updated", async () => {
    github.add(7, "Looks good to me");
    const first = await comment(["--base", base]);
    expect(first.stderr).toContain("skipped (base) chaos-reports/20250101T000000Z-smoke-old/result.json: not this harness's schema");
    expect(first.code).toBe(0);
    const expected = prComment({
      results: recorded,
      base: { results: [baseTimeout, seedDeploy], ref: "main" },
      detailsUrl: "https://github.test/octo/app/actions/runs/42",
    });
    expect(ours()).toEqual([{ id: expect.any(Number), issue: 7, body: expected }]);
    const id = ours()[0]?.id;
    expect(first.stderr).toContain(`pull request #7: comment created (https://github.test/octo/app/pull/7#issuecomment-${id})`);
    expect(readFileSync(files.summary, "utf8")).toBe(`${expected}\n`);
    expect(readFileSync(files.output, "utf8").split("\n")).toEqual([
      "verdict=failed",
      "runs=4",
      "passed=2",
      "failed=2",
      `comment-url=https://github.test/octo/app/pull/7#issuecomment-${id}`,
      "",
    ]);
    // What the recorded runs say, through the script: the verdict, the base's comparison, the runs the base did not have.
    expect(expected).toContain("## ❌ Chaos harness: 2 passed, 2 failed, 0 inconclusive (4 runs)");
    expect(expected).toContain("Compared with `main`'s last results.");
    expect(expected).toMatch(/\| worker-timeout \|.*\| failed → \*\*passed\*\* \|/);
    expect(expected).toMatch(/\| slow-db \|.*\| new \|/);

    const second = await comment(["--base", base, "--run-exit-code", "1"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("pull request #7: comment updated");
    expect(ours()).toHaveLength(1);
    expect(ours()[0]?.id).toBe(id);
    expect(ours()[0]?.body.split("\n").slice(0, 4)).toEqual([
      PR_COMMENT_MARKER,
      "## ❌ Chaos harness: 2 passed, 2 failed, 0 inconclusive (4 runs)",
      "",
      "> ⚠️ The harness exited with code 1 (an expectation failed, or behaviour regressed against the baseline): see the job's log.",
    ]);
    expect(github.ofIssue(7).map((c) => c.body.slice(0, 16))).toEqual(["Looks good to me", PR_COMMENT_MARKER.slice(0, 16)]);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/octo/app/issues/7/comments?per_page=100",
      "POST /repos/octo/app/issues/7/comments",
      "GET /repos/octo/app/issues/7/comments?per_page=100",
      `PATCH /repos/octo/app/issues/comments/${id}`,
    ]);
  });

  it("reads each run once: a link is not followed, an artifact's copy of `latest` is the same runs", () => {
    expect(readReports(reports).results.map((r) => r.runId)).toEqual(recorded.map((r) => r.runId));
    const fromBase = readReports(base);
    expect(fromBase.results.map((r) => r.runId)).toEqual([baseTimeout.runId, seedDeploy.runId]);
    expect(fromBase.skipped).toEqual([
      expect.stringMatching(/^chaos-reports\/20250101T000000Z-smoke-old\/result\.json: not this harness's schema/),
    ]);
  });

  it("on a push, writes the summary only and calls no API", async () => {
    writeFileSync(files.event, JSON.stringify({ ref: "refs/heads/main", head_commit: { id: "abc" } }));
    const run = await comment([], { GITHUB_EVENT_NAME: "push" });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no pull request (push event): summary only");
    expect(readFileSync(files.summary, "utf8")).toContain("## ❌ Chaos harness: 2 passed, 2 failed, 0 inconclusive (4 runs)");
    expect(readFileSync(files.summary, "utf8")).not.toContain("Compared with");
    expect(readFileSync(files.output, "utf8")).not.toContain("comment-url");
    expect(github.requests).toEqual([]);
  });

  it("with --no-comment, or without a pull request, no API call; without a token on a pull request, exit 3 and the fix", async () => {
    expect((await comment(["--no-comment"])).code).toBe(0);
    expect(github.requests).toEqual([]);
    const noToken = await comment([], { GITHUB_TOKEN: "" });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toMatch(/NO_GITHUB_TOKEN.*GITHUB_TOKEN is not set.*permissions: pull-requests: write/);
    expect(github.requests).toEqual([]);
  });

  it("exits 3 with GitHub's answer and the fix when the token may not write", async () => {
    github.failWrites = 403;
    const run = await comment();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/GITHUB_API.*HTTP 403 \(Resource not accessible by integration\).*pull-requests: write/);
    expect(readFileSync(files.summary, "utf8")).toContain(PR_COMMENT_MARKER);
    expect(github.comments).toEqual([]);
  });

  it("says when no scenario ran and the run step failed", async () => {
    const run = await comment(["--reports", join(dir, "missing"), "--run-exit-code", "3", "--no-comment"]);
    expect(run.code).toBe(0);
    const summary = readFileSync(files.summary, "utf8");
    expect(summary).toContain("> ⚠️ The harness exited with code 3 (environment: no Docker, an image build failed");
    expect(summary).toContain("No scenario ran.");
    expect(readFileSync(files.output, "utf8")).toContain("verdict=none");
  });
});
