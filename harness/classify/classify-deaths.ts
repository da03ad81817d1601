import type { EventOfKind, FromLog, RunEvent } from "../events/events.ts";
import type { ExitLine } from "../events/worker-roster.ts";
import { type BannerKind, type BannerSighting, bannerBlockingCall, bannerOomVerdict, recognizeBanner } from "./banners.ts";
import { type Cause, type Severity, severityOf } from "./causes.ts";

export interface Death {
  pid: number;
  cause: Cause;
  severity: Severity;
  /** Epoch ms of the exit line (or of the master's last line when there is none); 0 if the input had no times. */
  at: number;
  /** One line: why, for people. */
  summary: string;
  /** The lines and facts the verdict rests on, quoted. */
  evidence: string[];
  /** Banners this death prints with the default config (docker/app/gunicorn.conf.py), and those the input showed. */
  bannersExpected: BannerKind[];
  bannersSeen: BannerKind[];
}

export interface ClassifyOptions {
  /**
   * How long (in the input's time) to wait after a worker's exit line before judging it: later lines
   * still count (gunicorn 20.1 can log a signal after "Worker exiting"; banners follow exit lines).
   * Infinity = judge everything at finish() (a harness run, where all evidence is in hand).
   */
  holdMs?: number;
  /** gunicorn's max_requests, when known: uvicorn < 0.29 recycles a worker without logging why. */
  maxRequests?: number;
}

type ExitEvent = ExitLine;

interface Verdict {
  cause: Cause;
  evidence: string[];
  /** Overrides the cause's standard one-line why. */
  summary?: string;
  /** The worker was sent SIGTERM/SIGINT/SIGQUIT (so the default config prints its INTERRUPT banner). */
  stopSignalled?: boolean;
}
type Fault = EventOfKind<"fault">;
const STOP_SIGNALS = new Set(["SIGTERM", "SIGINT", "SIGQUIT"]);
const BOOT_EXIT_CODES = new Set([3, 4]); // gunicorn's WORKER_BOOT_ERROR, APP_LOAD_ERROR
const OOM_EVENT_WINDOW_MS = 5_000;
const SAME_MOMENT_MS = 1_000;

interface Worker {
  pid: number;
  generation: number;
  ready: boolean;
  /** uvicorn logged "Started server process": its signal handlers (and so the INTERRUPT banner) are in place. */
  serving: boolean;
  exits: ExitEvent[];
  timeout?: FromLog;
  shuttingDown?: FromLog;
  maxRequests?: FromLog;
  startupFailed?: FromLog;
  appErrors: string[];
  banners: BannerSighting[];
  faults: Fault[];
}

interface Reload {
  event: FromLog;
  replaced: Set<number>;
}

/** The master's story for one generation (a new "Starting gunicorn" starts the next). */
interface Master {
  generation: number;
  stopping?: EventOfKind<"master-signal">;
  reloads: Reload[];
  scaleDowns: FromLog[];
  shutdown?: FromLog;
  halt?: EventOfKind<"master-halt-reason">;
  lastAt: number;
}

/**
 * Decides why each worker stopped, from a run's events in time order: log lines (both gunicorn
 * wordings), banners, the harness's own fault timeline, and container evidence (docker `oom` events,
 * memory cgroup readings). It streams: memory grows with live workers and deaths, not with lines.
 */
export class DeathClassifier {
  readonly deaths: Death[] = [];
  private readonly workers = new Map<number, Worker>();
  private master: Master = newMaster(0);
  private readonly oomEvents: number[] = [];
  private cgroupFirst: number | null | undefined;
  private cgroupLast: number | null | undefined;
  private cgroupLastAt = 0;
  private oomKillsAttributed = 0;
  private containerDied: EventOfKind<"container"> | undefined;
  /** A harness run brings container evidence; a log file alone does not. */
  private containerEvidence = false;
  private readonly recentStopExits: number[] = [];
  private readonly holdMs: number;

  constructor(
    private readonly options: ClassifyOptions = {},
    private readonly onDeath?: (death: Death) => void,
  ) {
    this.holdMs = options.holdMs ?? 2_000;
  }

