import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { EnvironmentError } from "../core/errors.ts";
import { commandLine } from "../core/invocation.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { Progress } from "../core/progress.ts";
import { dockerAnswers } from "./docker-client.ts";
import { aptInstall, isInstalled, whyAptCannotInstall } from "./host-packages.ts";

const DOCKERD_LOG = "/var/log/chaos-harness-dockerd.log";
const DOCKERD_ARGS = ["--bridge=none", "--iptables=false", "--ip6tables=false"];

/**
 * Makes sure a Docker engine answers. On a Debian-family machine, as root, installs Debian's docker.io
 * (and mmdebstrap, for offline image builds) and starts dockerd with loopback-only networking.
 * Elsewhere it stops with exit code 3 and says what to install. Idempotent.
 */
export async function ensureDockerEngine(progress: Progress): Promise<void> {
  if (await dockerAnswers()) {
    progress.info("Docker engine answers.");
    return;
  }
  const obstacle = whyWeCannotManageTheEngine();
  if (obstacle) {
    throw new EnvironmentError(
      "DOCKER_UNREACHABLE",
      `No Docker engine answers, and setup cannot start one here: ${obstacle}. ` +
        "Install Docker (on Debian: `apt-get install docker.io`), start it " +
        `(\`dockerd ${DOCKERD_ARGS.join(" ")}\`), then run \`${commandLine("setup")}\` again.`,
    );
  }
  const missing = await missingDebianPackages([
    ["dockerd", "docker.io"],
    ["mmdebstrap", "mmdebstrap"],
  ]);
  if (missing.length > 0) {
    await progress.step(`install ${missing.join(", ")} from Debian (apt-get)`, () => aptInstall(missing));
  }
  await progress.step("start dockerd (loopback only: no bridge, no iptables)", startDockerd);
}

function whyWeCannotManageTheEngine(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (host && host !== "unix:///var/run/docker.sock")
    return `DOCKER_HOST is ${host}, and setup only starts a local engine at /var/run/docker.sock`;
  return whyAptCannotInstall();
}

/** Chromium, for the test that opens the HTML report in a real browser (`CHROMIUM_PATH` overrides where). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** pyflakes, for the test that lints the project's Python (Debian's package and command are both pyflakes3). */
export const PYFLAKES = "pyflakes3";

/**
 * Installs what npm test needs beside Docker, from Debian, when missing and this machine allows it: chromium (the
 * HTML report tests) and pyflakes3 (the Python lint). Otherwise says what to do.
 */
export async function ensureTestTools(progress: Progress): Promise<void> {
  const missing = [...(existsSync(CHROMIUM_PATH) ? [] : ["chromium"]), ...(await missingDebianPackages([[PYFLAKES, "pyflakes3"]]))];
  if (missing.length === 0) return;
  const obstacle = whyAptCannotInstall();
  if (obstacle) {
    progress.warn(
      `No ${missing.join(" and no ")} here (${obstacle}): npm test needs Chromium (at ${CHROMIUM_PATH}, or set CHROMIUM_PATH) ` +
        `for the HTML report tests and ${PYFLAKES} on PATH for the Python lint. Install them.`,
    );
    return;
  }
  await progress.step(`install ${missing.join(", ")} from Debian (for npm test)`, () => aptInstall(missing));
}

async function missingDebianPackages(wanted: Array<[command: string, pkg: string]>): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, pkg] of wanted) {
    if (!(await isInstalled(command))) missing.push(pkg);
  }
  return missing;
}

async function startDockerd(): Promise<void> {
  const log = openSync(DOCKERD_LOG, "a");
  const child = spawn("dockerd", DOCKERD_ARGS, { detached: true, stdio: ["ignore", log, log] });
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? -1));
  child.unref();
  const outcome = await pollUntil(async () => ((await dockerAnswers(1_000)) ? "answers" : exited !== null ? "exited" : undefined), {
    timeoutMs: 60_000,
    intervalMs: 300,
  });
  if (outcome === "answers") return;
  const tail = readFileSync(DOCKERD_LOG, "utf8").trim().split("\n").slice(-15).join("\n");
  throw new EnvironmentError(
    "DOCKERD_FAILED",
    `dockerd ${exited !== null ? `exited with code ${exited}` : "did not answer within 60 s"}. ` + `Last lines of ${DOCKERD_LOG}:\n${tail}`,
  );
}
