import { Command } from "commander";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { commandLine, invokedThroughBin, programName } from "../core/invocation.ts";
import { Progress } from "../core/progress.ts";
import { ensureDockerEngine, ensureTestTools } from "../engine/ensure-engine.ts";
import { ensureSuiteImages, pruneStaleImages } from "../images/build-images.ts";
import { SUITE_NAMES, SUITES, type SuiteName } from "../images/suites.ts";
import { runCli } from "./run-cli.ts";
import { chosenSuite, usageErrorsExit2, withSuiteOption } from "./usage.ts";

const program = withSuiteOption(usageErrorsExit2(new Command(programName("setup"))), "build only this suite's images")
  .description(
    "Makes this machine ready: a Docker engine that answers (on Debian, as root, installs docker.io and " +
      `mmdebstrap and starts dockerd), ${invokedThroughBin() ? "" : "Chromium and pyflakes3 for npm test, "}then the images of every suite, built from ` +
      "Debian packages only when their inputs changed. Idempotent: a warm run takes seconds.\n" +
      "Exit codes: 0 ready, 2 usage, 3 environment (what to install is said).",
  )
  .showHelpAfterError();

const suite = chosenSuite(program.parse().opts<{ suite?: SuiteName; stack?: SuiteName }>());

await runCli(async () => {
  const progress = new Progress();
  await ensureDockerEngine(progress);
  // Chromium and pyflakes3 are for this repository's own tests, not for a team running the installed package.
  if (!invokedThroughBin()) await ensureTestTools(progress);
  const swept = await sweepStaleContainers();
  if (swept.removed.length > 0) progress.info(`removed ${swept.removed.length} container(s) left by killed runs: ${swept.runs.join(", ")}`);
  const suites = suite ? [suite] : SUITE_NAMES;
  const images = await Promise.all(suites.map((name) => ensureSuiteImages(name, progress)));
  await pruneStaleImages(progress);
  for (const [i, name] of suites.entries()) progress.info(`${name.padEnd(9)} ${images[i]!.stableBase}  (${SUITES[name].summary})`);
  progress.info(`Ready. Next: ${commandLine("scenario", invokedThroughBin() ? "smoke" : "slow-db")}`);
  return 0;
});