  push(event: RunEvent): void {
    if (event.at > 0) {
      this.master.lastAt = Math.max(this.master.lastAt, event.at);
      this.judgeSettled(event.at);
    }
    switch (event.kind) {
      case "master-start":
        this.endGeneration('a new master started ("Starting gunicorn") with no line about this worker');
        this.master = newMaster(this.master.generation + 1);
        break;
      case "worker-boot":
        this.workers.set(event.pid, newWorker(event.pid, this.master.generation));
        break;
      case "worker-ready":
        if (event.pid !== undefined) this.worker(event.pid).ready = true;
        break;
      case "worker-lifecycle":
        if (event.pid !== undefined && event.step === "server-started") this.worker(event.pid).serving = true;
        break;
      case "worker-startup-failed":
        if (event.pid !== undefined) this.worker(event.pid).startupFailed = event;
        break;
      case "worker-shutting-down":
      case "worker-draining":
        if (event.pid !== undefined) this.worker(event.pid).shuttingDown ??= event;
        break;
      case "worker-max-requests":
        if (event.pid !== undefined) this.worker(event.pid).maxRequests = event;
        break;
      case "worker-timeout":
        this.worker(event.pid).timeout ??= event;
        break;
      case "worker-signaled":
      case "worker-exit-code":
      case "worker-exiting":
        this.worker(event.pid).exits.push(event);
        break;
      case "log-record":
        if (event.loggedBy !== undefined && (event.level === "ERROR" || event.level === "CRITICAL") && this.workers.has(event.loggedBy)) {
          keepLast(this.worker(event.loggedBy).appErrors, event.message, 3);
        }
        break;
      case "traceback":
        if (event.loggedBy !== undefined && this.workers.has(event.loggedBy)) {
          keepLast(this.worker(event.loggedBy).appErrors, event.lines.at(-1) ?? "", 3);
        }
        break;
      case "banner": {
        const banner = recognizeBanner(event);
        if (banner) this.worker(banner.pid).banners.push(banner);
        break;
      }
      case "master-signal":
        this.onMasterSignal(event);
        break;
      case "master-reload":
        if (!this.master.reloads.some((r) => event.at - r.event.at <= SAME_MOMENT_MS)) this.startReload(event);
        break;
      case "master-shutdown":
        this.master.shutdown = event;
        break;
      case "master-halt-reason":
        this.master.halt = event;
        break;
      case "fault": {
        const pid = /^worker (\d+)$/.exec(event.target)?.[1];
        if (pid) this.worker(Number(pid)).faults.push(event);
        break;
      }
      case "container":
        this.containerEvidence = true;
        if (event.action === "oom") keepLast(this.oomEvents, event.at, 50);
        if (event.action === "die" && event.container === "app") this.containerDied = event;
        break;
      case "cgroup":
        this.containerEvidence = true;
        if (this.cgroupFirst === undefined) this.cgroupFirst = event.oomKills;
        this.cgroupLast = event.oomKills;
        this.cgroupLastAt = event.at;
        break;
    }
  }

  /** Judges every worker that stopped; workers still running at the end are not deaths. */
  finish(): Death[] {
    this.judgeSettled(Number.POSITIVE_INFINITY);
    if (this.master.shutdown || this.master.halt || this.containerDied)
      this.endGeneration("the master exited with no line about this worker");
    return this.deaths;
  }

  private worker(pid: number): Worker {
    let worker = this.workers.get(pid);
    if (!worker) this.workers.set(pid, (worker = newWorker(pid, this.master.generation)));
    return worker;
  }

  private onMasterSignal(event: EventOfKind<"master-signal">): void {
    if (STOP_SIGNALS.has(event.signal)) this.master.stopping ??= event;
    else if (event.signal === "SIGHUP") this.startReload(event);
    else if (event.signal === "SIGTTOU") this.master.scaleDowns.push(event);
  }

  private startReload(event: FromLog): void {
    const replaced = new Set(
      [...this.workers.values()].filter((w) => w.exits.length === 0 && w.generation === this.master.generation).map((w) => w.pid),
    );
    this.master.reloads.push({ event, replaced });
    if (this.master.reloads.length > 20) this.master.reloads.shift();
  }

  private judgeSettled(now: number): void {
    const everything = now === Number.POSITIVE_INFINITY;
    const settled = [...this.workers.values()].filter((w) => w.exits.length > 0 && (everything || exitTime(w) + this.holdMs < now));
    for (const worker of settled.sort((a, b) => exitTime(a) - exitTime(b))) this.judge(worker, exitTime(worker));
  }

  /** Workers of the ending generation with no exit line died with their master (or their fate is unknown). */
  private endGeneration(why: string): void {
    for (const worker of [...this.workers.values()]) {
      if (worker.generation !== this.master.generation) continue;
      if (worker.exits.length > 0) this.judge(worker, exitTime(worker));
      else this.judge(worker, this.master.lastAt, why);
    }
  }

