import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { type ExecResult, execIn, startIn } from "../control/exec.ts";
import { type MemoryCgroup, readMemoryCgroup } from "../control/memory-cgroup.ts";
import { type PinnedRequest, sendPinnedRequest } from "../control/pinned-request.ts";
import { gunicornWorkers, listProcesses, type ProcessInfo } from "../control/processes.ts";
import { type MasterSignal, signalMaster, signalProcess, type WorkerSignal } from "../control/signals.ts";
import { packageFile } from "../core/package-files.ts";
import type { WorkerRoster } from "../events/worker-roster.ts";
import type { WorkerClass } from "../images/suites.ts";

/** Read when versions are asked for, not when the module loads. */
const VERSIONS = packageFile("harness/stack/versions.py");

interface AppParts {
  docker: Docker;
  /** The container of the oldest replica still running. */
  container: () => Docker.Container;
  /** Where users connect (the app, or the balancer in front of replicas), and the target's health path. */
  url: () => string;
  healthPath: string;
  /** The workers as the oldest running replica's log tells it. */
  roster: () => WorkerRoster;
  worker: WorkerClass;
}

/**
 * The app: the gunicorn master and workers of the oldest replica still running, reached through dockerode
 * (signals, exec, inspect, the cgroup). What faults may do to it, and what the run reads of it.
 */
export class AppHandle {
  constructor(private readonly parts: AppParts) {}

  signalMaster(signal: MasterSignal): Promise<void> {
    return signalMaster(this.parts.container(), signal);
  }

  signalWorker(pid: number, signal: WorkerSignal): Promise<void> {
    return signalProcess(this.parts.docker, this.parts.container(), pid, signal);
  }

  /** Runs a command in the app container and waits for it. */
  exec(command: string[]): Promise<ExecResult> {
    return execIn(this.parts.docker, this.parts.container(), command);
  }

  /** Starts a command in the app container and returns at once; it must bound itself. */
  start(command: string[]): Promise<void> {
    return startIn(this.parts.container(), command);
  }

  /** Sends `path` to a known worker (pinned on a keep-alive connection); says which one got it. */
  sendPinnedRequest(path: string, timeoutMs = 120_000): Promise<PinnedRequest> {
    return sendPinnedRequest(this.parts.url(), this.parts.healthPath, path, timeoutMs);
  }

  memory(): Promise<MemoryCgroup | undefined> {
    return readMemoryCgroup(this.parts.docker, this.parts.container());
  }

  processes(): Promise<ProcessInfo[]> {
    return listProcesses(this.parts.docker, this.parts.container());
  }

  /** Worker processes alive right now (children of the master), as `ps` sees them. */
  async liveWorkers(): Promise<ProcessInfo[]> {
    return gunicornWorkers(await this.processes());
  }

  /** A live worker's pid, oldest (first booted) or newest, as both the log and the process table agree. */
  async pickWorker(which: "oldest" | "newest"): Promise<number> {
    const live = new Set((await this.liveWorkers()).map((p) => p.pid));
    const alive = this.parts.roster().alive.filter((pid) => live.has(pid));
    const pid = which === "oldest" ? alive[0] : alive.at(-1);
    if (pid === undefined) throw new Error("no live worker to pick");
    return pid;
  }

  /** What really runs: gunicorn, uvicorn, FastAPI and Python versions, the HTTP parser and the event loop (versions.py). */
  async versions(): Promise<Record<string, string>> {
    const result = await this.exec(["python3", "-c", readFileSync(VERSIONS, "utf8"), this.parts.worker]).catch(() => undefined);
    try {
      return result?.exitCode === 0 ? (JSON.parse(result.stdout) as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}
