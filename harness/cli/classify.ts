import { createReadStream, statSync } from "node:fs";
import { Command } from "commander";
import pc from "picocolors";
import type { Severity } from "../classify/causes.ts";
import { classifyLogStream, type StreamVerdict } from "../classify/classify-stream.ts";
import { ExitCode, UsageError } from "../core/errors.ts";
import { DEFAULT_JSON_KEYS, type LineShape, parseJsonKeys } from "../logs/line-envelope.ts";
import { describeCounts, paintSeverity } from "../report/format.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

const program = usageErrorsExit2(new Command("npm run classify --"))
  .description(
    'What does my log mean? Reads a gunicorn log exported from production (or "-" for stdin) and says why each ' +
      "worker stopped: cause, severity (normal / investigate / critical) and the lines it rests on. " +
      "Plain gunicorn text, JSON lines, collector prefixes (docker compose, kubectl, journald, syslog, platforms), several " +
      "instances in one stream, gzip: detected, no flags needed. No containers needed.\nExit codes: 0 it ran (whatever it found), 2 unreadable input.",
  )
  .argument("<file>", 'the log file, or "-" to read standard input')
  .option("--json", 'print exactly one JSON object: {"deaths": [...], "unparsed": N, "lines": N, "inspected": N, "format": {...}}')
  .option("--json-keys <map>", "where JSON lines keep their fields, e.g. message=msg,pid=process,level=severity,time=ts,instance=dyno")
  .option("--target <file>", "recognise the banners your target file declares (banners:), instead of the seed's texts")
  .showHelpAfterError();

program.parse();
const [file] = program.args as [string];
const options = program.opts<{ json?: boolean; target?: string; jsonKeys?: string }>();

await runCli(async () => {
  // Loaded only when asked for: the target schema would add to every run's memory.
  const banners = options.target ? (await (await import("../target/load-target.ts")).loadTarget(options.target)).banners : undefined;
  const jsonKeys = options.jsonKeys ? { ...DEFAULT_JSON_KEYS, ...jsonKeysOption(options.jsonKeys) } : undefined;
  const verdict = await classifyLogStream(openInput(file), { banners, jsonKeys }).catch((error: NodeJS.ErrnoException) => {
    if (error.code?.startsWith("Z_")) {
      throw new UsageError(
        "UNREADABLE_INPUT",
        `${file} is not a whole gzip file (${error.message}): it was cut short or is damaged. Give the whole export.`,
      );
    }
    throw error;
  });
  const multi = verdict.deaths.some((d) => d.instance !== null);
  if (options.json) {
    const deaths = verdict.deaths.map((d) => ({
      pid: d.pid,
      instance: d.instance,
      cause: d.cause,
      severity: d.severity,
      at: isoOrNull(d.at),
      evidence: d.evidence,
    }));
    const { lines, inspected, unparsed, shapes, unparsedByShape, overlong, gzip } = verdict;
    process.stdout.write(
      `${JSON.stringify({ deaths, unparsed, lines, inspected, format: { shapes, unparsedByShape, overlong, gzip } })}\n`,
    );
    return ExitCode.ok;
  }
  if (verdict.deaths.length > 0) {
    const { consoleTable } = await import("../report/table.ts");
    const table = consoleTable([...(multi ? ["instance"] : []), "pid", "time", "cause", "severity", "why"]);
    for (const d of verdict.deaths)
      table.push([...(multi ? [d.instance ?? "-"] : []), d.pid, isoOrNull(d.at) ?? "?", d.cause, paintSeverity(d.severity), d.summary]);
    process.stdout.write(`${table.toString()}\n`);
  }
  process.stdout.write(`${verdictLine(verdict)}\n`);
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

function isoOrNull(at: number): string | null {
  return at > 0 ? new Date(at).toISOString() : null;
}

/** "VERDICT critical: 1 timeout · normal: 3 shutdown" — the worst severity first — and what was read, by format. */
export function verdictLine(verdict: StreamVerdict): string {
  const { deaths } = verdict;
  const formats = Object.entries(verdict.shapes)
    .map(
      ([shape, n]) =>
        `${n} ${shape}${verdict.unparsedByShape[shape as LineShape] ? ` (${verdict.unparsedByShape[shape as LineShape]} not understood)` : ""}`,
    )
    .join(", ");
  const read = pc.dim(
    `(${verdict.lines} lines read${verdict.gzip ? " from gzip" : ""}, ${verdict.inspected} inspected${formats ? `: ${formats}` : ""}; ` +
      `${verdict.unparsed} not understood${verdict.overlong ? `; ${verdict.overlong} cut at 1 MiB` : ""})`,
  );
  if (deaths.length === 0) return `${pc.bold("VERDICT")} no worker stopped in this log ${read}`;
  const instances = new Set(deaths.map((d) => d.instance).filter((i) => i !== null));
  const order: Severity[] = ["critical", "investigate", "normal"];
  const parts = order.flatMap((severity) => {
    const counts: Record<string, number> = {};
    for (const d of deaths) if (d.severity === severity) counts[d.cause] = (counts[d.cause] ?? 0) + 1;
    return Object.keys(counts).length ? [`${paintSeverity(severity)}: ${describeCounts(counts)}`] : [];
  });
  const worst = order.find((s) => deaths.some((d) => d.severity === s))!;
  const advice = { critical: "workers were killed: read the evidence", investigate: "look into these", normal: "nothing to worry about" }[
    worst
  ];
  const where = instances.size ? ` in ${instances.size} instance(s)` : "";
  return `${pc.bold("VERDICT")} ${deaths.length} worker(s) stopped${where} — ${parts.join(" · ")} — ${advice} ${read}`;
}
