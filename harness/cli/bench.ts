// npm run bench: figures measured side by side in one run on this machine (never against numbers recorded
// elsewhere), each with its goal: classify's throughput and memory, the open-loop generator against wrk, the
// harness's wall time against bare docker. The measuring is in harness/bench/; this file parses and prints.

import { Command, InvalidArgumentError, Option } from "commander";
import { benchClassify } from "../bench/classify-bench.ts";
import { benchLoad } from "../bench/load-bench.ts";
import { benchWall } from "../bench/wall-bench.ts";
import { removeEverythingBeforeExit } from "../cleanup/before-exit.ts";
import { interruptSignal } from "../cleanup/interrupt.ts";
import { InterruptedError } from "../core/errors.ts";
import { programName } from "../core/invocation.ts";
import { Progress } from "../core/progress.ts";
import { exitCodeFor, runCli } from "./run-cli.ts";
import { numberIn, usageErrorsExit2 } from "./usage.ts";

const MEASUREMENTS = ["classify", "load", "wall"] as const;
type Measurement = (typeof MEASUREMENTS)[number];

interface Options {
  only: Measurement[];
  lines: number;
  file?: string;
  connections: number;
}

const program = usageErrorsExit2(new Command(programName("bench")))
  .description(
    "Measures, side by side in one run on this machine, and prints each figure with its goal. " +
      "classify: npm run classify on a generated export (corpus death stories among routine lines) against a bare Node " +
      "readline loop and grep -cE over the same file (goals: >= 0.5x the readline loop's throughput, <= 100 MB RSS). " +
      "load: the open-loop generator's highest on-schedule rate (the capacity search: short constant-rate trials, bisected, " +
      "the answer tried again) against wrk's " +
      "closed-loop peak, on /health of the demo stack with 2 workers (goal: >= 0.9x; installs Debian's wrk if missing). " +
      "wall: npm run scenario smoke against a bare docker run -> /health answers -> docker rm of the same containers, " +
      "2 rounds each, interleaved A B B A (goal: <= 3x). " +
      "A benchmark, not a test: exit 0 whatever the figures; 3 when a measurement could not run (no Docker, no wrk), " +
      "2 usage, 130 interrupted.",
  )
  .addOption(
    new Option("--only <list>", `comma-separated measurements to run (${MEASUREMENTS.join(", ")})`)
      .argParser(measurements)
      .default([...MEASUREMENTS], "all"),
  )
  .option("--lines <n>", "classify: lines in the generated export", numberIn("--lines", { unit: "whole", min: 1000 }), 5_000_000)
  .option("--file <path>", "classify: the export to write and read (reused if it already has the right size)")
  .option(
    "--connections <n>",
    "load: wrk's connections, and the most the open-loop generator may use",
    numberIn("--connections", { unit: "whole", min: 1, max: 1000 }),
    32,
  )
  .showHelpAfterError();

const options = program.parse().opts<Options>();

await runCli(async () => {
  const progress = new Progress();
  const signal = interruptSignal((sig) => progress.warn(`${sig}: stopping, removing the bench's containers (Ctrl-C again to force)`));
  const run: Record<Measurement, () => Promise<string>> = {
    classify: () => benchClassify({ lines: options.lines, file: options.file }),
    load: () => benchLoad({ connections: options.connections, signal, progress }),
    wall: () => benchWall({ signal, progress }),
  };
  let code = 0;
  for (const what of MEASUREMENTS.filter((m) => options.only.includes(m))) {
    try {
      process.stdout.write(await run[what]());
    } catch (error) {
      if (error instanceof InterruptedError || signal.aborted) throw signal.reason ?? error;
      // Said on stderr (what went wrong, what to do); the other measurements still run.
      process.stderr.write(`${what}: could not measure.\n`);
      code = Math.max(code, exitCodeFor(error));
    }
  }
  return code;
}, removeEverythingBeforeExit);

function measurements(value: string): Measurement[] {
  const names = value.split(",").map((v) => v.trim());
  const unknown = names.filter((n) => !(MEASUREMENTS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    throw new InvalidArgumentError(`--only takes a comma-separated list of ${MEASUREMENTS.join(", ")}, not "${value}".`);
  return names as Measurement[];
}