  private judge(worker: Worker, at: number, noExitLine?: string): void {
    this.workers.delete(worker.pid);
    const verdict = this.verdict(worker, at, noExitLine);
    const stopSignalled =
      ["shutdown", "reload", "scale-down", "unexpected-sigterm"].includes(verdict.cause) || Boolean(verdict.stopSignalled);
    const death: Death = {
      pid: worker.pid,
      cause: verdict.cause,
      severity: severityOf(verdict.cause),
      at,
      summary: verdict.summary ?? SUMMARIES[verdict.cause],
      evidence: verdict.evidence,
      bannersExpected: expectedBanners(worker, stopSignalled),
      bannersSeen: [...new Set(worker.banners.map((b) => b.kind))],
    };
    if (isStopExit(worker)) keepLast(this.recentStopExits, at, 64);
    this.deaths.push(death);
    this.onDeath?.(death);
  }

  private verdict(worker: Worker, at: number, noExitLine: string | undefined): Verdict {
    const evidence: string[] = worker.exits.map(quote);
    if (noExitLine) evidence.push(noExitLine);
    const add = (line: string | undefined) => line && !evidence.includes(line) && evidence.push(line);
    const signaled = worker.exits.find((e): e is EventOfKind<"worker-signaled"> => e.kind === "worker-signaled");
    const exitCode = worker.exits.find((e): e is EventOfKind<"worker-exit-code"> => e.kind === "worker-exit-code");
    const stopSignal = this.stopSignalReceived(worker, at);
    for (const fault of worker.faults)
      add(`harness: ${fault.action} ${fault.detail ?? ""} to ${fault.target} at ${iso(fault.at)}`.replace(/\s+/g, " "));
    for (const banner of worker.banners) add(describeBanner(banner));

    // 1. It never booted.
    const halt = this.master.halt?.reason.match(/failed to boot|failed to load/i) ? this.master.halt : undefined;
    if (worker.startupFailed || (exitCode && BOOT_EXIT_CODES.has(exitCode.code)) || (halt && !worker.ready)) {
      add(worker.startupFailed && quote(worker.startupFailed));
      for (const error of worker.appErrors) add(`the app said: ${error}`);
      add(halt && quote(halt));
      const said = worker.appErrors.at(-1);
      return { cause: "boot-failure", evidence, summary: said ? `failed to boot: ${said}` : undefined };
    }

    // 2. The master aborted it for not notifying within `timeout`.
    if (worker.timeout) {
      add(quote(worker.timeout));
      if (worker.shuttingDown && worker.shuttingDown.at <= worker.timeout.at) {
        add(quote(worker.shuttingDown));
        add(this.masterReasonLine(worker, at));
        evidence.push(
          "the worker was already shutting down (draining in-flight requests) when the master aborted it: a worker being " +
            "replaced stops notifying the master, so its drain is cut at `timeout` (gunicorn) or graceful_timeout",
        );
        return { cause: "graceful-timeout", evidence, stopSignalled: true };
      }
      const abort = worker.banners.find((b) => b.kind === "abort");
      const blocking = abort && bannerBlockingCall(abort);
      return {
        cause: "timeout",
        evidence,
        stopSignalled: stopSignal !== undefined,
        summary: blocking ? `event loop blocked past the timeout in ${blocking}` : undefined,
      };
    }

    // 3. Killed.
    if (signaled?.signal === "SIGKILL") return this.sigkillVerdict(worker, at, evidence, add);

    if (signaled && !STOP_SIGNALS.has(signaled.signal)) {
      evidence.push(`${signaled.signal} with no WORKER TIMEOUT line: not gunicorn's doing`);
      return { cause: "crash", evidence, summary: `killed by ${signaled.signal}` };
    }
    if (exitCode && exitCode.code !== 0) {
      for (const error of worker.appErrors) add(`the app said: ${error}`);
      return { cause: "crash", evidence, summary: `exited with code ${exitCode.code}` };
    }

    // 4. Stopped by a signal or a clean exit.
    if (worker.maxRequests) {
      add(quote(worker.maxRequests));
      return { cause: "max-requests", evidence };
    }
    if (noExitLine) {
      if (this.master.stopping) {
        add(quote(this.master.stopping));
        add(worker.shuttingDown && quote(worker.shuttingDown));
        evidence.push(
          "still running when the master exited: gunicorn SIGKILLs what is left once graceful_timeout runs out, and logs nothing about it",
        );
        return { cause: "graceful-timeout", evidence, stopSignalled: true };
      }
      if (this.containerDied)
        evidence.push(`the app container stopped (docker die, exit code ${this.containerDied.attributes.exitCode ?? "?"})`);
      evidence.push("nothing in the input says how this worker ended");
      return { cause: "unknown", evidence };
    }
    const stray = worker.faults.find((f) => f.action === "signal-worker" && STOP_SIGNALS.has(f.detail ?? "") && f.at <= at);
    if (stray) {
      evidence.push("the signal came from outside gunicorn: the master logged no reason for it");
      return { cause: "unexpected-sigterm", evidence };
    }
    const reason = this.masterReason(worker, at);
    if (reason) {
      add(quote(reason.line));
      return { cause: reason.cause, evidence, summary: `${SUMMARIES[reason.cause]} (${describeReason(reason.line)})` };
    }
    if (stopSignal || worker.shuttingDown) {
      add(worker.shuttingDown && quote(worker.shuttingDown));
      const siblings = this.stopExitsNear(at);
      if (siblings >= 2) {
        evidence.push(
          `probable deploy or restart: ${siblings} workers stopped within ${SAME_MOMENT_MS / 1000} s of each other, and the master's ` +
            '"Handling signal" line is not in the input',
        );
        return {
          cause: "shutdown",
          evidence,
          summary: `probable deploy or restart: ${siblings} workers stopped together, no master line in the input`,
        };
      }
      if (stopSignal) {
        evidence.push(
          `${stopSignal} with no master-side reason (no "Handling signal: term|hup|ttou" before it, and not a max-requests recycle)`,
        );
        return { cause: "unexpected-sigterm", evidence };
      }
      if (this.options.maxRequests) {
        evidence.push(
          `max_requests is ${this.options.maxRequests}, and uvicorn < 0.29 recycles a worker without logging why; nothing else explains this clean exit`,
        );
        return { cause: "max-requests", evidence };
      }
      evidence.push(
        'a clean exit after "Shutting down" with no signal line: uvicorn < 0.29 looks like this after a SIGTERM from outside and ' +
          "after reaching max_requests (it does not log which); the input says neither",
      );
      return { cause: "unknown", evidence };
    }
    evidence.push("an exit with no signal, no exit code and no context in the input");
    return { cause: "unknown", evidence };
  }

