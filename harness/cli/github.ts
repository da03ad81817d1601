import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { EnvironmentError, ExitCode, errorMessage, UsageError } from "../core/errors.ts";
import { commandLine, programName } from "../core/invocation.ts";
import type { SuiteName, WorkerClass } from "../images/suites.ts";
import { REPORTS_DIR } from "../report/retention.ts";
import { runCli } from "./run-cli.ts";
import { chosenSuite, numberIn, usageErrorsExit2, withSuiteOption, workerOption } from "./usage.ts";

interface CommentOptions {
  reports: string;
  base?: string;
  baseRef?: string;
  runExitCode?: number;
  comment: boolean;
  pr?: number;
}

interface PlanOptions {
  budgetMinutes: number;
  target?: string;
  scenario?: string;
  suite?: SuiteName;
  stack?: SuiteName;
  worker?: WorkerClass;
  baseline: string;
}

/** What a harness command's exit code means (README: exit codes), for the comment's note when a run step failed. */
const EXIT_MEANING: Record<number, string> = {
  1: "an expectation failed, or behaviour regressed against the baseline",
  2: "usage: a bad option, scenario or target file",
  3: "environment: no Docker, an image build failed, the app did not start, or a run errored",
  4: "a bug in the harness",
  5: "inconclusive: the load generator lagged its schedule",
  130: "interrupted",
  143: "terminated (the job was cancelled or timed out)",
};

function minutesAboveZero(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`--budget-minutes wants minutes above 0, e.g. 10, not "${value}".`);
  return n;
}

const program = usageErrorsExit2(new Command(programName("github")))
  .description(
    "The GitHub Action's steps (action.yml at the root of the harness's repository), runnable by hand.\n" +
      "  comment: reads a report folder's result.json and capacity.json files, writes the markdown to the job summary " +
      "(GITHUB_STEP_SUMMARY) and creates or updates the one harness comment on the pull request (GITHUB_TOKEN, " +
      "GITHUB_REPOSITORY, the pull request from GITHUB_EVENT_PATH, GITHUB_API_URL), compared with the base branch's reports " +
      "when --base is given. Without a pull request (a push), the summary only.\n" +
      "  plan: which scenarios fit a budget in minutes, printed as a comma-separated list for nightly --scenario.\n" +
      "Exit codes: 0 done, 2 usage, 3 environment (no token, GitHub's API refused or failed).",
  )
  .showHelpAfterError();

program
  .command("comment")
  .description("Writes the job summary and creates or updates the pull request's comment from a report folder.")
  .option("--reports <dir>", "the report folder to read (every result.json and capacity.json in it)", REPORTS_DIR)
  .option("--base <dir>", "the base branch's report folder (its artifact, downloaded): each run is compared with the base's")
  .option("--base-ref <branch>", "the base branch's name, shown in the comment (default: the pull request's base, or GITHUB_BASE_REF)")
  .addOption(
    new Option("--run-exit-code <n>", "the exit code of the step that ran the scenarios: a failure is said in the comment").argParser(
      numberIn("--run-exit-code", { unit: "whole", min: 0, max: 255 }),
    ),
  )
  .option("--no-comment", "write the job summary only")
  .addOption(
    new Option("--pr <number>", "the pull request to comment on (default: the event's, from GITHUB_EVENT_PATH)").argParser(
      numberIn("--pr", { unit: "whole", min: 1 }),
    ),
  )
  .action((options: CommentOptions) => runCli(() => comment(options)));

