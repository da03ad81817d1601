import { describe, expect, it } from "vitest";
import { type BuilderFacts, chooseBaseBuilder, explainFallbackFailure } from "./base-builder.ts";

const rootOnDebian: BuilderFacts = { wanted: undefined, mmdebstrapInstalled: false, platform: "linux", root: true, debian: true };

describe("chooseBaseBuilder", () => {
  it("auto uses mmdebstrap when it is installed", () => {
    expect(chooseBaseBuilder({ ...rootOnDebian, mmdebstrapInstalled: true })).toEqual({ build: "mmdebstrap" });
    expect(chooseBaseBuilder({ ...rootOnDebian, mmdebstrapInstalled: true, root: false, debian: false })).toEqual({ build: "mmdebstrap" });
  });

  it("auto installs mmdebstrap when it is missing, as root on Debian, instead of falling to the Dockerfile (which needs a registry)", () => {
    expect(chooseBaseBuilder(rootOnDebian)).toEqual({ build: "mmdebstrap", install: "mmdebstrap" });
    expect(chooseBaseBuilder({ ...rootOnDebian, wanted: "auto" })).toEqual({ build: "mmdebstrap", install: "mmdebstrap" });
    expect(chooseBaseBuilder({ ...rootOnDebian, wanted: "mmdebstrap" })).toEqual({ build: "mmdebstrap", install: "mmdebstrap" });
  });

  it.each([
    [{ root: false }, "setup is not running as root"],
    [{ debian: false }, "this is not a Debian-family system"],
    [{ platform: "darwin" }, "this is darwin, not Linux"],
  ])("auto, where it cannot install mmdebstrap (%j), falls to the Dockerfile and keeps the reason for its error", (facts, reason) => {
    const choice = chooseBaseBuilder({ ...rootOnDebian, ...facts });
    expect(choice).toEqual({ build: "dockerfile", fallback: `mmdebstrap is not installed and setup cannot install it (${reason})` });
  });

  it("CHAOS_BASE_BUILDER=mmdebstrap where it can be neither found nor installed is an environment error that says what to do", () => {
    expect(() => chooseBaseBuilder({ ...rootOnDebian, wanted: "mmdebstrap", root: false })).toThrow(
      /mmdebstrap is not installed and setup cannot install it \(setup is not running as root\)\. Install it .*apt-get install mmdebstrap.*, or set CHAOS_BASE_BUILDER=dockerfile/,
    );
  });

  it("CHAOS_BASE_BUILDER=dockerfile is taken as asked, with no fallback note; anything else is refused", () => {
    expect(chooseBaseBuilder({ ...rootOnDebian, wanted: "dockerfile" })).toEqual({ build: "dockerfile" });
    expect(() => chooseBaseBuilder({ ...rootOnDebian, wanted: "docker" })).toThrow(
      /CHAOS_BASE_BUILDER=docker is not one of auto, mmdebstrap, dockerfile/,
    );
  });
});

describe("explainFallbackFailure", () => {
  it("names why the Dockerfile was taken, the pull it needed, and both ways out, above the build's own error", () => {
    const error = explainFallbackFailure(
      new Error("Building chaos-harness/base:trixie-abc failed: pull access denied for debian"),
      "mmdebstrap is not installed and setup cannot install it (setup is not running as root)",
      "trixie",
    );
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/^mmdebstrap is not installed and setup cannot install it \(setup is not running as root\), so/);
    expect(error.message).toMatch(/pulls debian:trixie-slim from a registry/);
    expect(error.message).toMatch(/apt-get install mmdebstrap/);
    expect(error.message).toMatch(/set CHAOS_BASE_BUILDER=dockerfile/);
    expect(error.message).toMatch(/\npull access denied|\nBuilding chaos-harness\/base:trixie-abc failed: pull access denied/);
  });
});
