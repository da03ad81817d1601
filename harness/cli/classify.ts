import { createReadStream, statSync } from "node:fs";
import { Command } from "commander";
import pc from "picocolors";
import { classifyLogStream } from "../classify/classify-stream.ts";
import { ExitCode, UsageError } from "../core/errors.ts";
import { programName } from "../core/invocation.ts";
import { DEFAULT_JSON_KEYS, parseJsonKeys } from "../logs/line-envelope.ts";
import { findTarget } from "../target/find-target.ts";
import { DeathOutput } from "./classify-output.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

const program = usageErrorsExit2(new Command(programName("classify")))
  .description(
    'What does my log mean? Reads a gunicorn log exported from production (or "-" for stdin) and says why each ' +
      "worker stopped: cause, severity (normal / investigate / critical) and the lines it rests on. " +
      "Plain gunicorn text, JSON lines, collector prefixes (docker compose, kubectl, journald, syslog, platforms), several " +
      "instances in one stream, gzip: detected, no flags needed. No containers needed.\nExit codes: 0 it ran (whatever it found), 2 unreadable input or a bad option.",
  )
  .argument("<file>", 'the log file, or "-" to read standard input')
  .option("--json", 'print exactly one JSON object: {"deaths": [...], "unparsed": N, "lines": N, "inspected": N, "format": {...}}')
  .option(
    "--json-keys <map>",
    "where JSON lines keep their fields, e.g. message=msg,pid=process,level=severity,time=ts,instance=dyno (a field named here is looked for under that key only)",
  )
  .option(
    "--target <file>",
    "recognise the banners your target file declares (banners:); default: chaos.target.ts (or .json) here or above if there is one, else the seed's and the drop-in's texts",
  )
  .showHelpAfterError();

/** The banners a target file declares (its default config); loaded only when asked for: the target schema would add to every run's memory. */
async function declaredBanners(file: string) {
  const [{ loadTarget }, { bannersOf }] = await Promise.all([import("../target/load-target.ts"), import("../target/define-target.ts")]);
  return bannersOf(await loadTarget(file), "default");
}

program.parse();
const [file] = program.args as [string];
const options = program.opts<{ json?: boolean; target?: string; jsonKeys?: string }>();

await runCli(async () => {
  // The team's target file, named or found (chaos.target.ts here or above), says which banners its hooks print.
  const targetFile = options.target ?? findTarget();
  const banners = targetFile ? await declaredBanners(targetFile) : undefined;
  const jsonKeys = options.jsonKeys ? { ...DEFAULT_JSON_KEYS, ...jsonKeysOption(options.jsonKeys) } : undefined;
  const deaths = new DeathOutput(Boolean(options.json));
  const verdict = await classifyLogStream(openInput(file), { banners, jsonKeys, onDeath: (d) => deaths.take(d) }).catch(
    (error: NodeJS.ErrnoException) => {
      const said = error.code?.startsWith("Z_")
        ? new UsageError(
            "UNREADABLE_INPUT",
            `${file === "-" ? "standard input" : file} is not a whole gzip file (${error.message}): it was cut short or is damaged. Give the whole export.`,
          )
        : error;
      deaths.fail(said.message);
      throw said;
    },
  );
  await deaths.end(verdict);
  return ExitCode.ok;
});

function jsonKeysOption(spec: string) {
  try {
    return parseJsonKeys(spec);
  } catch (error) {
    throw new UsageError("BAD_OPTION", `${(error as Error).message}. Example: --json-keys message=msg,pid=process,instance=dyno`);
  }
}

function openInput(path: string): NodeJS.ReadableStream {
  if (path === "-") return process.stdin;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    throw new UsageError(
      "UNREADABLE_INPUT",
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}. Give a log file, or "-" and pipe the log in.`,
    );
  }
  if (!isFile) throw new UsageError("UNREADABLE_INPUT", `${path} is not a file. Give a log file, or "-" and pipe the log in.`);
  return createReadStream(path).on("error", (error) => {
    process.stderr.write(`${pc.red("error UNREADABLE_INPUT")}: cannot read ${path}: ${error.message}\n`);
    process.exit(ExitCode.usage);
  });
}
