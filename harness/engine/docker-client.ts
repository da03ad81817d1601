import Docker from "dockerode";
import { EnvironmentError, errorMessage } from "../core/errors.ts";
import { commandLine } from "../core/invocation.ts";

let client: Docker | undefined;

/** One dockerode client per process; honours DOCKER_HOST like the docker CLI does. */
export function dockerClient(): Docker {
  client ??= new Docker();
  return client;
}

export async function dockerAnswers(timeoutMs = 3_000): Promise<boolean> {
  try {
    await Promise.race([
      dockerClient().ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** Fails with exit code 3 and the fix when no Docker engine answers. */
export async function requireDocker(): Promise<Docker> {
  if (await dockerAnswers()) return dockerClient();
  const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  throw new EnvironmentError(
    "DOCKER_UNREACHABLE",
    `No Docker engine answers at ${where}. Run \`${commandLine("setup")}\` (as root on Debian it installs and starts ` +
      "dockerd for you), or start your own engine and set DOCKER_HOST.",
  );
}

export function describeDockerError(error: unknown): string {
  const e = error as { statusCode?: number; json?: { message?: string } };
  return e?.json?.message ?? errorMessage(error);
}
