import { Command, Option } from "commander";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { ensureChromium, ensureDockerEngine } from "../engine/ensure-engine.ts";
import { ensureStackImages, pruneStaleImages } from "../images/build-images.ts";
import { STACK_NAMES, STACKS, type StackName } from "../images/suites.ts";
import { Progress } from "../core/progress.ts";
import { runCli } from "./run-cli.ts";
import { usageErrorsExit2 } from "./usage.ts";

const program = usageErrorsExit2(new Command("npm run setup --"))
  .description(
    "Makes this machine ready: a Docker engine that answers (on Debian, as root, installs docker.io and " +
      "mmdebstrap and starts dockerd), Chromium for the HTML report test, then the stack images, built from " +
      "Debian packages only when their inputs changed. Idempotent: a warm run takes seconds.\n" +
      "Exit codes: 0 ready, 2 usage, 3 environment (what to install is said).",
  )
  .addOption(new Option("--stack <name>", "build only this stack's images").choices(STACK_NAMES))
  .showHelpAfterError();

const { stack } = program.parse().opts<{ stack?: StackName }>();

await runCli(async () => {
  const progress = new Progress();
  await ensureDockerEngine(progress);
  await ensureChromium(progress);
  const swept = await sweepStaleContainers();
  if (swept.removed.length > 0) progress.info(`removed ${swept.removed.length} container(s) left by killed runs: ${swept.runs.join(", ")}`);
  const stacks = stack ? [stack] : STACK_NAMES;
  const images = await Promise.all(stacks.map((name) => ensureStackImages(name, progress)));
  await pruneStaleImages(progress);
  for (const [i, name] of stacks.entries()) progress.info(`${name.padEnd(9)} ${images[i]}  (${STACKS[name].summary})`);
  progress.info("Ready. Next: npm run scenario slow-db");
  return 0;
});
