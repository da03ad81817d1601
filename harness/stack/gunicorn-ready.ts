import { get } from "node:http";
import type Docker from "dockerode";
import type { WaitStrategy } from "testcontainers";
import { EnvironmentError } from "../core/errors.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { EventLog } from "../events/event-log.ts";
import { workerRoster } from "../events/worker-roster.ts";
import type { RunLogs } from "../logs/run-logs.ts";

/** When the count is the app's own: no new worker booted for this long, and every one booted is ready. */
const SETTLED_MS = 1_000;

/**
 * Ready means: every configured worker logged "Application startup complete." and /health answers; with the
 * count left to the app ("app"), every worker it booted, none new for a second.
 * Fails fast, with the app's last log lines, when the master halts or the container exits.
 */
export class GunicornReady implements WaitStrategy {
  private startupTimeoutMs = 60_000;
  private startupTimeoutSet = false;

  constructor(
    private readonly events: EventLog,
    private readonly logs: RunLogs,
    private readonly workers: number | "app",
    private readonly healthUrl: string,
    /** The replica to wait for, in a run with replicas: its own workers, its own log lines. */
    private readonly instance?: string,
  ) {}

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.startupTimeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.startupTimeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  async waitUntilReady(container: Docker.Container): Promise<void> {
    let nextStateCheck = 0;
    const ready = await pollUntil(
      async () => {
        const halted = this.events.all.find((e) => e.kind === "master-halt-reason" && e.instance === this.instance);
        if (halted && halted.kind === "master-halt-reason") this.fail(`the gunicorn master halted: ${halted.reason}`);
        const roster = workerRoster(this.events.all, this.instance);
        const serving = roster.alive.filter((pid) => roster.ready.has(pid)).length;
        if (serving >= this.wanted(roster.alive.length) && (await healthAnswers(this.healthUrl))) return true;
        if (Date.now() >= nextStateCheck) {
          nextStateCheck = Date.now() + 1_000;
          const { State } = await container.inspect();
          if (!State.Running) this.fail(`the app container exited with code ${State.ExitCode}${State.OOMKilled ? " (OOM killed)" : ""}`);
        }
        return undefined;
      },
      { timeoutMs: this.startupTimeoutMs, intervalMs: 100 },
    );
    if (ready) return;
    const roster = workerRoster(this.events.all, this.instance);
    const { pathname, search } = new URL(this.healthUrl);
    const health = await probeOnce(this.healthUrl);
    const serving = roster.alive.filter((pid) => roster.ready.has(pid)).length;
    // Every worker up and the path answering 4xx: the path is wrong, not the app.
    const wrongPath =
      serving >= this.wanted(roster.alive.length) && health.status !== undefined && health.status >= 400 && health.status < 500;
    this.fail(
      `not ready after ${this.startupTimeoutMs / 1000} s: ${roster.ready.size} of ${this.workers === "app" ? `${roster.booted.length} (the app's own count)` : this.workers} workers completed startup ` +
        `(${roster.booted.length} booted) and GET ${pathname}${search} ${health.words}` +
        (wrongPath ? `: every worker is up, so check the path (health: in the target)` : ""),
    );
  }

  /** How many workers must serve: the configured count, or every live one once the app has stopped booting new ones. */
  private wanted(alive: number): number {
    if (this.workers !== "app") return this.workers;
    const lastBoot = this.events.all.findLast((e) => e.kind === "worker-boot" && e.instance === this.instance);
    return lastBoot && Date.now() - lastBoot.at >= SETTLED_MS ? Math.max(alive, 1) : Number.POSITIVE_INFINITY;
  }

  private fail(why: string): never {
    const tail = this.logs
      .tail("app", 40, this.instance)
      .map((l) => `  | ${l}`)
      .join("\n");
    throw new EnvironmentError(
      "STACK_NOT_READY",
      `The app${this.instance ? ` (replica ${this.instance})` : ""} did not become ready: ${why.replace(/\.$/, "")}.\nLast app log lines:\n${tail}`,
    );
  }
}

/** True when `url` answers 2xx within a second. */
export async function healthAnswers(url: string): Promise<boolean> {
  return (await probeOnce(url)).ok;
}

/**
 * What `url` does within `timeoutMs` (a second): its status, and in words ("answers 404", "does not answer (ECONNREFUSED)"). One
 * connection per probe, closed after the answer: a kept-alive idle connection would hold a stopping worker (gunicorn 26's
 * asgi worker waits for idle connections) past its timeout, and the harness would cause the death it then judges.
 */
export function probeOnce(url: string, timeoutMs = 1_000): Promise<{ ok: boolean; status?: number; words: string }> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, headers: { connection: "close" }, timeout: timeoutMs }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      resolve({ ok, status, words: ok ? "answers 2xx" : `answers ${status}` });
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "TIMEOUT" })));
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, words: `does not answer (${error.code ?? error.name})` }));
  });
}
