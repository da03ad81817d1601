import type { RunEvent } from "../events/events.ts";
import { type BannerKind, type BannerMatcher, bannerMatcher, declaredBannerKinds } from "./banners.ts";
import { severityOf, summaryOf } from "./causes.ts";
import type { ClassifyOptions, ContainerEvidence, Death, MasterStory, WorkerStory } from "./death.ts";
import { exitTime, expectedBanners, isStopExit, judgeDeath, SAME_MOMENT_MS, STOP_SIGNALS } from "./death-rules.ts";
import { capText } from "./death-wording.ts";

/** Exited workers left waiting for late lines at most; beyond, the oldest is judged at once. */
const MAX_UNJUDGED = 256;

/**
 * Decides why each worker stopped, from a run's events in time order: log lines (both gunicorn
 * wordings), banners, the harness's own fault timeline, and container evidence (docker `oom` events,
 * memory cgroup readings). This class tracks the stories; the rules that judge them are pure
 * (death-rules.ts). It streams: memory grows with live workers (and the deaths it keeps when no listener takes them), not with lines. At most
 * MAX_UNJUDGED exited workers wait to be judged, whatever the log's clock does (a log whose time stands still
 * would otherwise keep them all, and judge each against all the others).
 */
export class DeathClassifier {
  readonly deaths: Death[] = [];
  private readonly workers = new Map<number, WorkerStory>();
  /** Workers with an exit line, not judged yet (they wait `holdMs` for late lines: banners, the cgroup). */
  private readonly exited = new Set<WorkerStory>();
  private master: MasterStory = newMaster(0);
  private readonly container: ContainerEvidence & { oomEvents: number[] } = {
    present: false,
    oomEvents: [],
    cgroupLastAt: 0,
    oomKillsAttributed: 0,
  };
  private readonly recentStopExits: number[] = [];
  private readonly holdMs: number;
  private readonly recognizeBanner: BannerMatcher;
  /** Only the banners the app declares are owed: one that promises none owes none. */
  private readonly owed: ReadonlySet<BannerKind>;

  constructor(
    private readonly options: ClassifyOptions = {},
    private readonly onDeath?: (death: Death) => void,
  ) {
    this.holdMs = options.holdMs ?? 2_000;
    this.recognizeBanner = bannerMatcher(options.banners);
    this.owed = new Set(declaredBannerKinds(options.banners));
  }

