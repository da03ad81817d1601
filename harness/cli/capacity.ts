import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { capacityRequests, referenceTarget } from "../capacity/capacity-inputs.ts";
import { SEARCH_OVERHEAD_S } from "../capacity/measure-configuration.ts";
import { runCapacity } from "../capacity/run-capacity.ts";
import { DEFAULT_SLO, parseRequiredRate, parseSlo } from "../capacity/slo.ts";
import { removeEverythingBeforeExit } from "../cleanup/before-exit.ts";
import { interruptSignal } from "../cleanup/interrupt.ts";
import { ExitCode, UsageError } from "../core/errors.ts";
import { programName } from "../core/invocation.ts";
import { assertLoopbackUrl } from "../core/loopback.ts";
import { Progress } from "../core/progress.ts";
import type { SuiteName } from "../images/suites.ts";
import { capacityReporters, writeCapacityReport } from "../report/capacity-report.ts";
import { CapacityConsoleReporter } from "../report/capacity-report-console.ts";
import { keepCount, REPORTS_DIR } from "../report/retention.ts";
import { pointLatestAt } from "../report/write-run-report.ts";
import { targetConfig } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { runCli } from "./run-cli.ts";
import { chosenSuite, keepOption, pruneOldReports, usageErrorsExit2, withSuiteOption } from "./usage.ts";

interface Options {
  target?: string;
  url?: string;
  path: string[];
  workers?: number[];
  memory?: number[];
  slo: string;
  require?: string;
  compare?: string;
  suite?: SuiteName;
  stack?: SuiteName;
  config?: string;
  budget: number;
  trial: number;
  confirm: number;
  connections: number;
  json?: boolean;
  keep?: number;
}

const program = withSuiteOption(usageErrorsExit2(new Command(programName("capacity"))), "Debian suite to run the target on")
  .description(
    "Finds the highest request rate the build sustains under its SLO, per configuration: a short closed-loop peak, then " +
      "constant-rate open-loop trials (bisection; latency from each request's intended start), and a longer trial to confirm. " +
      "Reports the limiting resource (worker CPU per pid, DB pool timeouts, OOM kills, memory) and a confidence.\n" +
      "Writes reports/capacity-<run>/ (report.html, capacity.json, junit.xml).\n" +
      "Exit codes: 0 measured (and --require met, no regression), 1 below --require or a capacity drop beyond the spread " +
      "measured, 2 usage, 3 environment (no Docker, a configuration could not be measured), 5 inconclusive (the load generator " +
      "could not offer the rate needed), 130 interrupted.",
  )
  .option(
    "--target <file>",
    "the system under test: a target file (.ts or .json); default: chaos.target.ts found from here upward, else the demo",
  )
  .option("--url <url>", "measure a service already running on loopback (http://127.0.0.1:PORT), with no containers")
  .option("--path <path-or-role>", "what to request: a path (/items) or a role of the target (db); repeat for a mix", collect, [])
  .addOption(new Option("--workers <list>", "gunicorn worker counts to measure, e.g. 1,2,4").argParser(positiveList))
  .addOption(new Option("--memory <list>", "container memory limits in MB to measure, e.g. 256,512").argParser(positiveList))
  .option("--slo <limits>", "what a sustained rate must meet: p50/p90/p99 in ms or s, errors in %", DEFAULT_SLO)
  .option("--require <rate>", "the rate the build must sustain, e.g. 500/s: exit 1 when a configuration falls short")
  .option("--compare <target-or-image>", "measure this other build too (a target file, or an image of the same app), interleaved A B B A")
  .option("--config <name>", "a config of the target (its configs:)")
  .addOption(new Option("--budget <s>", "search time per configuration, the boot not included").default(180).argParser(positiveNumber))
  .addOption(new Option("--trial <s>", "seconds per search trial").default(3).argParser(positiveNumber))
  .addOption(new Option("--confirm <s>", "seconds of the confirming trial").default(8).argParser(positiveNumber))
  .addOption(new Option("--connections <n>", "most requests in flight during a trial").default(256).argParser(positiveNumber))
  .option("--json", "print capacity.json on stdout (progress stays on stderr)")
  .addOption(keepOption())
  .showHelpAfterError();

