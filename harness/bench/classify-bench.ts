// npm run bench, classify: throughput and memory on a generated multi-million-line export, as plain gunicorn text
// and as JSON lines, side by side, in one run, with a bare Node readline loop over the same file and grep -cE with
// the words classify's prefilter looks for.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { neededWords } from "../classify/classify-stream.ts";
import { asJsonLoggerRecord, corpusNames, readCorpusCase } from "../classify/corpus/corpus-format.ts";
import { EnvironmentError } from "../core/errors.ts";
import { REPO_ROOT } from "../core/run-command.ts";
import { consoleTable } from "../report/table.ts";
import { goal, scriptNodeArgs } from "./bench-support.ts";

/** What grep needs to find the lines classify reads: the classifier's own prefilter, in grep's extended syntax. */
const GREP_PATTERN = neededWords().replaceAll("(?:", "(");

/** The export's shapes: gunicorn's logconfig text, and python-json-logger's records (what the app prints itself stays text). */
const SHAPES = {
  plain: (line: string) => line,
  json: (line: string) => asJsonLoggerRecord(line),
};

export interface ClassifyBenchOptions {
  lines: number;
  file?: string;
}

/** Measures, and returns the figures as text to print. */
export async function benchClassify(options: ClassifyBenchOptions): Promise<string> {
  // Named by the corpus it is made of: a corpus recorded since makes a new export, not a stale one reused.
  const base = options.file ?? join(process.env.CHAOS_BUILD_DIR ?? tmpdir(), `chaos-bench-${options.lines}-${corpusHash()}.log`);
  const table = consoleTable(["export", "what", "seconds", "lines/s", "max RSS MB"]);
  const verdicts: string[] = [];
  for (const shape of Object.keys(SHAPES) as (keyof typeof SHAPES)[]) {
    const file = shape === "plain" ? base : `${base}.${shape}l`;
    const stories = await ensureExport(file, options.lines, SHAPES[shape]);
    process.stderr.write(
      `export (${shape}): ${file} (${options.lines.toLocaleString("en")} lines, ${(statSync(file).size / 1e6).toFixed(0)} MB, ` +
        `${stories} death stories from the corpus in it)\n`,
    );
    const readline = measure("node readline loop", [
      process.execPath,
      "-e",
      "const rl=require('readline').createInterface({input:require('fs').createReadStream(process.argv[1]),crlfDelay:Infinity});let n=0;rl.on('line',()=>n++);rl.on('close',()=>console.log(n));",
      file,
    ]);
    const grep = measure("grep -cE", ["grep", "-cE", GREP_PATTERN, file]);
    const classify = measure("npm run classify --json", [process.execPath, ...scriptNodeArgs("classify"), file, "--json"]);
    const found = (JSON.parse(classify.stdout) as { deaths: unknown[] }).deaths.length;
    for (const m of [readline, grep, classify])
      table.push([shape, m.what, m.seconds.toFixed(2), Math.round(options.lines / m.seconds).toLocaleString("en"), m.maxRssMb.toFixed(0)]);
    const ratio = readline.seconds / classify.seconds;
    verdicts.push(
      `classify (${shape}): ${ratio.toFixed(2)}x the readline loop's throughput (goal >= 0.5: ${goal(ratio >= 0.5)}), ` +
        `${(grep.seconds / classify.seconds).toFixed(2)}x grep's, ${classify.maxRssMb.toFixed(0)} MB RSS (goal <= 100: ${goal(classify.maxRssMb <= 100)}); ` +
        `${found} deaths found`,
    );
  }
  return `\nclassify on a ${options.lines.toLocaleString("en")}-line export\n${table.toString()}\n${verdicts.join("\n")}\n`;
}

interface Measurement {
  what: string;
  seconds: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time: wall seconds and maximum resident set size. */
function measure(what: string, command: string[]): Measurement {
  process.stderr.write(`measuring ${what} ...\n`);
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", ...command], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
    throw new EnvironmentError(
      "NO_GNU_TIME",
      "The bench measures with GNU time (/usr/bin/time), which is not installed: apt-get install time.",
    );
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
async function ensureExport(file: string, lines: number, shape: (line: string) => string): Promise<number> {
  const stories = corpusNames().map((name) => ({ text: readCorpusCase(name).lines.map((line) => line.text) }));
  const routinePerStory = 20_000;
  const storyCount = Math.ceil(lines / (routinePerStory + 60));
  if (existsSync(file) && statSync(file).size > 0 && countLines(file) === lines) return storyCount;
  const out = createWriteStream(file);
  let written = 0;
  const write = (line: string) => {
    if (written >= lines) return true;
    written++;
    return out.write(`${shape(line)}\n`);
  };
  for (let i = 0; written < lines; i++) {
    const story = stories[i % stories.length]!;
    const shift = (i % 5000) * 13;
    for (const line of story.text) {
      if (
        !write(
          line.replace(/(pid:? ?|\[|PID )(\d{1,3})\b/g, (_, p: string, pid: string) => `${p}${Number(pid) + (pid === "1" ? 0 : shift)}`),
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

/** Bumped when the way the export is written changes (2: a line's own [pid] shifts with its story's). */
const EXPORT_VERSION = "2";

function corpusHash(): string {
  const hash = createHash("sha256").update(EXPORT_VERSION);
  for (const name of corpusNames())
    hash.update(name).update(
      readCorpusCase(name)
        .lines.map((line) => line.text)
        .join("\n"),
    );
  return hash.digest("hex").slice(0, 8);
}

function countLines(file: string): number {
  const result = spawnSync("wc", ["-l", file], { encoding: "utf8" });
  return Number(result.stdout.trim().split(" ")[0]);
}
