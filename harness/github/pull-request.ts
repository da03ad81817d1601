import { readFileSync } from "node:fs";

export interface PullRequest {
  number: number;
  /** The branch it merges into (`main`), when the event says. */
  baseRef: string | null;
}

interface EventPayload {
  pull_request?: { number?: number; base?: { ref?: string } };
  issue?: { number?: number; pull_request?: unknown };
  workflow_run?: { pull_requests?: { number?: number; base?: { ref?: string } }[] };
}

/**
 * The pull request a workflow runs for, from its event's payload (GITHUB_EVENT_PATH): `pull_request` and
 * `pull_request_target`, a comment on a pull request (`issue_comment`), or the first pull request of a `workflow_run`.
 * Null for a push, a schedule, a manual run: there is nothing to comment on.
 */
export function pullRequestOf(eventPath: string | undefined): PullRequest | null {
  if (!eventPath) return null;
  const event = JSON.parse(readFileSync(eventPath, "utf8")) as EventPayload;
  const pr = event.pull_request ?? (event.issue?.pull_request ? event.issue : undefined) ?? event.workflow_run?.pull_requests?.[0];
  if (typeof pr?.number !== "number") return null;
  return { number: pr.number, baseRef: ("base" in pr && pr.base?.ref) || null };
}
