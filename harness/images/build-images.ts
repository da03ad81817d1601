import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { $ } from "zx";
import { EnvironmentError } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { describeDockerError, requireDocker } from "../engine/docker-client.ts";
import { appContextFiles, DOCKER_DIR, packageList, suiteImages } from "./image-inputs.ts";
import { SUITES, type SuiteName } from "./suites.ts";

type BaseBuilder = "mmdebstrap" | "dockerfile";
const IMAGE_LABEL = "io.chaos-harness.image";

/** Makes sure the stack's images exist, building only what is missing. Returns the app image name. */
export async function ensureSuiteImages(stack: SuiteName, progress: Progress): Promise<string> {
  const docker = await requireDocker();
  const images = suiteImages(stack);
  if (!(await imageExists(docker, images.base))) {
    const builder = await chooseBaseBuilder();
    await progress.step(`build base image ${images.base} with ${builder} (first time: about a minute)`, () =>
      builder === "mmdebstrap" ? buildBaseWithMmdebstrap(docker, stack, images.base) : buildBaseWithDockerfile(docker, stack, images.base),
    );
  }
  if (!(await imageExists(docker, images.app))) {
    await progress.step(`build app image ${images.app}`, () => buildAppImage(docker, images.base, images.app));
  }
  return images.app;
}

/** Removes our images that no current input produces any more (old app layers, old bases). */
export async function pruneStaleImages(progress: Progress): Promise<void> {
  const docker = await requireDocker();
  const current = new Set(Object.keys(SUITES).flatMap((s) => Object.values(suiteImages(s as SuiteName))));
  // App images first: a base image cannot go while an app image is built on it.
  for (const kind of ["app", "base"]) {
    const ours = await docker.listImages({ filters: JSON.stringify({ label: [`${IMAGE_LABEL}=${kind}`] }) });
    for (const image of ours) {
      const tags = (image.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
      if (tags.some((t) => current.has(t))) continue;
      try {
        await docker.getImage(image.Id).remove();
        progress.info(`removed stale image ${tags.join(", ") || image.Id.slice(7, 19)}`);
      } catch {
        // still used by a container: leave it for a later setup
      }
    }
  }
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

async function chooseBaseBuilder(): Promise<BaseBuilder> {
  const wanted = process.env.CHAOS_BASE_BUILDER ?? "auto";
  if (wanted === "mmdebstrap" || wanted === "dockerfile") return wanted;
  if (wanted !== "auto") {
    throw new EnvironmentError("BAD_BUILDER", `CHAOS_BASE_BUILDER=${wanted} is not one of auto, mmdebstrap, dockerfile.`);
  }
  const found = await $`command -v mmdebstrap`.nothrow().quiet();
  return found.exitCode === 0 ? "mmdebstrap" : "dockerfile";
}

async function buildBaseWithMmdebstrap(docker: Docker, stack: SuiteName, name: string): Promise<void> {
  const { suite } = SUITES[stack];
  const work = mkdtempSync(join(process.env.CHAOS_BUILD_DIR ?? tmpdir(), `chaos-base-${suite}-`));
  const tarball = join(work, "rootfs.tar");
  try {
    const excludes = ["doc", "man", "info", "locale"].map((d) => `--dpkgopt=path-exclude=/usr/share/${d}/*`);
    const run = await $`mmdebstrap --variant=apt --include=${packageList().join(",")} ${excludes} ${suite} ${tarball}`.nothrow().quiet();
    if (run.exitCode !== 0) {
      throw new EnvironmentError(
        "IMAGE_BUILD_FAILED",
        `mmdebstrap could not build the ${suite} root filesystem (exit ${run.exitCode}). ` +
          `Check that Debian's mirror is reachable and the packages in docker/packages.txt exist in ${suite}.\n` +
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

async function buildBaseWithDockerfile(docker: Docker, stack: SuiteName, name: string): Promise<void> {
  const stream = await docker.buildImage(
    { context: DOCKER_DIR, src: ["base.Dockerfile", "packages.txt"] },
    {
      t: name,
      dockerfile: "base.Dockerfile",
      buildargs: { SUITE: SUITES[stack].suite },
      labels: { [IMAGE_LABEL]: "base" },
      networkmode: "host",
    },
  );
  await followBuild(docker, stream, name);
}

async function buildAppImage(docker: Docker, base: string, name: string): Promise<void> {
  const stream = await docker.buildImage(
    { context: DOCKER_DIR, src: appContextFiles() },
    { t: name, buildargs: { BASE_IMAGE: base }, labels: { [IMAGE_LABEL]: "app" }, rm: true, forcerm: true },
  );
  await followBuild(docker, stream, name);
}

function followBuild(docker: Docker, stream: NodeJS.ReadableStream, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = error ?? output.find((o) => o.error);
      if (!failed) return resolve();
      const detail = failed instanceof Error ? describeDockerError(failed) : (failed.errorDetail?.message ?? failed.error);
      reject(new EnvironmentError("IMAGE_BUILD_FAILED", `Building ${name} failed: ${detail}`));
    });
  });
}
