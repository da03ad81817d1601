import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import getPort from "get-port";
import { packageFile } from "../core/package-files.ts";
import { pollUntil } from "../core/poll-until.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { liveContainerCount } from "./container-registry.ts";
import { currentOwner, OWNER_LABEL, ROLE_LABEL, RUN_LABEL } from "./run-context.ts";

/** `CHAOS_REAPER=off` switches the reaper off (the sweep at the next start still removes what a killed run left). */
const REAPER_ENV = "CHAOS_REAPER";
/** The sidecar waits this long for the harness's connection, and the harness as long for the sidecar. */
const READY_TIMEOUT_MS = 10_000;

/** The sidecar's program (what it does: its docstring). */
const REAPER_PY = packageFile("harness/cleanup/reaper.py");
/** How long a clean exit waits for the sidecar's removal. */
const REMOVAL_TIMEOUT_MS = 10_000;

interface StartedReaper {
  containerId: string;
  /** The connection the sidecar watches: its end without a goodbye sets it reaping. */
  socket: Socket;
}

let reaper: Promise<StartedReaper | undefined> | undefined;

/**
 * Starts, once per process, the sidecar that removes this process's containers if it dies without doing so
 * (SIGKILL, the OOM killer, a CI job cancelled hard). Call it before starting the first container. Off
 * with CHAOS_REAPER=off, and when the engine is not reached through a local unix socket (the sidecar
 * mounts it). A failure to start it is reported once and does not stop the run.
 */
export async function ensureReaper(image: string, warn: (message: string) => void = () => {}): Promise<void> {
  reaper ??= startReaper(image).catch((error: Error) => {
    warn(`the reaper did not start (${error.message}); a killed run's containers are removed at the next start`);
    return undefined;
  });
  await reaper;
}

/**
 * Says goodbye to the sidecar and removes it, waiting until the engine no longer lists it: a clean exit leaves
 * nothing behind, not even for the second the sidecar would take to leave by itself. While this process still has
 * containers, the sidecar stays, to remove them once the process is gone.
 */
export async function stopReaper(): Promise<void> {
  const started = await reaper;
  if (!started || liveContainerCount() > 0) return;
  started.socket.end("bye\n");
  const container = dockerClient().getContainer(started.containerId);
  await container.remove({ force: true }).catch(ignoreGone);
  // A 409 means AutoRemove is already at it (the goodbye made the sidecar exit): wait for the engine to finish.
  const gone = await pollUntil(
    async () => {
      try {
        await container.inspect();
        return undefined;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return true;
        throw error;
      }
    },
    { timeoutMs: REMOVAL_TIMEOUT_MS, intervalMs: 50 },
  );
  if (!gone)
    throw new Error(
      `the reaper container ${started.containerId.slice(0, 12)} was still there ${REMOVAL_TIMEOUT_MS / 1000} s after its removal`,
    );
}

/** An engine error that means the container is gone or going (404, 409 removal in progress) is swallowed; any other is thrown. */
function ignoreGone(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== 404 && status !== 409) throw error;
}

async function startReaper(image: string): Promise<StartedReaper | undefined> {
  if (process.env[REAPER_ENV] === "off") return undefined;
  const socketPath = localDockerSocket();
  if (!socketPath) return undefined;
  const owner = currentOwner();
  const port = await getPort({ host: "127.0.0.1" });
  const docker = dockerClient();
  // Whoever else may listen on that port (another harness's sidecar that took it first) does not answer this.
  const nonce = randomBytes(8).toString("hex");
  const container = await docker.createContainer({
    Image: image,
    name: `chaos-reaper-${process.pid}-${port}`,
    Cmd: ["python3", "-c", readFileSync(REAPER_PY, "utf8"), String(port), owner, "/var/run/docker.sock", ROLE_LABEL, OWNER_LABEL, nonce],
    Labels: { [RUN_LABEL]: `reaper-${process.pid}`, [OWNER_LABEL]: owner, [ROLE_LABEL]: "reaper" },
    HostConfig: { NetworkMode: "host", AutoRemove: true, Binds: [`${socketPath}:/var/run/docker.sock`] },
  });
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    throw error;
  }
  const socket = await pollUntil(() => watch(port, nonce), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 });
  if (!socket) {
    await container.remove({ force: true }).catch(() => {});
    throw new Error(`it did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS / 1000} s`);
  }
  // The connection alone is the contract: it must not keep this process alive, and it ends when the process does.
  // A clean exit removes the sidecar first (stopReaper); an exit that did not, with no container left, still says goodbye.
  // A crash (an uncaught error also ends in "exit") with containers still up says nothing, and they are removed.
  socket.unref();
  process.once("exit", () => {
    if (liveContainerCount() === 0) socket.end("bye\n");
  });
  return { containerId: container.id, socket };
}

/** Connects and waits (a second at most) for the sidecar's "watching <nonce>" line; undefined if it is not listening yet. */
function watch(port: number, nonce: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const fail = () => {
      socket.destroy();
      resolve(undefined);
    };
    socket.setTimeout(1_000, fail);
    socket.once("error", fail);
    socket.once("end", fail);
    socket.once("data", (chunk) => {
      if (chunk.toString().trim() !== `watching ${nonce}`) return fail();
      socket.setTimeout(0);
      socket.removeListener("error", fail).removeListener("end", fail).removeListener("timeout", fail);
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

/** The engine's unix socket on this machine, if that is how it is reached (the sidecar mounts it). */
function localDockerSocket(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host) return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}
