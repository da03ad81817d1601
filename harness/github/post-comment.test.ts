import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PR_COMMENT_MARKER } from "../report/pr-comment.ts";
import { upsertComment } from "./post-comment.ts";

interface StoredComment {
  id: number;
  issue: number;
  body: string;
}

/**
 * A stand-in for GitHub's issue-comment endpoints on 127.0.0.1: comments in memory, pages of `per_page` (default 30) with a
 * Link header, and the token checked. `requests` records what the client asked for.
 */
class FakeGitHub {
  comments: StoredComment[] = [];
  requests: { method: string; path: string; headers: IncomingMessage["headers"] }[] = [];
  /** The status every write answers with, to test the error messages (null: behave). */
  failWrites: number | null = null;
  private nextId = 1000;
  private server: Server = createServer((req, res) => this.handle(req, res));
  url = "";
  readonly token = "test-token";

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  add(issue: number, body: string): void {
    this.comments.push({ id: this.nextId++, issue, body });
  }

  ofIssue(issue: number): StoredComment[] {
    return this.comments.filter((c) => c.issue === issue);
  }

  private async handle(req: IncomingMessage, res: import("node:http").ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push({ method: req.method ?? "", path: url.pathname + url.search, headers: req.headers });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { message: "Bad credentials" });
    let text = "";
    for await (const chunk of req) text += chunk;
    const json = (text ? JSON.parse(text) : {}) as { body?: string };
    const list = /^\/repos\/octo\/app\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/octo\/app\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (req.method !== "GET" && this.failWrites) return send(this.failWrites, { message: "Resource not accessible by integration" });
    if (list && req.method === "GET") {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      const all = this.ofIssue(Number(list[1]));
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const at = (p: number) => `<${this.url}${url.pathname}?per_page=${perPage}&page=${p}>`;
      const link: Record<string, string> = page < last ? { link: `${at(page + 1)}; rel="next", ${at(last)}; rel="last"` } : {};
      return send(200, all.slice((page - 1) * perPage, page * perPage).map(this.view), link);
    }
    if (list && req.method === "POST" && typeof json.body === "string") {
      this.add(Number(list[1]), json.body);
      return send(201, this.view(this.comments.at(-1) as StoredComment));
    }
    const stored = one && this.comments.find((c) => c.id === Number(one[1]));
    if (stored && req.method === "PATCH" && typeof json.body === "string") {
      stored.body = json.body;
      return send(200, this.view(stored));
    }
    return send(404, { message: "Not Found" });
  }

  private view = (c: StoredComment) => ({
    id: c.id,
    body: c.body,
    html_url: `https://github.test/octo/app/pull/${c.issue}#issuecomment-${c.id}`,
  });
}

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