  /** Whether this log has told of a worker with this pid that is alive, or stopped and not judged yet (2 s of log time at most). */
  knows(pid: number): boolean {
    return this.workers.has(pid);
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
      case "worker-exiting": {
        const worker = this.worker(event.pid);
        worker.exits.push(event);
        this.exited.add(worker);
        if (this.exited.size > MAX_UNJUDGED) this.judgeOldest(this.exited.size - MAX_UNJUDGED);
        break;
      }
      case "log-record": {
        const banner = this.recognizeBanner(event);
        if (banner) this.worker(banner.pid).banners.push(banner);
        else if (
          event.loggedBy !== undefined &&
          (event.level === "ERROR" || event.level === "CRITICAL") &&
          this.workers.has(event.loggedBy)
        ) {
          keepLast(this.worker(event.loggedBy).appErrors, capText(event.message), 3);
        }
        break;
      }
      case "unparsed": {
        const banner = this.recognizeBanner(event);
        if (banner) this.worker(banner.pid).banners.push(banner);
        break;
      }
      case "traceback":
        if (event.loggedBy !== undefined && this.workers.has(event.loggedBy)) {
          keepLast(this.worker(event.loggedBy).appErrors, capText(exceptionLine(event.lines)), 3);
        }
        break;
      case "banner": {
        const banner = this.recognizeBanner(event);
        if (banner) this.worker(banner.pid).banners.push(banner);
        break;
      }
      case "master-signal":
        if (STOP_SIGNALS.has(event.signal)) this.master.stopping ??= event;
        else if (event.signal === "SIGHUP") this.startReload(event);
        else if (event.signal === "SIGTTOU") this.master.scaleDowns.push(event);
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
      case "fault":
        if (event.target === "worker") this.worker(event.pid).faults.push(event);
        break;
      case "container":
        this.container.present = true;
        if (event.action === "oom") keepLast(this.container.oomEvents, event.at, 50);
        if (event.action === "die" && event.container === "app") this.container.died = event;
        break;
      case "cgroup":
        this.container.present = true;
        if (this.container.cgroupFirst === undefined) this.container.cgroupFirst = event.oomKills;
        this.container.cgroupLast = event.oomKills;
        this.container.cgroupLastAt = event.at;
        break;
    }
  }

  /** Judges every worker that stopped; workers still running at the end are not deaths (those a listener took are not kept). */
  finish(): Death[] {
    this.judgeSettled(Number.POSITIVE_INFINITY);
    if (this.master.shutdown || this.master.halt || this.container.died)
      this.endGeneration("the master exited with no line about this worker");
    return this.deaths;
  }

  private worker(pid: number): WorkerStory {
    let worker = this.workers.get(pid);
    if (!worker) this.workers.set(pid, (worker = newWorker(pid, this.master.generation)));
    return worker;
  }

  private startReload(event: MasterStory["reloads"][number]["event"]): void {
    const replaced = new Set(
      [...this.workers.values()].filter((w) => w.exits.length === 0 && w.generation === this.master.generation).map((w) => w.pid),
    );
    this.master.reloads.push({ event, replaced });
    if (this.master.reloads.length > 20) this.master.reloads.shift();
  }

  private judgeSettled(now: number): void {
    if (this.exited.size === 0) return;
    const everything = now === Number.POSITIVE_INFINITY;
    const settled = [...this.exited].filter((w) => everything || exitTime(w) + this.holdMs < now);
    for (const worker of settled.sort((a, b) => exitTime(a) - exitTime(b))) this.judge(worker, exitTime(worker));
  }

  private judgeOldest(count: number): void {
    const oldest = [...this.exited].sort((a, b) => exitTime(a) - exitTime(b)).slice(0, count);
    for (const worker of oldest) this.judge(worker, exitTime(worker));
  }

  /** Workers of the ending generation with no exit line died with their master (or their fate is unknown). */
  private endGeneration(why: string): void {
    // A story whose pid a new worker took waits in `exited` only: judge it with its own generation.
    for (const worker of [...this.exited])
      if (worker.generation === this.master.generation && this.workers.get(worker.pid) !== worker) this.judge(worker, exitTime(worker));
    for (const worker of [...this.workers.values()]) {
      if (worker.generation !== this.master.generation) continue;
      if (worker.exits.length > 0) this.judge(worker, exitTime(worker));
      else this.judge(worker, this.master.lastAt, why);
    }
  }

  private judge(worker: WorkerStory, at: number, noExitLine?: string): void {
    // A pid the kernel reused while this story waited belongs to a new worker now: leave that one be.
    if (this.workers.get(worker.pid) === worker) this.workers.delete(worker.pid);
    this.exited.delete(worker);
    const verdict = judgeDeath(worker, at, noExitLine, {
      master: this.master,
      container: this.container,
      stoppedTogether: this.stopExitsNear(at),
      maxRequests: this.options.maxRequests,
    });
    if (verdict.claims.scaleDown) this.master.scaleDowns.splice(this.master.scaleDowns.indexOf(verdict.claims.scaleDown), 1);
    if (verdict.claims.oomKill) this.container.oomKillsAttributed++;
    const death: Death = {
      pid: worker.pid,
      cause: verdict.cause,
      severity: severityOf(verdict.cause),
      at,
      summary: verdict.summary ?? summaryOf(verdict.cause),
      evidence: verdict.evidence,
      bannersExpected: expectedBanners(worker, verdict.cause, Boolean(verdict.stopSignalled)).filter((kind) => this.owed.has(kind)),
      bannersSeen: [...new Set(worker.banners.map((b) => b.kind))],
    };
    if (isStopExit(worker)) keepLast(this.recentStopExits, at, 64);
    // A listener takes each death as it comes (a stream of millions of lines); otherwise finish() returns them all.
    if (this.onDeath) this.onDeath(death);
    else this.deaths.push(death);
  }

  /** Stop exits within SAME_MOMENT_MS of `at`: those still waiting to be judged, those judged recently, and this one. */
  private stopExitsNear(at: number): number {
    const pending = [...this.exited].filter((w) => isStopExit(w) && Math.abs(exitTime(w) - at) <= SAME_MOMENT_MS).length;
    return pending + this.recentStopExits.filter((t) => Math.abs(t - at) <= SAME_MOMENT_MS).length + 1;
  }
}

/** A traceback's exception line: its last, less the notes libraries append (SQLAlchemy's "(Background on this error at: …)"). */
function exceptionLine(lines: readonly string[]): string {
  return lines.findLast((l) => l.trim() !== "" && !/^\(Background on this error at: \S+\)$/.test(l.trim())) ?? "";
}

function newWorker(pid: number, generation: number): WorkerStory {
  return { pid, generation, ready: false, exits: [], appErrors: [], banners: [], faults: [] };
}

function newMaster(generation: number): MasterStory {
  return { generation, reloads: [], scaleDowns: [], lastAt: 0 };
}

function keepLast<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}
