import { createReadStream, statSync } from "node:fs";
import { Command } from "commander";
import pc from "picocolors";
import type { Severity } from "../classify/causes.ts";
import { classifyLogStream } from "../classify/classify-stream.ts";
import type { Death } from "../classify/death.ts";
import { formatEvidence } from "../classify/death-wording.ts";
import { ExitCode, UsageError } from "../core/errors.ts";
import { paintSeverity } from "../report/format.ts";
import { consoleTable } from "../report/table.ts";
import { loadTarget } from "../target/load-target.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

const program = usageErrorsExit2(new Command("npm run classify --"))
  .description(
    'What does my log mean? Reads a gunicorn log exported from production (or "-" for stdin) and says why each ' +
      "worker stopped: cause, severity (normal / investigate / critical) and the lines it rests on. " +
      "No containers needed.\nExit codes: 0 it ran (whatever it found), 2 unreadable input.",
  )
  .argument("<file>", 'the log file, or "-" to read standard input')
  .option("--json", 'print exactly one JSON object: {"deaths": [...], "unparsed": N}')
  .option("--target <file>", "recognise the banners your target file declares (banners:), instead of the seed's texts")
  .showHelpAfterError();

program.parse();
const [file] = program.args as [string];
const { json, target } = program.opts<{ json?: boolean; target?: string }>();

await runCli(async () => {
  const banners = target ? (await loadTarget(target)).banners : undefined;
  const verdict = await classifyLogStream(openInput(file), { banners });
  if (json) {
    const deaths = verdict.deaths.map((d) => ({
      pid: d.pid,
      cause: d.cause,
      severity: d.severity,
      at: isoOrNull(d.at),
      evidence: d.evidence.map(formatEvidence),
    }));
    process.stdout.write(`${JSON.stringify({ deaths, unparsed: verdict.unparsed })}\n`);
    return ExitCode.ok;
  }
  if (verdict.deaths.length > 0) {
    const table = consoleTable(["pid", "time", "cause", "severity", "why"]);
    for (const d of verdict.deaths) table.push([d.pid, isoOrNull(d.at) ?? "?", d.cause, paintSeverity(d.severity), d.summary]);
    process.stdout.write(`${table.toString()}\n`);
  }
  process.stdout.write(`${verdictLine(verdict.deaths, verdict.lines, verdict.unparsed)}\n`);
  return ExitCode.ok;
});

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

function isoOrNull(at: number): string | null {
  return at > 0 ? new Date(at).toISOString() : null;
}

/** "VERDICT critical: 1 timeout · normal: 3 shutdown" — the worst severity first. */
export function verdictLine(deaths: Death[], lines: number, unparsed: number): string {
  const read = pc.dim(`(${lines} lines read, ${unparsed} not understood)`);
  if (deaths.length === 0) return `${pc.bold("VERDICT")} no worker stopped in this log ${read}`;
  const order: Severity[] = ["critical", "investigate", "normal"];
  const parts = order.flatMap((severity) => {
    const counts = new Map<string, number>();
    for (const d of deaths.filter((x) => x.severity === severity)) counts.set(d.cause, (counts.get(d.cause) ?? 0) + 1);
    if (counts.size === 0) return [];
    return [`${paintSeverity(severity)}: ${[...counts].map(([cause, n]) => `${n} ${cause}`).join(", ")}`];
  });
  const worst = order.find((s) => deaths.some((d) => d.severity === s))!;
  const advice = { critical: "workers were killed: read the evidence", investigate: "look into these", normal: "nothing to worry about" }[
    worst
  ];
  return `${pc.bold("VERDICT")} ${deaths.length} worker(s) stopped — ${parts.join(" · ")} — ${advice} ${read}`;
}
