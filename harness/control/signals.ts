import type Docker from "dockerode";
import { execIn } from "./exec.ts";

/** Signals gunicorn's master handles (see gunicorn's Arbiter.SIGNALS), plus KILL. */
export const MASTER_SIGNALS = ["TERM", "INT", "QUIT", "HUP", "TTIN", "TTOU", "USR1", "USR2", "WINCH", "KILL"] as const;
export type MasterSignal = (typeof MASTER_SIGNALS)[number];
export const WORKER_SIGNALS = ["TERM", "INT", "QUIT", "ABRT", "KILL", "USR1", "HUP", "STOP", "CONT"] as const;
export type WorkerSignal = (typeof WORKER_SIGNALS)[number];

/** The master is the container's PID 1, so Docker's kill delivers to it directly. */
export async function signalMaster(container: Docker.Container, signal: MasterSignal): Promise<void> {
  await container.kill({ signal: `SIG${signal}` });
}

/** Signals one process inside the container (a worker pid as gunicorn logs it), from inside its namespace. */
export async function signalProcess(docker: Docker, container: Docker.Container, pid: number, signal: WorkerSignal): Promise<void> {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`Refusing to signal pid ${pid}: not a worker pid`);
  const result = await execIn(docker, container, ["sh", "-c", `kill -s ${signal} ${pid}`]);
  if (result.exitCode !== 0) {
    throw new Error(`kill -s ${signal} ${pid} failed in the container: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
}
