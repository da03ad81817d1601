import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PR_COMMENT_MARKER } from "../report/pr-comment.ts";
import { FakeGitHub } from "../testing/fake-github.ts";
import { upsertComment } from "./post-comment.ts";

describe("upsertComment against a stand-in for GitHub's API", () => {
  const github = new FakeGitHub();
  beforeAll(() => github.start());
  afterAll(() => github.stop());
  beforeEach(() => {
    github.comments = [];
    github.requests = [];
    github.failWrites = null;
  });

  const post = (pr: number, body: string) => upsertComment({ apiUrl: `${github.url}/`, token: github.token, repo: "octo/app", pr, body });
  const ours = (pr: number) => github.ofIssue(pr).filter((c) => c.body.startsWith(PR_COMMENT_MARKER));

  it("creates the comment, then updates the same one", async () => {
    const first = await post(7, `${PR_COMMENT_MARKER}\nfirst run`);
    expect(first.action).toBe("created");
    const second = await post(7, `${PR_COMMENT_MARKER}\nsecond run`);
    expect(second).toEqual({ id: first.id, action: "updated", url: `https://github.test/octo/app/pull/7#issuecomment-${first.id}` });
    expect(ours(7)).toEqual([{ id: first.id, issue: 7, body: `${PR_COMMENT_MARKER}\nsecond run` }]);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/octo/app/issues/7/comments?per_page=100",
      "POST /repos/octo/app/issues/7/comments",
      "GET /repos/octo/app/issues/7/comments?per_page=100",
      `PATCH /repos/octo/app/issues/comments/${first.id}`,
    ]);
    for (const { headers } of github.requests) {
      expect(headers.accept).toBe("application/vnd.github+json");
      expect(headers["x-github-api-version"]).toBe("2022-11-28");
    }
  });

  it("leaves other people's comments alone, and other pull requests' harness comments", async () => {
    github.add(7, "LGTM, but see the chaos results");
    github.add(7, `quoting: ${PR_COMMENT_MARKER}`);
    github.add(8, `${PR_COMMENT_MARKER}\nanother pull request`);
    await post(7, `${PR_COMMENT_MARKER}\nrun 1`);
    await post(7, `${PR_COMMENT_MARKER}\nrun 2`);
    expect(github.ofIssue(7).map((c) => c.body)).toEqual([
      "LGTM, but see the chaos results",
      `quoting: ${PR_COMMENT_MARKER}`,
      `${PR_COMMENT_MARKER}\nrun 2`,
    ]);
    expect(github.ofIssue(8).map((c) => c.body)).toEqual([`${PR_COMMENT_MARKER}\nanother pull request`]);
  });

  it("finds its comment past the first page, following the Link header", async () => {
    for (let i = 0; i < 230; i++) github.add(7, `comment ${i}`);
    github.add(7, `${PR_COMMENT_MARKER}\nold run`);
    github.add(7, "after it");
    const result = await post(7, `${PR_COMMENT_MARKER}\nnew run`);
    expect(result.action).toBe("updated");
    expect(ours(7).map((c) => c.body)).toEqual([`${PR_COMMENT_MARKER}\nnew run`]);
    expect(github.ofIssue(7)).toHaveLength(232);
    expect(github.requests.filter((r) => r.method === "GET").map((r) => r.path)).toEqual([
      "/repos/octo/app/issues/7/comments?per_page=100",
      "/repos/octo/app/issues/7/comments?per_page=100&page=2",
      "/repos/octo/app/issues/7/comments?per_page=100&page=3",
    ]);
  });

  it("creates one comment when none of several pages is its own", async () => {
    for (let i = 0; i < 150; i++) github.add(7, `comment ${i}`);
    expect((await post(7, `${PR_COMMENT_MARKER}\nrun`)).action).toBe("created");
    expect((await post(7, `${PR_COMMENT_MARKER}\nrun again`)).action).toBe("updated");
    expect(ours(7).map((c) => c.body)).toEqual([`${PR_COMMENT_MARKER}\nrun again`]);
  });

  it("names the HTTP status and the fix when the token may not write", async () => {
    github.failWrites = 403;
    await expect(post(7, `${PR_COMMENT_MARKER}\nrun`)).rejects.toThrow(
      /HTTP 403 \(Resource not accessible by integration\): .*`permissions: pull-requests: write` \(or `issues: write`\)/,
    );
    await expect(
      upsertComment({ apiUrl: github.url, token: "wrong", repo: "octo/app", pr: 7, body: `${PR_COMMENT_MARKER}\n` }),
    ).rejects.toThrow(/GET \/repos\/octo\/app\/issues\/7\/comments with HTTP 401 \(Bad credentials\): the token is missing or expired/);
    expect(github.comments).toEqual([]);
  });

  it("refuses a body without the marker, which the next run could not find", async () => {
    await expect(post(7, "no marker")).rejects.toThrow(`the comment must start with ${PR_COMMENT_MARKER}`);
    expect(github.requests).toEqual([]);
  });
});
