import { existsSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import pc from "picocolors";
import { ExitCode, InterruptedError, UsageError } from "../core/errors.ts";
import { commandLine, programName } from "../core/invocation.ts";
import { type DraftOptions, draftTarget, renderTarget, type TargetDraft } from "../init/draft-target.ts";
import { readRepositoryFiles } from "../init/read-repository.ts";
import { TARGET_JSON_SCHEMA } from "../target/define-target.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

interface Options {
  health?: string;
  name?: string;
  force?: boolean;
  json?: boolean;
  dryRun?: boolean;
}

const program = usageErrorsExit2(new Command(programName("init")))
  .description(
    "Reads your service's repository (Dockerfiles, compose file, gunicorn config, FastAPI routes, database variable) and writes " +
      "chaos.target.ts in its root: build context, command, port variable, health path, database, declared banners. Every " +
      "guess is printed with the file:line it came from and how to check it.\n" +
      "Exit codes: 0 written (or printed, --dry-run), 2 bad usage, the target file exists (give --force), or no health route " +
      "found and no terminal to ask in (give --health).",
  )
  .argument("[dir]", "the repository to read, where the target file is written (default: the current directory)")
  .option(
    "--health <path>",
    "the path that answers 2xx once the app is up, when init cannot find it in the app's routes (it asks in a terminal)",
    (value: string) => {
      if (!value.startsWith("/")) throw new InvalidArgumentError(`a path starts with /, e.g. /healthz, not "${value}".`);
      return value;
    },
  )
  .option("--name <name>", "the target's name, shown in reports (default: the FastAPI app's title, else the folder's name)")
  .option("--force", "overwrite an existing target file")
  .option("--json", 'write chaos.target.json (with "$schema", for editors) instead of chaos.target.ts')
  .option("--dry-run", "print the target file and the guesses; write nothing")
  .showHelpAfterError();

program.parse();
const [dirArgument] = program.args as [string | undefined];
const options = program.opts<Options>();

// Under `npm run init` npm runs this from the harness's own folder; the user typed the command in INIT_CWD.
const userDir = process.env.npm_lifecycle_event === "init" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();

await runCli(async () => {
  const root = resolve(userDir, dirArgument ?? ".");
  const shown = (path: string) => (relative(userDir, path).startsWith("..") ? path : relative(userDir, path) || ".");
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UsageError(
      "NOT_A_DIRECTORY",
      `${dirArgument} is not a folder: give your service's repository (default: the current folder).`,
    );
  const file = join(root, options.json ? "chaos.target.json" : "chaos.target.ts");
  if (existsSync(file) && !options.force && !options.dryRun)
    throw new UsageError(
      "TARGET_EXISTS",
      `${shown(file)} exists, and init does not overwrite it. Give --force to replace it, or --dry-run to see the draft without writing.`,
    );

  const files = await readRepositoryFiles(root);
  const draftOptions: DraftOptions = {
    name: options.name,
    directory: basename(root),
    health: options.health === undefined ? undefined : { path: options.health, from: "--health" },
  };
  let draft = draftTarget(files, draftOptions);
  if (!draft.healthFound) draft = draftTarget(files, { ...draftOptions, health: { path: await askHealth(draft), from: "your answer" } });

  const text = options.json ? renderJson(draft, root) : renderTarget(draft);
  const out = process.stdout;
  out.write(
    `${pc.bold("init")} read ${shown(root)}: ${Object.keys(files).length} files. What it guessed, where from, and how to check:\n\n`,
  );
  for (const guess of draft.guesses) {
    out.write(`  ${pc.bold(guess.field)} ${shownValue(guess.value)}\n    ${pc.dim(`from ${guess.from}`)}\n    ${guess.howToCheck}\n`);
  }
  const banners = bannersNote(draft);
  if (banners) out.write(`\n${banners}\n`);

  if (options.dryRun) {
    out.write(`\n${pc.yellow("--dry-run")}: nothing written. ${shown(file)} would be:\n\n${text}`);
  } else {
    await writeFile(file, text);
    out.write(`\n${pc.green("wrote")} ${shown(file)}${options.json ? "" : " (each guess is a comment above its field)"}.\n`);
  }

  // The next commands find the target file from their working folder up; from anywhere else they need --target.
  const here = process.cwd();
  const found = here === root || here.startsWith(`${root}${sep}`);
  const target = found ? "" : ` --target ${relative(here, file)}`;
  out.write(
    `\nNext: check the guesses, then run the smoke scenario (boots your app under the harness, with load):\n` +
      `  ${commandLine("scenario", `smoke${target}`)}\n` +
      `and list the risks in its gunicorn config and platform:\n` +
      `  ${commandLine("doctor", target.trim())}\n`,
  );
  return ExitCode.ok;
});

/** The health path, asked in a terminal; without one (CI, a pipe) a usage error naming --health. */
async function askHealth(draft: TargetDraft): Promise<string> {
  const why = draft.guesses.find((g) => g.field === "health")?.from ?? "no route found";
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError(
      "HEALTH_NOT_FOUND",
      `init found no health route (${why}). Give the path that answers 2xx once the app is up: --health /healthz (or the app's own).`,
    );
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  let interrupted = false;
  terminal.once("SIGINT", () => {
    interrupted = true;
    terminal.close();
  });
  process.stdout.write(`init found no health route (${why}).\n`);
  terminal.setPrompt("Health path (answers 2xx once the app is up), e.g. /healthz: ");
  terminal.prompt();
  // Lines, not question(): lines typed ahead are kept; Ctrl-D ends them.
  for await (const line of terminal) {
    const answer = line.trim();
    if (answer.startsWith("/")) {
      terminal.close();
      return answer;
    }
    process.stdout.write(`A path starts with /${answer ? `, not "${answer}"` : ""}.\n`);
    terminal.prompt();
  }
  if (interrupted) throw new InterruptedError("SIGINT");
  throw new UsageError(
    "HEALTH_NOT_FOUND",
    "No health path given. Give the path that answers 2xx once the app is up: --health /healthz (or the app's own).",
  );
}

/** chaos.target.json: the target with `$schema`, the committed JSON Schema's path from the repository (an editor follows it). */
function renderJson(draft: TargetDraft, root: string): string {
  const schema = TARGET_JSON_SCHEMA.file;
  const schemaPath = relative(root, typeof schema === "string" ? schema : fileURLToPath(schema))
    .split(sep)
    .join("/");
  return `${JSON.stringify({ $schema: schemaPath, ...draft.target }, null, 2)}\n`;
}

function shownValue(value: unknown): string {
  if (value === undefined) return pc.dim("(not set)");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What declared banners will show: under stock UvicornWorker the hooks never run, which is the finding, not init's mistake. */
function bannersNote(draft: TargetDraft): string | undefined {
  if (!draft.target.banners) return undefined;
  const declared =
    "Banners: the gunicorn config prints banners in worker_int / worker_abort, so the target declares them (a team whose hooks print them expects them).";
  if (draft.hooksDropIn) return `${declared} The drop-in installed at ${draft.hooksDropIn} makes them run under UvicornWorker.`;
  const never =
    "gunicorn never runs these hooks (the worker resets their signal handlers), so the scenarios will report the banners missing. " +
    "That is the finding the harness exists to show, not a mistake of init; the harness's docs/banners.md has the drop-in that makes them print.";
  if (draft.workerClass?.includes("UvicornWorker")) return `${declared}\n${pc.yellow("Under UvicornWorker")} ${never}`;
  if (draft.workerClass) return declared;
  return `${declared}\nIf the worker class is uvicorn's UvicornWorker (init could not tell), ${never}`;
}
