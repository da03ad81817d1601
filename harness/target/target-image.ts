import type Docker from "dockerode";
import { EnvironmentError } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { buildImage, IMAGE_LABEL, imageExists } from "../images/build-images.ts";
import { contextFiles, inputsHash, type SuiteImages } from "../images/image-inputs.ts";
import type { Target } from "./define-target.ts";

/** Which target file an image was built for (a hash of its path): two targets of one name never remove each other's images. */
const TARGET_FILE_LABEL = "io.chaos-harness.target-file";

/**
 * The image the target's app runs from: its own `image`, or one built from its Dockerfile, tagged by a
 * hash of the build context, so an unchanged context is never rebuilt. The build gets CHAOS_BASE_IMAGE:
 * the harness's base image of the chosen suite (a Dockerfile may start `FROM ${CHAOS_BASE_IMAGE}`).
 */
export async function ensureTargetImage(target: Target, suite: SuiteImages, progress: Progress): Promise<string> {
  const docker = await requireDocker();
  if (target.image) {
    if (await imageExists(docker, target.image)) return target.image;
    throw new EnvironmentError(
      "TARGET_IMAGE_MISSING",
      `${target.name}: image ${target.image} is not on the Docker engine. Build or load it first, or declare build: {context} instead.`,
    );
  }
  const build = target.build!;
  const files = contextFiles(build.context);
  const buildargs = { CHAOS_BASE_IMAGE: suite.stableBase, ...build.args };
  const baseId = (await docker.getImage(suite.stableBase).inspect()).Id;
  const hash = inputsHash([baseId, build.dockerfile ?? "Dockerfile", JSON.stringify(buildargs)], { dir: build.context, files });
  const tag = `chaos-harness/target-${target.name.toLowerCase()}:${suite.stableBase.split(":")[1]}-${hash}`;
  const fileKey = inputsHash([target.file]);
  if (!(await imageExists(docker, tag))) {
    await progress.step(`build ${target.name}'s image ${tag} (${files.length} files)`, () =>
      buildImage(docker, {
        context: build.context,
        files,
        dockerfile: build.dockerfile,
        tag,
        buildargs,
        kind: "target",
        labels: { [TARGET_FILE_LABEL]: fileKey },
      }),
    );
    await removeSuperseded(docker, tag, fileKey);
  }
  return tag;
}

/**
 * The same target's older images for the same suite, built by the harness from the same target file: a changed
 * context replaced them (one still in use by a container stays). Nothing else is ever removed.
 */
async function removeSuperseded(docker: Docker, tag: string, fileKey: string): Promise<void> {
  const [repository, version] = tag.split(":") as [string, string];
  const suitePrefix = `${repository}:${version.split("-")[0]}-`;
  const filters = { reference: [repository], label: [`${IMAGE_LABEL}=target`, `${TARGET_FILE_LABEL}=${fileKey}`] };
  for (const image of await docker.listImages({ filters: JSON.stringify(filters) })) {
    const tags = image.RepoTags ?? [];
    if (tags.includes(tag) || !tags.every((t) => t.startsWith(suitePrefix))) continue;
    await docker
      .getImage(image.Id)
      .remove()
      .catch(() => undefined);
  }
}