  private sigkillVerdict(worker: Worker, at: number, evidence: string[], add: (line: string | undefined) => unknown): Verdict {
    const banner = worker.banners.find((b) => b.kind === "sigkill");
    const bannerSays = banner ? bannerOomVerdict(banner) : undefined;
    const oomEventNear = this.oomEvents.some((t) => t <= at + 500 && at - t <= OOM_EVENT_WINDOW_MS);
    // The cgroup's count speaks only for deaths between two readings.
    const bracketed = this.cgroupFirst != null && this.cgroupLast != null && this.cgroupLastAt >= at;
    const cgroupKills = bracketed ? this.cgroupLast! - this.cgroupFirst! : undefined;
    if (oomEventNear) add(`docker: an "oom" event for the app container within ${OOM_EVENT_WINDOW_MS / 1000} s before this exit`);
    if (cgroupKills !== undefined) add(`memory cgroup: oom_kill went from ${this.cgroupFirst} to ${this.cgroupLast} during the run`);
    // Container evidence decides; a log alone decides only through the master's own SIGKILL banner.
    const confirmed =
      bannerSays === "yes" ||
      (bannerSays !== "no" &&
        this.containerEvidence &&
        oomEventNear &&
        (cgroupKills === undefined || cgroupKills > this.oomKillsAttributed));
    if (confirmed) {
      this.oomKillsAttributed++;
      return { cause: "oom-kill", evidence };
    }
    const stopping = this.master.stopping && this.master.stopping.at <= at ? this.master.stopping : undefined;
    if (stopping) {
      add(quote(stopping));
      evidence.push("killed while the master was stopping: gunicorn SIGKILLs the workers still running when graceful_timeout runs out");
      return { cause: "graceful-timeout", evidence, stopSignalled: true };
    }
    if (bannerSays === "no" || this.containerEvidence) {
      evidence.push(
        "not an OOM kill: the container's evidence shows no OOM kill for it; something sent SIGKILL (a person, a supervisor, an orchestrator)",
      );
      return { cause: "sigkill", evidence, summary: "SIGKILL from outside gunicorn; the container shows no OOM kill" };
    }
    evidence.push(
      'not provable from a log: gunicorn prints "Perhaps out of memory?" for every SIGKILL; only the container\'s memory cgroup ' +
        "(oom_kill) or `docker events` (oom) can confirm an OOM kill, and the input has neither",
    );
    return { cause: "sigkill", evidence };
  }

