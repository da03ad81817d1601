import { appendFileSync } from "node:fs";

/** Appends markdown to the job's summary page (GITHUB_STEP_SUMMARY); false outside GitHub Actions. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  appendFileSync(file, `${markdown}\n`);
  return true;
}

/** Sets the step's outputs (GITHUB_OUTPUT, `name=value` lines); does nothing outside GitHub Actions. */
export function setOutputs(outputs: Record<string, string | number>, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  for (const [name, value] of Object.entries(outputs)) appendFileSync(file, `${name}=${String(value).replace(/[\r\n]+/g, " ")}\n`);
}

/** The workflow run's page, where its artifacts are (null outside GitHub Actions). */
export function workflowRunUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = env;
  return server && repo && runId ? `${server.replace(/\/+$/, "")}/${repo}/actions/runs/${runId}` : null;
}
