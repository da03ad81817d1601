import { existsSync, readFileSync } from "node:fs";
import { $ } from "zx";
import { EnvironmentError } from "../core/errors.ts";

/** What decides whether the harness may install Debian packages on this machine itself. */
export interface HostFacts {
  platform: string;
  root: boolean;
  /** A Debian-family system (ID or ID_LIKE in /etc/os-release). */
  debian: boolean;
}

export function hostFacts(): HostFacts {
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  return { platform: process.platform, root: process.getuid?.() === 0, debian: /^(ID|ID_LIKE)=.*\bdebian\b/m.test(osRelease) };
}

/** Why apt-get cannot be used here, in words for an error message; undefined when it can (root on a Debian-family Linux). */
export function whyAptCannotInstall(facts: HostFacts = hostFacts()): string | undefined {
  if (facts.platform !== "linux") return `this is ${facts.platform}, not Linux`;
  if (!facts.root) return "setup is not running as root";
  if (!facts.debian) return "this is not a Debian-family system";
  return undefined;
}

/** A command on PATH (`command -v`). */
export async function isInstalled(command: string): Promise<boolean> {
  return (await $`command -v ${command}`.nothrow().quiet()).exitCode === 0;
}

/** Installs Debian packages with apt-get (as root, non-interactive); a failure is an EnvironmentError with apt's last lines. */
export async function aptInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = await $({ env })`apt-get update`.nothrow().quiet();
  if (update.exitCode !== 0) {
    throw new EnvironmentError("APT_FAILED", `apt-get update failed:\n${update.stderr.trim()}`);
  }
  const install = await $({ env })`apt-get install -y --no-install-recommends ${packages}`.nothrow().quiet();
  if (install.exitCode !== 0) {
    throw new EnvironmentError(
      "APT_FAILED",
      `apt-get install ${packages.join(" ")} failed:\n${install.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
}
