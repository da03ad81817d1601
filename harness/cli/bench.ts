// npm run bench: classify's throughput and memory on a generated multi-million-line export, side by side,
// in one run, with a bare Node readline loop over the same file and grep -cE with the patterns classify needs.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { corpusNames, readCorpusCase } from "../classify/corpus/corpus-format.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** What grep needs to find the lines classify reads: the same words the classifier's prefilter looks for. */
const GREP_PATTERN =
  "Starting gunicorn|Booting worker|Handling signal|Shutting down|Worker exiting|WORKER|Worker \\(pid|Worker with pid|Reason:|=====|Traceback|ERROR|CRITICAL";

const program = usageErrorsExit2(new Command("npm run bench --"))
  .description(
    "Measures npm run classify on a generated export (corpus death stories among routine lines), side by side with a bare " +
      "Node readline loop and grep -cE over the same file, in one run. Goals: at least 0.5x the readline loop's throughput, " +
      "at most 100 MB RSS. Prints the figures; exit 0 unless a measurement could not run.",
  )
  .option("--lines <n>", "lines in the generated export", (v) => wholeNumber(v), 5_000_000)
  .option("--file <path>", "the export to write and read (reused if it already has the right size)")
  .showHelpAfterError();

const options = program.parse().opts<{ lines: number; file?: string }>();

await runCli(async () => {
  const file = options.file ?? join(process.env.CHAOS_BUILD_DIR ?? tmpdir(), `chaos-bench-${options.lines}.log`);
  const stories = await ensureExport(file, options.lines);
  const size = statSync(file).size;
  process.stderr.write(
    `export: ${file} (${options.lines.toLocaleString("en")} lines, ${(size / 1e6).toFixed(0)} MB, ${stories} death stories from the corpus in it)\n`,
  );
  const readline = measure("node readline loop", [
    process.execPath,
    "-e",
    "const rl=require('readline').createInterface({input:require('fs').createReadStream(process.argv[1]),crlfDelay:Infinity});let n=0;rl.on('line',()=>n++);rl.on('close',()=>console.log(n));",
    file,
  ]);
  const grep = measure("grep -cE", ["grep", "-cE", GREP_PATTERN, file]);
  const classify = measure("npm run classify --json", [process.execPath, ...classifyNodeArgs(), file, "--json"]);
  const found = (JSON.parse(classify.stdout) as { deaths: unknown[] }).deaths.length;
  const rows = [readline, grep, classify].map((m) => ({
    what: m.what,
    seconds: m.seconds.toFixed(2),
    "lines/s": Math.round(options.lines / m.seconds).toLocaleString("en"),
    "max RSS MB": m.maxRssMb.toFixed(0),
  }));
  console.table(rows);
  const ratio = readline.seconds / classify.seconds;
  process.stdout.write(
    `classify: ${ratio.toFixed(2)}x the readline loop's throughput (goal >= 0.5: ${ratio >= 0.5 ? "met" : "NOT met"}), ` +
      `${(grep.seconds / classify.seconds).toFixed(2)}x grep's, ${classify.maxRssMb.toFixed(0)} MB RSS (goal <= 100: ${classify.maxRssMb <= 100 ? "met" : "NOT met"}); ` +
      `${found} deaths found\n`,
  );
  return 0;
});

interface Measurement {
  what: string;
  seconds: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time: wall seconds and maximum resident set size. */
function measure(what: string, command: string[]): Measurement {
  process.stderr.write(`measuring ${what} ...\n`);
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...command], { cwd: REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const timing = /(\d+\.\d+) (\d+)\s*$/.exec(result.stderr);
  if (result.status !== 0 && !(what.startsWith("grep") && result.status === 1))
    throw new Error(`${what} failed: ${result.stderr.slice(-500)}`);
  if (!timing) throw new Error(`${what}: no timing from /usr/bin/time (${result.stderr.slice(-200)})`);
  return { what, seconds: Number(timing[1]), maxRssMb: Number(timing[2]) / 1024, stdout: result.stdout };
}

/**
 * Writes the export once: the corpus's death stories, their pids shifted so that each story's workers are
 * new, each followed by routine lines (access and app records) until the count is reached. Returns how
 * many stories it holds.
 */
async function ensureExport(file: string, lines: number): Promise<number> {
  const stories = corpusNames().map((name) => ({ text: readCorpusCase(name).lines.map((line) => line.text) }));
  const routinePerStory = 20_000;
  const storyCount = Math.ceil(lines / (routinePerStory + 60));
  if (existsSync(file) && statSync(file).size > 0 && countLines(file) === lines) return storyCount;
  const out = createWriteStream(file);
  let written = 0;
  const write = (line: string) => {
    if (written >= lines) return true;
    written++;
    return out.write(`${line}\n`);
  };
  for (let i = 0; written < lines; i++) {
    const story = stories[i % stories.length]!;
    const shift = (i % 5000) * 13;
    for (const line of story.text) {
      if (
        !write(
          line.replace(/\b(pid:? ?|\[|PID )(\d{1,3})\b/g, (_, p: string, pid: string) => `${p}${Number(pid) + (pid === "1" ? 0 : shift)}`),
        )
      )
        await new Promise<void>((r) => out.once("drain", () => r()));
    }
    for (let r = 0; r < routinePerStory && written < lines; r++) {
      const pid = 7 + (r % 4) + shift;
      const routine =
        r % 3 === 0
          ? `2026-11-25 21:31:${String(r % 60).padStart(2, "0")} +0000 [${pid}] [INFO] order ${i}-${r} stored in 12 ms`
          : `2026-11-25 21:31:${String(r % 60).padStart(2, "0")} +0000 [${pid}] [INFO] 127.0.0.1:51234 - "GET /orders/${r} HTTP/1.1" 200`;
      if (!write(routine)) await new Promise<void>((res) => out.once("drain", () => res()));
    }
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return storyCount;
}

/** What `npm run classify` runs after `node`, from package.json: the benchmark measures the command users run. */
function classifyNodeArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.classify!;
  return script.split(" ").slice(1);
}

function countLines(file: string): number {
  const result = spawnSync("wc", ["-l", file], { encoding: "utf8" });
  return Number(result.stdout.trim().split(" ")[0]);
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1000) throw new InvalidArgumentError(`--lines wants a whole number of at least 1000, not "${value}".`);
  return n;
}
