import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { $ } from "zx";
import { EnvironmentError } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { describeDockerError, requireDocker } from "../engine/docker-client.ts";
import { aptInstall } from "../engine/host-packages.ts";
import { builderFacts, chooseBaseBuilder, explainFallbackFailure } from "./base-builder.ts";
import { contextFiles, DOCKER_DIR, POSTGRES_DIR, packageList, type SuiteImages, suiteImages } from "./image-inputs.ts";
import { aptConfigLines, aptGetOptions, SUITE_NAMES, SUITES, type SuiteName } from "./suites.ts";

/** Our images carry it; a team's image built FROM our base inherits it, so it alone never marks an image as ours. */
export const IMAGE_LABEL = "io.chaos-harness.image";
const OURS = /^chaos-harness\/(base|db|app):/;
let aptInstalling: Promise<void> | undefined;

/** Makes sure the suite's base and database images exist, building only what is missing, and names the base `chaos-harness/base:<suite>`. */
export async function ensureSuiteImages(suite: SuiteName, progress: Progress): Promise<SuiteImages> {
  const docker = await requireDocker();
  const images = suiteImages(suite);
  if (!(await imageExists(docker, images.base))) {
    const choice = chooseBaseBuilder(await builderFacts());
    if (choice.install) {
      const packages = [choice.install];
      // The suites are built at once: one apt-get for all of them.
      aptInstalling ??= progress.step(`install ${choice.install} from Debian (apt-get), to build base images offline`, () =>
        aptInstall(packages),
      );
      await aptInstalling;
    }
    await progress.step(`build base image ${images.base} with ${choice.build} (first time: about a minute)`, async () => {
      if (choice.build === "mmdebstrap") return buildBaseWithMmdebstrap(docker, suite, images.base);
      await buildBaseWithDockerfile(docker, suite, images.base).catch((error: Error) => {
        throw choice.fallback ? explainFallbackFailure(error, choice.fallback, SUITES[suite].suite) : error;
      });
    });
  }
  const [repo, tag] = images.stableBase.split(":") as [string, string];
  await docker.getImage(images.base).tag({ repo, tag });
  if (!(await imageExists(docker, images.db))) {
    await progress.step(`build database image ${images.db}`, () =>
      buildImage(docker, {
        context: POSTGRES_DIR,
        files: contextFiles(POSTGRES_DIR),
        tag: images.db,
        buildargs: { BASE_IMAGE: images.base },
        kind: "db",
      }),
    );
  }
  return images;
}

/**
 * Removes our images that no current input produces any more (old bases, database and app layers).
 * Only images named `chaos-harness/base|db|app:…` are ours: a team's image built on our base is left alone.
 */
export async function pruneStaleImages(progress: Progress): Promise<void> {
  const docker = await requireDocker();
  const current = new Set(SUITE_NAMES.flatMap((s) => Object.values(suiteImages(s))));
  // Layers built on a base first: a base image cannot go while an image is built on it.
  for (const kind of ["app", "db", "base"]) {
    const labelled = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=${kind}`] }) });
    for (const image of labelled) {
      const tags = (image.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
      if (tags.length === 0 || !tags.every((t) => OURS.test(t)) || tags.some((t) => current.has(t))) continue;
      try {
        await docker.getImage(image.Id).remove();
        progress.info(`removed stale image ${tags.join(", ")}`);
      } catch {
        // still used by a container or an image: leave it for a later setup
      }
    }
  }
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

export interface ImageBuild {
  context: string;
  /** The context's files, relative to it: what is sent to the engine. */
  files: string[];
  /** Relative to the context (default `Dockerfile`). */
  dockerfile?: string;
  tag: string;
  buildargs: Record<string, string>;
  kind: string;
  /** More labels, e.g. which target file an image is built for. */
  labels?: Record<string, string>;
}

/** Builds an image from a Dockerfile, on the host network (a build may fetch from a mirror), labelled as ours. */
export async function buildImage(docker: Docker, build: ImageBuild): Promise<void> {
  const stream = await docker.buildImage(
    { context: build.context, src: build.files },
    {
      t: build.tag,
      dockerfile: build.dockerfile ?? "Dockerfile",
      buildargs: build.buildargs,
      labels: { ...build.labels, [IMAGE_LABEL]: build.kind },
      networkmode: "host",
      rm: true,
      forcerm: true,
    },
  );
  await followBuild(docker, stream, build.tag);
}

async function buildBaseWithMmdebstrap(docker: Docker, suite: SuiteName, name: string): Promise<void> {
  const debianSuite = SUITES[suite].suite;
  const work = mkdtempSync(join(process.env.CHAOS_BUILD_DIR ?? tmpdir(), `chaos-base-${debianSuite}-`));
  const tarball = join(work, "rootfs.tar");
  try {
    const excludes = ["doc", "man", "info", "locale"].map((d) => `--dpkgopt=path-exclude=/usr/share/${d}/*`);
    const aptOptions = aptConfigLines(suite).map((line) => `--aptopt=${line}`);
    const run = await $`mmdebstrap --variant=apt ${aptOptions} --include=${packageList().join(",")} ${excludes} ${debianSuite} ${tarball}`
      .nothrow()
      .quiet();
    if (run.exitCode !== 0) {
      throw new EnvironmentError(
        "IMAGE_BUILD_FAILED",
        `mmdebstrap could not build the ${debianSuite} root filesystem (exit ${run.exitCode}). ` +
          `Check that Debian's mirror is reachable and the packages in docker/packages.txt exist in ${debianSuite}.\n` +
          run.stderr.trim().split("\n").slice(-15).join("\n"),
      );
    }
    const [repo, tag] = name.split(":") as [string, string];
    const stream = await docker.importImage(tarball, { repo, tag, changes: [`LABEL ${IMAGE_LABEL}=base`] });
    await followBuild(docker, stream, name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function buildBaseWithDockerfile(docker: Docker, suite: SuiteName, name: string): Promise<void> {
  await buildImage(docker, {
    context: DOCKER_DIR,
    files: ["base.Dockerfile", "packages.txt"],
    dockerfile: "base.Dockerfile",
    tag: name,
    buildargs: {
      SUITE: SUITES[suite].suite,
      APT_OPTIONS: aptGetOptions(suite),
    },
    kind: "base",
  });
}

function followBuild(docker: Docker, stream: NodeJS.ReadableStream, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: Array<{ stream?: string; error?: string; errorDetail?: { message?: string } }>) => {
        const failed = error ?? output.find((o) => o.error);
        if (!failed) return resolve();
        const detail = failed instanceof Error ? describeDockerError(failed) : (failed.errorDetail?.message ?? failed.error);
        const lastLines = output
          .flatMap((o) => (o.stream ? o.stream.split("\n") : []))
          .filter((l) => l.trim())
          .slice(-12)
          .map((l) => `  | ${l}`)
          .join("\n");
        reject(
          new EnvironmentError(
            "IMAGE_BUILD_FAILED",
            `Building ${name} failed: ${detail}${lastLines ? `\nLast build lines:\n${lastLines}` : ""}`,
          ),
        );
      },
    );
  });
}
