import { PR_COMMENT_MARKER } from "../report/pr-comment.ts";

export interface UpsertCommentOptions {
  /** https://api.github.com, or GITHUB_API_URL on GitHub Enterprise. */
  apiUrl: string;
  token: string;
  /** owner/name */
  repo: string;
  pr: number;
  /** The comment; it must start with the marker, which is how the next run finds it. */
  body: string;
  fetch?: typeof fetch;
}

export interface UpsertedComment {
  id: number;
  action: "created" | "updated";
  url: string | null;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

/** Issue comments per page: GitHub's largest. */
const PER_PAGE = 100;

/**
 * Creates or updates the harness's one comment on a pull request: lists the pull request's comments (every page), PATCHes
 * the first whose body starts with the marker, or POSTs a new one.
 */
export async function upsertComment(options: UpsertCommentOptions): Promise<UpsertedComment> {
  const { apiUrl, repo, pr, body } = options;
  if (!body.startsWith(PR_COMMENT_MARKER))
    throw new Error(`the comment must start with ${PR_COMMENT_MARKER}, or the next run cannot find it`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`repo must be owner/name, not "${repo}"`);
  const base = `${apiUrl.replace(/\/+$/, "")}/repos/${repo}`;
  const api = github(options);
  const ours = await findComment(api, `${base}/issues/${pr}/comments?per_page=${PER_PAGE}`);
  const payload = JSON.stringify({ body });
  if (ours) {
    const updated = (await (await api("PATCH", `${base}/issues/comments/${ours.id}`, payload)).json()) as IssueComment;
    return { id: updated.id, action: "updated", url: updated.html_url ?? null };
  }
  const created = (await (await api("POST", `${base}/issues/${pr}/comments`, payload)).json()) as IssueComment;
  return { id: created.id, action: "created", url: created.html_url ?? null };
}

type Api = (method: string, url: string, body?: string) => Promise<Response>;

async function findComment(api: Api, firstPage: string): Promise<IssueComment | undefined> {
  const seen = new Set<string>();
  for (let url: string | null = firstPage; url && !seen.has(url); ) {
    seen.add(url);
    const response = await api("GET", url);
    const comments = (await response.json()) as IssueComment[];
    const ours = comments.find((c) => c.body?.startsWith(PR_COMMENT_MARKER));
    if (ours) return ours;
    url = nextPage(response.headers.get("link"));
  }
  return undefined;
}

/** The `rel="next"` address of a Link header, or null on the last page. */
function nextPage(link: string | null): string | null {
  for (const part of link?.split(",") ?? []) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return null;
}

function github({ token, fetch: fetchImpl = fetch }: UpsertCommentOptions): Api {
  return async (method, url, body) => {
    const response = await fetchImpl(url, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        ...(body ? { "Content-Type": "application/json" } : {}),
      },
      body,
    });
    if (!response.ok) throw new Error(await describeFailure(method, url, response));
    return response;
  };
}

/** The HTTP status, GitHub's message, and what to do about it. */
async function describeFailure(method: string, url: string, response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {}
  const path = new URL(url).pathname;
  const fix =
    response.status === 401
      ? "the token is missing or expired: pass the workflow's GITHUB_TOKEN (or a token that is still valid)"
      : response.status === 403 || response.status === 404
        ? "give the token write access to the pull request's comments: `permissions: pull-requests: write` (or `issues: write`) in the workflow; a pull request from a fork gets a read-only token, so post from a `workflow_run` or `pull_request_target` workflow"
        : response.status === 422
          ? "GitHub refused the body (too long, or not text): it must be at most 65,536 characters"
          : "GitHub's API failed: run the job again";
  return `GitHub answered ${method} ${path} with HTTP ${response.status}${message ? ` (${message})` : ""}: ${fix}`;
}
