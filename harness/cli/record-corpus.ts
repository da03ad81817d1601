// Records the classifier's corpus from real runs: `npm run record-corpus [-- case ...] [--suite S] [--worker W] [--config C]`.
// The cases and the recording are in harness/corpus/; this file parses and prints.
import { Command, Option } from "commander";
import type { DemoConfig } from "../classify/corpus/corpus-format.ts";
import { Progress } from "../core/progress.ts";
import { corpusCaseNames, recordCorpus } from "../corpus/record-corpus.ts";
import { SUITE_NAMES, type SuiteName, WORKER_CLASSES, type WorkerClass } from "../images/suites.ts";

const cli = new Command("npm run record-corpus --")
  .description("Records the classifier's corpus (harness/classify/corpus/) from real runs; the banner matrix is regenerated from it.")
  .argument("[case...]", `cases to record (default all: ${(await corpusCaseNames()).join(", ")})`)
  .addOption(new Option("--suite <name>", "only this suite").choices(SUITE_NAMES))
  .addOption(new Option("--worker <class>", "only this worker class").choices(WORKER_CLASSES))
  .addOption(new Option("--config <name>", "only this config of the demo").choices(["default", "seed"]))
  .parse();
const only = cli.opts<{ suite?: SuiteName; worker?: WorkerClass; config?: DemoConfig }>();
const progress = new Progress();
const { matrixRegenerated } = await recordCorpus({ cases: cli.args, ...only, progress });
if (matrixRegenerated) progress.info("the banner matrix regenerated from the corpus");
