import { join, relative } from "node:path";
import { Command } from "commander";
import pc from "picocolors";
import { ExitCode } from "../core/errors.ts";
import { commandLine, programName } from "../core/invocation.ts";
import { Progress } from "../core/progress.ts";
import { mergeNightly } from "../nightly/merge-nightly.ts";
import { keepCount, REPORTS_DIR } from "../report/retention.ts";
import { whereTheReportIs } from "./report-location.ts";
import { runCli } from "./run-cli.ts";
import { keepOption, pruneOldReports, usageErrorsExit2 } from "./usage.ts";

const program = usageErrorsExit2(new Command(programName("nightly:merge")))
  .description(
    `Merges the folders of a sharded nightly (${commandLine("nightly", "--shard i/n")}, one per runner) into one nightly folder, ` +
      "the same in form as an unsharded run's: every run's folder, index.html, junit.xml, summary.md, comparison.json " +
      "(and capacity/ from shard 1, when it ran --compare). Refuses folders that are not shards of one matrix, and " +
      "missing shards unless --allow-missing.\n" +
      "Exit codes: 0 no regression, 1 a regression, 2 usage, 3 a run errored or (with --allow-missing) is missing.",
  )
  .argument("<dir...>", "the shard folders (reports/nightly-<date>-shard-i-of-n)")
  .option("--out <dir>", "the merged folder (new or empty); default reports/nightly-<date>, which latest then points at")
  .option("--baseline <file>", "the baseline whose figures are shown beside each run", join(REPORTS_DIR, "baseline.json"))
  .option("--update-baseline", "rewrite the baseline from the merged runs (deliberately; a shard alone never does)")
  .option("--allow-missing", "merge what is there when shards or runs are missing, and say what is missing (exit 3)")
  .addOption(keepOption())
  .showHelpAfterError();

program.parse();
const dirs = program.args;
const options = program.opts<{ out?: string; baseline: string; updateBaseline?: boolean; allowMissing?: boolean; keep?: number }>();

await runCli(async () => {
  keepCount(options.keep); // a bad CHAOS_KEEP_REPORTS fails now (exit 2), not after the run
  const progress = new Progress();
  const outcome = mergeNightly({
    dirs,
    ...(options.out && { out: options.out }),
    baselineFile: options.baseline,
    updateBaseline: Boolean(options.updateBaseline),
    allowMissing: Boolean(options.allowMissing),
  });
  if (!options.out) pruneOldReports(options.keep, progress);
  const passed = outcome.results.filter((r) => r.status === "passed").length;
  process.stdout.write(
    `${dirs.length} shard folder(s) merged: ${passed} of ${outcome.results.length} runs passed; ` +
      `${outcome.regressions.length} regression(s) in behaviour (p99 and throughput are not judged against the baseline)\n`,
  );
  if (outcome.capacityStatus) process.stdout.write(`capacity (shard 1): ${outcome.capacityStatus}\n`);
  for (const r of outcome.regressions) process.stdout.write(`${pc.red("regression")} ${r.key} (${r.kind}): ${r.message}\n`);
  if (outcome.unbaselined.length) process.stdout.write(`${pc.yellow("no baseline")} for ${outcome.unbaselined.join(", ")}\n`);
  if (outcome.missing.length)
    process.stdout.write(`${pc.yellow("missing")} ${outcome.missing.join(", ")}: ${outcome.missingWhy.join("; ")}\n`);
  if (options.updateBaseline) process.stdout.write(`baseline rewritten: ${relative(process.cwd(), options.baseline)}\n`);
  process.stdout.write(`${whereTheReportIs(outcome.files)}\n`);
  if (outcome.results.some((r) => r.status === "error") || outcome.capacityStatus === "error" || outcome.missing.length)
    return ExitCode.environment;
  return outcome.regressions.length && !options.updateBaseline ? ExitCode.expectationFailed : ExitCode.ok;
});