withSuiteOption(
  program
    .command("plan")
    .description(
      "Prints the scenarios whose runs fit the budget, comma-separated, for nightly --scenario: the cheapest first, each " +
        "scenario's runs on every suite and worker class counted, estimated from the baseline's durations (15 s where it has none). " +
        "The image build and the boot before the first run are not counted.",
    )
    .addOption(new Option("--budget-minutes <n>", "minutes the scenario runs may take").argParser(minutesAboveZero).makeOptionMandatory())
    .option("--target <file>", "the system under test (default: chaos.target.ts found from here up, else the demo)")
    .option("--scenario <names>", "choose among these scenarios only (comma-separated); default: every one that fits the target")
    .option("--baseline <file>", "the baseline whose durations estimate each run", join(REPORTS_DIR, "baseline.json"))
    .addOption(workerOption("only this worker class, as nightly --worker")),
  "only this Debian suite, as nightly --suite",
).action((options: PlanOptions) => runCli(() => plan(options)));

await program.parseAsync();

async function comment(options: CommentOptions): Promise<number> {
  const [{ readReports }, { prComment, GITHUB_COMMENT_LIMIT }, { pullRequestOf }, files] = await Promise.all([
    import("../github/read-reports.ts"),
    import("../report/pr-comment.ts"),
    import("../github/pull-request.ts"),
    import("../github/workflow-files.ts"),
  ]);
  const env = process.env;
  const here = readReports(options.reports);
  if (!existsSync(options.reports)) process.stderr.write(`no report folder at ${options.reports}: no run wrote one\n`);
  for (const skipped of here.skipped) process.stderr.write(`skipped ${skipped}\n`);
  const pr = options.pr ? { number: options.pr, baseRef: null } : pullRequestOf(env.GITHUB_EVENT_PATH);
  const baseRef = options.baseRef ?? pr?.baseRef ?? (env.GITHUB_BASE_REF || undefined);
  const base = options.base ? readReports(options.base) : null;
  for (const skipped of base?.skipped ?? []) process.stderr.write(`skipped (base) ${skipped}\n`);
  if (options.base && !base?.results.length && !base?.capacity)
    process.stderr.write(`no base results in ${options.base}: the comment compares nothing\n`);
  const note = runNote(options.runExitCode);
  const detailsUrl = files.workflowRunUrl(env);
  const body = prComment({
    results: here.results,
    capacity: here.capacity,
    base:
      base && (base.results.length || base.capacity)
        ? { results: base.results, capacity: base.capacity, ...(baseRef && { ref: baseRef }) }
        : null,
    ...(detailsUrl && { detailsUrl }),
    limit: GITHUB_COMMENT_LIMIT - note.length - 1,
  });
  const markdown = note ? insertAfterHeading(body, note) : body;
  if (files.appendStepSummary(markdown, env)) process.stderr.write("job summary written\n");
  else process.stdout.write(`${markdown}\n`);
  const outputs: Record<string, string | number> = {
    verdict: verdictOf([...here.results.map((r) => r.status), ...(here.capacity ? [here.capacity.status] : [])]),
    runs: here.results.length,
    passed: here.results.filter((r) => r.status === "passed").length,
    failed: here.results.filter((r) => r.status === "failed" || r.status === "error").length,
  };
  if (!options.comment) process.stderr.write("--no-comment: no pull request comment\n");
  else if (!pr) process.stderr.write(`no pull request (${env.GITHUB_EVENT_NAME ?? "not a GitHub Actions"} event): summary only\n`);
  else {
    const posted = await postComment(pr.number, markdown, env);
    process.stderr.write(`pull request #${pr.number}: comment ${posted.action}${posted.url ? ` (${posted.url})` : ""}\n`);
    outputs["comment-url"] = posted.url ?? "";
  }
  files.setOutputs(outputs, env);
  return ExitCode.ok;
}

async function postComment(pr: number, body: string, env: NodeJS.ProcessEnv) {
  const { upsertComment } = await import("../github/post-comment.ts");
  const token = env.GITHUB_TOKEN;
  const repo = env.GITHUB_REPOSITORY;
  if (!token || !repo)
    throw new EnvironmentError(
      "NO_GITHUB_TOKEN",
      `${token ? "GITHUB_REPOSITORY" : "GITHUB_TOKEN"} is not set: commenting on pull request #${pr} needs GITHUB_TOKEN (the ` +
        `workflow's \${{ github.token }}, with permissions: pull-requests: write) and GITHUB_REPOSITORY (owner/name). ` +
        `Or run ${commandLine("github", "comment --no-comment")} for the summary only.`,
    );
  try {
    return await upsertComment({ apiUrl: env.GITHUB_API_URL || "https://api.github.com", token, repo, pr, body });
  } catch (error) {
    throw new EnvironmentError("GITHUB_API", errorMessage(error), { cause: error });
  }
}

