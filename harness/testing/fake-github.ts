import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StoredComment {
  id: number;
  issue: number;
  body: string;
}

/**
 * A stand-in for GitHub's issue-comment endpoints on 127.0.0.1: comments in memory, pages of `per_page` (default 30) with a
 * Link header, and the token checked. `requests` records what the client asked for.
 */
export class FakeGitHub {
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
