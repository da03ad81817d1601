import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { Progress } from "../core/progress.ts";
import { dockerAnswers } from "../engine/docker-client.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import { SUITE_NAMES } from "../images/suites.ts";

/**
 * Real-container tests need a Docker engine. Without one they fail, loudly, with the fix; they never
 * skip (a skipped test proves nothing). `npm run test:unit` runs everything that needs no Docker.
 */
export default async function setup(): Promise<void> {
  if (!(await dockerAnswers())) {
    throw new Error(
      `The real-container tests need a Docker engine and none answers at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"}` +
        `${process.env.CI ? " (CI=true: these tests never skip)" : ""}. Run \`npm run setup\` first, or \`npm run test:unit\` for the tests that need no Docker.`,
    );
  }
  await sweepStaleContainers();
  const progress = new Progress(process.stderr);
  for (const stack of SUITE_NAMES) await ensureSuiteImages(stack, progress);
}