/** The worst of the statuses: error, failed, aborted, inconclusive, passed; `none` without any. */
function verdictOf(statuses: string[]): string {
  return ["error", "failed", "aborted", "inconclusive", "passed"].find((s) => statuses.includes(s)) ?? "none";
}

function runNote(code: number | undefined): string {
  if (!code) return "";
  return `> ⚠️ The harness exited with code ${code}${EXIT_MEANING[code] ? ` (${EXIT_MEANING[code]})` : ""}: see the job's log.\n`;
}

/** The note goes under the verdict heading (the comment's second line), where a reader looks first. */
function insertAfterHeading(body: string, note: string): string {
  const lines = body.split("\n");
  return [...lines.slice(0, 2), "", note.trimEnd(), ...lines.slice(2)].join("\n");
}

async function plan(options: PlanOptions): Promise<number> {
  const [{ loadTarget }, catalogue, { nightlyMatrix }, { estimateMatrix }, { readBaseline }, { SUITE_NAMES }, { withinBudget }] =
    await Promise.all([
      import("../target/load-target.ts"),
      import("../scenario/catalogue.ts"),
      import("../nightly/nightly-matrix.ts"),
      import("../nightly/shard.ts"),
      import("../baseline/baseline.ts"),
      import("../images/suites.ts"),
      import("../github/budget.ts"),
    ]);
  const target = await loadTarget(options.target);
  const teamDir = catalogue.teamScenarioDir(target);
  const names = options.scenario ? options.scenario.split(",").map((s) => s.trim()) : catalogue.scenarioNames(teamDir);
  const scenarios = await Promise.all(names.filter(Boolean).map((name) => catalogue.loadScenario(name, teamDir)));
  const suite = chosenSuite(options);
  const { runs, leftOut } = nightlyMatrix(
    { suites: suite ? [suite] : SUITE_NAMES, ...(options.worker && { workers: [options.worker] }) },
    scenarios,
    target,
  );
  for (const line of leftOut) process.stderr.write(`${line}\n`);
  const estimates = estimateMatrix(
    runs.map((r) => r.key),
    readBaseline(options.baseline),
  );
  const chosen = withinBudget(
    runs.map((r, i) => ({ scenario: r.scenario.name, estimateS: estimates[i]!.estimateS })),
    options.budgetMinutes * 60,
  );
  const minutes = (s: number) => `${Math.ceil((s / 60) * 10) / 10} min`;
  if (!chosen.scenarios.length) {
    const cheapest = [...chosen.leftOut].sort((a, b) => a.estimateS - b.estimateS)[0];
    throw new UsageError(
      "BUDGET_TOO_SMALL",
      cheapest
        ? `--budget-minutes ${options.budgetMinutes}: no scenario fits; the cheapest, ${cheapest.scenario}, is estimated at ${minutes(cheapest.estimateS)}. Raise the budget or name the scenarios.`
        : `No scenario fits the target ${relative(process.cwd(), target.file) || target.name}: nothing to run.`,
    );
  }
  process.stderr.write(`${chosen.scenarios.length} scenario(s), estimated ${minutes(chosen.estimateS)} of ${options.budgetMinutes} min\n`);
  for (const { scenario, estimateS } of chosen.leftOut) process.stderr.write(`left out: ${scenario} (${minutes(estimateS)})\n`);
  process.stdout.write(`${chosen.scenarios.join(",")}\n`);
  return ExitCode.ok;
}