  /** The signal that made the worker stop, if the input shows one (an exit by signal, its own banner, or the harness). */
  private stopSignalReceived(worker: Worker, at: number): string | undefined {
    const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
    if (signaled?.kind === "worker-signaled" && STOP_SIGNALS.has(signaled.signal)) return signaled.signal;
    const banner = worker.banners.find((b) => b.kind === "interrupt");
    if (banner) return /^Signal: (SIG\w+)/m.exec(banner.event.lines.join("\n"))?.[1] ?? "SIGTERM";
    return worker.faults.find((f) => f.action === "signal-worker" && STOP_SIGNALS.has(f.detail ?? "") && f.at <= at)?.detail;
  }

  /** A master-side reason for the stop, claiming the scale-down it uses. */
  private masterReason(worker: Worker, at: number): { cause: Cause; line: FromLog } | undefined {
    if (this.master.stopping && this.master.stopping.at <= at) return { cause: "shutdown", line: this.master.stopping };
    const reload = [...this.master.reloads].reverse().find((r) => r.event.at <= at && r.replaced.has(worker.pid));
    if (reload) return { cause: "reload", line: reload.event };
    const scaleDown = this.master.scaleDowns.findIndex((e) => e.at <= at);
    if (scaleDown >= 0) return { cause: "scale-down", line: this.master.scaleDowns.splice(scaleDown, 1)[0]! };
    return undefined;
  }

  private masterReasonLine(worker: Worker, at: number): string | undefined {
    const reason = this.masterReason(worker, at);
    return reason && quote(reason.line);
  }

  private stopExitsNear(at: number): number {
    const pending = [...this.workers.values()].filter((w) => isStopExit(w) && Math.abs(exitTime(w) - at) <= SAME_MOMENT_MS).length;
    return pending + this.recentStopExits.filter((t) => Math.abs(t - at) <= SAME_MOMENT_MS).length + 1;
  }
}

/** Banners the default config prints for this death: the worker's INTERRUPT when it got a stop signal, the master's ABORT or SIGKILL when it reaped it. */
const SUMMARIES: Record<Cause, string> = {
  shutdown: "the master was told to stop",
  reload: "replaced when the master reloaded",
  "scale-down": "removed when the master scaled down",
  "max-requests": "recycled after max_requests",
  timeout: "event loop blocked past the timeout; the master aborted it",
  "oom-kill": "killed by the kernel's OOM killer",
  sigkill: "SIGKILL; a log alone cannot prove an OOM kill",
  "unexpected-sigterm": "SIGTERM with no deploy, reload or scale-down behind it",
  "graceful-timeout": "still running when graceful_timeout ran out; in-flight requests were cut",
  "boot-failure": "failed to boot",
  crash: "exited abnormally",
  unknown: "the input does not say how it ended",
};

function describeReason(line: FromLog): string {
  const signal = /Handling signal: (\w+)/.exec(line.raw)?.[1];
  return signal ? `master handled SIG${signal.toUpperCase()}` : (line.raw.split("] ").at(-1) ?? line.raw);
}

function expectedBanners(worker: Worker, stopSignalled: boolean): BannerKind[] {
  const expected: BannerKind[] = [];
  if (stopSignalled) expected.push("interrupt");
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  if (worker.timeout && signaled) expected.push("abort");
  else if (signaled?.kind === "worker-signaled" && signaled.signal === "SIGKILL") expected.push("sigkill");
  return expected;
}

/** Stopped by SIGTERM/SIGINT/SIGQUIT as far as the input shows: the exit line says so, or the worker's own banner. */
function isStopExit(worker: Worker): boolean {
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  if (signaled?.kind === "worker-signaled") return STOP_SIGNALS.has(signaled.signal);
  return worker.banners.some((b) => b.kind === "interrupt");
}

function exitTime(worker: Worker): number {
  return worker.exits[0]?.at ?? 0;
}

function newWorker(pid: number, generation: number): Worker {
  return { pid, generation, ready: false, serving: false, exits: [], appErrors: [], banners: [], faults: [] };
}

function newMaster(generation: number): Master {
  return { generation, reloads: [], scaleDowns: [], lastAt: 0 };
}

function quote(event: FromLog): string {
  return `log line ${event.seq}: ${event.raw.split("\n")[0]}`;
}

function describeBanner(banner: BannerSighting): string {
  const detail =
    banner.kind === "abort"
      ? bannerBlockingCall(banner)
      : banner.kind === "sigkill"
        ? banner.event.lines.find((l) => l.startsWith("OOM confirmed"))
        : undefined;
  return `banner (log line ${banner.event.seq}): ${banner.event.title}${detail ? ` — ${banner.kind === "abort" ? `blocking call: ${detail}` : detail}` : ""}`;
}

function iso(at: number): string {
  return at > 0 ? new Date(at).toISOString() : "an unknown time";
}

function keepLast<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}
