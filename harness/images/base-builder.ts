import { EnvironmentError } from "../core/errors.ts";
import { commandLine } from "../core/invocation.ts";
import { type HostFacts, hostFacts, isInstalled, whyAptCannotInstall } from "../engine/host-packages.ts";

type BaseBuilder = "mmdebstrap" | "dockerfile";

/** What the builder choice depends on: CHAOS_BASE_BUILDER, whether mmdebstrap is there, and whether apt-get may install it. */
export interface BuilderFacts extends HostFacts {
  wanted: string | undefined;
  mmdebstrapInstalled: boolean;
}

export interface BuilderChoice {
  build: BaseBuilder;
  /** Installed with apt-get first. */
  install?: "mmdebstrap";
  /** The Dockerfile as a last resort: what stopped mmdebstrap, for the error should that build fail. */
  fallback?: string;
}

/**
 * How to build a base image. `auto` means mmdebstrap (Debian's mirror only, no registry): installed when missing and
 * this machine allows it (root on Debian). Where it does not, the Dockerfile, which needs a registry, is the last resort.
 */
export function chooseBaseBuilder(facts: BuilderFacts): BuilderChoice {
  const wanted = facts.wanted ?? "auto";
  if (wanted === "dockerfile") return { build: "dockerfile" };
  if (wanted !== "mmdebstrap" && wanted !== "auto") {
    throw new EnvironmentError("BAD_BUILDER", `CHAOS_BASE_BUILDER=${wanted} is not one of auto, mmdebstrap, dockerfile.`);
  }
  if (facts.mmdebstrapInstalled) return { build: "mmdebstrap" };
  const cannotInstall = whyAptCannotInstall(facts);
  if (!cannotInstall) return { build: "mmdebstrap", install: "mmdebstrap" };
  if (wanted === "mmdebstrap")
    throw new EnvironmentError(
      "NO_MMDEBSTRAP",
      `CHAOS_BASE_BUILDER=mmdebstrap, but mmdebstrap is not installed and setup cannot install it (${cannotInstall}). ` +
        "Install it (on Debian: `apt-get install mmdebstrap`), or set CHAOS_BASE_BUILDER=dockerfile where a registry answers.",
    );
  return { build: "dockerfile", fallback: `mmdebstrap is not installed and setup cannot install it (${cannotInstall})` };
}

/** This machine's facts, for chooseBaseBuilder. */
export async function builderFacts(): Promise<BuilderFacts> {
  return { wanted: process.env.CHAOS_BASE_BUILDER, mmdebstrapInstalled: await isInstalled("mmdebstrap"), ...hostFacts() };
}

/** The Dockerfile's build failed after `auto` fell back to it: the error says why it was taken, and the two ways out. */
export function explainFallbackFailure(error: Error, fallback: string, debianSuite: string): EnvironmentError {
  return new EnvironmentError(
    "IMAGE_BUILD_FAILED",
    `${fallback}, so the base image was built from docker/base.Dockerfile, which pulls debian:${debianSuite}-slim from a registry, ` +
      `and that failed. Install mmdebstrap (on Debian: \`apt-get install mmdebstrap\`, or run \`${commandLine("setup")}\` as root) to build ` +
      `from Debian's mirror alone, or make a registry reachable and set CHAOS_BASE_BUILDER=dockerfile.\n${error.message}`,
  );
}