program.parse();
const options = program.opts<Options>();

await runCli(async () => {
  keepCount(options.keep); // a bad CHAOS_KEEP_REPORTS fails now (exit 2), not after the run
  if (options.url && (options.target || options.compare || options.workers || options.memory || options.config || chosenSuite(options)))
    throw new UsageError(
      "BAD_OPTION",
      "--url measures a service that is already running: --target, --compare, --workers, --memory, --config and --suite do not apply to it.",
    );
  if (options.url) assertUrl(options.url);
  for (const [name, seconds] of [
    ["--trial", options.trial],
    ["--confirm", options.confirm],
  ] as const)
    if (!Number.isInteger(seconds) || seconds < 2)
      throw new UsageError(
        "BAD_OPTION",
        `${name} ${seconds}: give whole seconds, at least 2 (the first second of a trial is left out as warm-up).`,
      );
  const least = options.trial + options.confirm + 2 * SEARCH_OVERHEAD_S;
  if (options.budget < least)
    throw new UsageError(
      "BAD_OPTION",
      `--budget ${options.budget}: too short for one trial and its confirmation; give at least ${least} s.`,
    );
  const slo = parseSlo(options.slo);
  const requireRps = options.require === undefined ? undefined : parseRequiredRate(options.require);
  const target = options.url ? undefined : await loadTarget(options.target);
  if (target && options.config) targetConfig(target, options.config);
  const compare =
    options.compare && target ? { label: options.compare, target: await referenceTarget(options.compare, target) } : undefined;
  const requests = capacityRequests(options.path, target, options.url);
  const progress = new Progress();
  const signal = interruptSignal((sig) => progress.warn(`${sig}: stopping the load, tearing down (Ctrl-C again to force)`));
  const report = await runCapacity({
    ...(target && { target }),
    ...(options.url && { url: options.url }),
    requests,
    slo,
    ...(requireRps !== undefined && { requireRps }),
    ...(chosenSuite(options) && { suite: chosenSuite(options) }),
    ...(options.config && { config: options.config }),
    workers: options.workers ?? [],
    memoryMb: options.memory ?? [],
    ...(compare && { compare }),
    budgetS: options.budget,
    trialS: options.trial,
    confirmS: options.confirm,
    connections: Math.round(options.connections),
    timeoutS: 10,
    progress,
    signal,
  });
  const dir = join(REPORTS_DIR, `capacity-${report.runId}`);
  // --json: capacity.json on stdout instead of the console's summary.
  const files = writeCapacityReport(report, dir, [...capacityReporters(), ...(options.json ? [] : [new CapacityConsoleReporter()])]);
  pointLatestAt(REPORTS_DIR, dir);
  pruneOldReports(options.keep, progress);
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`report: ${files.find((f) => f.endsWith(".html")) ?? dir}\n`);
  if (report.status === "passed") return ExitCode.ok;
  if (report.status === "failed") return ExitCode.expectationFailed;
  return report.status === "inconclusive" ? ExitCode.inconclusive : ExitCode.environment;
}, removeEverythingBeforeExit);

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function positiveList(value: string): number[] {
  const list = value.split(",").map((v) => Number(v.trim()));
  if (!list.length || list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new InvalidArgumentError("a comma-separated list of whole numbers above 0, e.g. 1,2,4");
  return [...new Set(list)];
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("a number above 0");
  return n;
}

function assertUrl(url: string): void {
  try {
    assertLoopbackUrl(url);
  } catch (error) {
    throw new UsageError(
      "BAD_URL",
      `--url ${url}: ${(error as Error).message}. The harness sends load to 127.0.0.1 only, e.g. --url http://127.0.0.1:8000.`,
    );
  }
}
