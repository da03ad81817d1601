import type { EventOfKind, FromLog } from "../events/events.ts";
import { type BannerKind, bannerBlockingCall, bannerOomVerdict } from "./banners.ts";
import type { Cause } from "./causes.ts";
import type { ContainerEvidence, Evidence, MasterStory, WorkerStory } from "./death.ts";
import { bannerEvidence, describeReason, faultEvidence, formatEvidence, inferred, quote, SUMMARIES } from "./death-wording.ts";

export const STOP_SIGNALS = new Set(["SIGTERM", "SIGINT", "SIGQUIT"]);
const BOOT_EXIT_CODES = new Set([3, 4]); // gunicorn's WORKER_BOOT_ERROR, APP_LOAD_ERROR
const OOM_EVENT_WINDOW_MS = 5_000;
export const SAME_MOMENT_MS = 1_000;
/** How long before its "Reason:" line a halting master stops its other workers: gunicorn's default graceful_timeout, 30 s, and a margin. */
const HALT_STOPS_WITHIN_MS = 35_000;

/** Everything a verdict may read besides the worker's own story. */
export interface JudgeContext {
  master: MasterStory;
  container: ContainerEvidence;
  /** Workers stopped by a stop signal within SAME_MOMENT_MS of this exit, this one included. */
  stoppedTogether: number;
  maxRequests?: number;
}

export interface Verdict {
  cause: Cause;
  evidence: Evidence[];
  /** Overrides the cause's standard one-line why. */
  summary?: string;
  /** The worker was sent SIGTERM/SIGINT/SIGQUIT (so the default config prints its INTERRUPT banner). */
  stopSignalled?: boolean;
  /** What this verdict used up, so that no other death is explained by it: a scale-down line, an OOM kill. */
  claims: { scaleDown?: FromLog; oomKill?: boolean };
}

/**
 * Why a worker stopped, from its story and the master's: the rules in order of precedence (it never
 * booted; the master aborted it; it was killed; it stopped by a signal or exited cleanly). Pure: the
 * caller applies the claims.
 */
export function judgeDeath(worker: WorkerStory, at: number, noExitLine: string | undefined, context: JudgeContext): Verdict {
  const { master } = context;
  const evidence: Evidence[] = worker.exits.map(quote);
  if (noExitLine) evidence.push(inferred(noExitLine));
  const add = (item: Evidence | undefined) => {
    if (item && !evidence.some((e) => formatEvidence(e) === formatEvidence(item))) evidence.push(item);
  };
  const claims: Verdict["claims"] = {};
  const verdict = (cause: Cause, extra: Partial<Verdict> = {}): Verdict => ({ cause, evidence, claims, ...extra });
  // It logged "Worker exiting" before the master's WORKER TIMEOUT: it had finished (nothing in flight) and was slow to
  // leave, so the abort and its SIGABRT say nothing of why it stopped. The stop itself decides (rule 4).
  // By the input's order: a log's whole-second timestamps put a later "Worker exiting" (the asgi worker's SIGABRT handler,
  // a sync worker) in the same second as the WORKER TIMEOUT.
  const finishedBeforeAbort =
    worker.timeout !== undefined && worker.exits.some((e) => e.kind === "worker-exiting" && e.seq < worker.timeout!.seq);
  const signaled = finishedBeforeAbort
    ? undefined
    : worker.exits.find((e): e is EventOfKind<"worker-signaled"> => e.kind === "worker-signaled");
  const exitCode = worker.exits.find((e): e is EventOfKind<"worker-exit-code"> => e.kind === "worker-exit-code");
  const stopSignal = stopSignalReceived(worker, at);
  for (const fault of worker.faults) add(faultEvidence(fault));
  for (const banner of worker.banners) add(bannerEvidence(banner));
  const reasonFor = () => {
    const reason = masterReason(worker, at, master);
    if (reason?.cause === "scale-down") claims.scaleDown = reason.line;
    return reason;
  };

  // 1. It never booted.
  const halt = master.halt?.reason.match(/failed to boot|failed to load/i) ? master.halt : undefined;
  if (worker.startupFailed || (exitCode && BOOT_EXIT_CODES.has(exitCode.code)) || (halt && !worker.ready)) {
    add(worker.startupFailed && quote(worker.startupFailed));
    for (const error of worker.appErrors) add({ source: "app", text: error });
    add(halt && quote(halt));
    const said = worker.appErrors.at(-1);
    // The master stops the other workers when one fails to boot: one far enough into its startup prints
    // its INTERRUPT banner, one still importing dies before any hook can run. Only the first owes it.
    const interrupted = worker.banners.some((b) => b.kind === "interrupt");
    return verdict("boot-failure", { summary: said ? `failed to boot: ${said}` : undefined, stopSignalled: interrupted });
  }

  if (finishedBeforeAbort) {
    add(quote(worker.timeout!));
    evidence.push(
      inferred(
        'the master aborted it (WORKER TIMEOUT) after it had logged "Worker exiting": its requests were done and it was slow ' +
          "to leave (a stopping worker no longer notifies the master; a timeout compressed to seconds on a busy machine does this)",
      ),
    );
  }

  // 2. The master aborted it for not notifying within `timeout`.
  if (worker.timeout && !finishedBeforeAbort) {
    add(quote(worker.timeout));
    if (worker.shuttingDown && worker.shuttingDown.at <= worker.timeout.at) {
      add(quote(worker.shuttingDown));
      const reason = reasonFor();
      add(reason && quote(reason.line));
      evidence.push(
        inferred(
          "the worker was already shutting down (draining in-flight requests) when the master aborted it: a worker being " +
            "replaced stops notifying the master, so its drain is cut at `timeout` (gunicorn) or graceful_timeout",
        ),
      );
      return verdict("graceful-timeout", { stopSignalled: true });
    }
    const abort = worker.banners.find((b) => b.kind === "abort");
    const blocking = abort && bannerBlockingCall(abort);
    return verdict("timeout", {
      stopSignalled: stopSignal !== undefined,
      summary: blocking ? `event loop blocked past the timeout in ${blocking}` : undefined,
    });
  }

  // 3. Killed.
  if (signaled?.signal === "SIGKILL") return sigkillVerdict(worker, at, context, evidence, add, claims);
  if (signaled && !STOP_SIGNALS.has(signaled.signal)) {
    evidence.push(inferred(`${signaled.signal} with no WORKER TIMEOUT line: not gunicorn's doing`));
    return verdict("crash", { summary: `killed by ${signaled.signal}` });
  }
  if (exitCode && exitCode.code !== 0) {
    for (const error of worker.appErrors) add({ source: "app", text: error });
    return verdict("crash", { summary: `exited with code ${exitCode.code}` });
  }

  // 4. Stopped by a signal or a clean exit.
  if (worker.maxRequests) {
    add(quote(worker.maxRequests));
    return verdict("max-requests");
  }
  if (noExitLine) {
    if (master.stopping) {
      add(quote(master.stopping));
      add(worker.shuttingDown && quote(worker.shuttingDown));
      evidence.push(
        inferred(
          "still running when the master exited: gunicorn SIGKILLs what is left once graceful_timeout runs out, and logs nothing about it",
        ),
      );
      return verdict("graceful-timeout", { stopSignalled: true });
    }
    const died = context.container.died;
    if (died) evidence.push(inferred(`the app container stopped (docker die, exit code ${died.attributes.exitCode ?? "?"})`));
    evidence.push(inferred("nothing in the input says how this worker ended"));
    return verdict("unknown");
  }
  if (strayStopSignal(worker, at)) {
    evidence.push(inferred("the signal came from outside gunicorn: the master logged no reason for it"));
    return verdict("unexpected-sigterm");
  }
  const reason = reasonFor();
  if (reason) {
    add(quote(reason.line));
    return verdict(reason.cause, { summary: `${SUMMARIES[reason.cause]} (${describeReason(reason.line)})` });
  }
  if (stopSignal || worker.shuttingDown) {
    add(worker.shuttingDown && quote(worker.shuttingDown));
    const siblings = context.stoppedTogether;
    if (siblings >= 2) {
      evidence.push(
        inferred(
          `probable deploy or restart: ${siblings} workers stopped within ${SAME_MOMENT_MS / 1000} s of each other, and the master's ` +
            '"Handling signal" line is not in the input',
        ),
      );
      return verdict("shutdown", {
        summary: `probable deploy or restart: ${siblings} workers stopped together, no master line in the input`,
      });
    }
    if (stopSignal) {
      evidence.push(
        inferred(
          `${stopSignal} with no master-side reason (no "Handling signal: term|hup|ttou" before it, and not a max-requests recycle)`,
        ),
      );
      return verdict("unexpected-sigterm");
    }
    if (context.maxRequests) {
      evidence.push(
        inferred(
          `max_requests is ${context.maxRequests}, and uvicorn < 0.29 recycles a worker without logging why; nothing else explains this clean exit`,
        ),
      );
      return verdict("max-requests");
    }
    evidence.push(
      inferred(
        'a clean exit after "Shutting down" with no signal line: uvicorn < 0.29 looks like this after a SIGTERM from outside and ' +
          "after reaching max_requests (it does not log which); the input says neither",
      ),
    );
    return verdict("unknown");
  }
  evidence.push(inferred("an exit with no signal, no exit code and no context in the input"));
  return verdict("unknown");
}

function sigkillVerdict(
  worker: WorkerStory,
  at: number,
  { master, container }: JudgeContext,
  evidence: Evidence[],
  add: (item: Evidence | undefined) => void,
  claims: Verdict["claims"],
): Verdict {
  const verdict = (cause: Cause, extra: Partial<Verdict> = {}): Verdict => ({ cause, evidence, claims, ...extra });
  const banner = worker.banners.find((b) => b.kind === "sigkill");
  const bannerSays = banner ? bannerOomVerdict(banner) : undefined;
  const stopping = master.stopping && master.stopping.at <= at ? master.stopping : undefined;
  // Once the master is stopping it SIGKILLs what outlives graceful_timeout: an OOM event from before it began is another death's.
  const oomEventNear = container.oomEvents.some((t) => t <= at + 500 && at - t <= OOM_EVENT_WINDOW_MS && (!stopping || t >= stopping.at));
  // The cgroup's count speaks only for deaths between two readings.
  const bracketed = container.cgroupFirst != null && container.cgroupLast != null && container.cgroupLastAt >= at;
  const cgroupKills = bracketed ? container.cgroupLast! - container.cgroupFirst! : undefined;
  if (oomEventNear)
    add({ source: "docker", text: `an "oom" event for the app container within ${OOM_EVENT_WINDOW_MS / 1000} s before this exit` });
  if (cgroupKills !== undefined)
    add({ source: "cgroup", text: `oom_kill went from ${container.cgroupFirst} to ${container.cgroupLast} during the run` });
  // Container evidence decides; a log alone decides only through the master's own SIGKILL banner.
  const confirmed =
    bannerSays === "yes" ||
    (bannerSays !== "no" && container.present && oomEventNear && (cgroupKills === undefined || cgroupKills > container.oomKillsAttributed));
  if (confirmed) {
    claims.oomKill = true;
    return verdict("oom-kill");
  }
  if (stopping) {
    add(quote(stopping));
    evidence.push(
      inferred("killed while the master was stopping: gunicorn SIGKILLs the workers still running when graceful_timeout runs out"),
    );
    return verdict("graceful-timeout", { stopSignalled: true });
  }
  if (bannerSays === "no" || container.present) {
    evidence.push(
      inferred(
        "not an OOM kill: the container's evidence shows no OOM kill for it; something sent SIGKILL (a person, a supervisor, an orchestrator)",
      ),
    );
    return verdict("sigkill", { summary: "SIGKILL from outside gunicorn; the container shows no OOM kill" });
  }
  evidence.push(
    inferred(
      'not provable from a log: gunicorn prints "Perhaps out of memory?" for every SIGKILL; only the container\'s memory cgroup ' +
        "(oom_kill) or `docker events` (oom) can confirm an OOM kill, and the input has neither",
    ),
  );
  return verdict("sigkill");
}

/** A stop signal the harness sent the worker itself, before it exited. */
function strayStopSignal(worker: WorkerStory, at: number): string | undefined {
  const fault = worker.faults.find((f) => f.action === "signal-worker" && STOP_SIGNALS.has(f.signal) && f.at <= at);
  return fault?.action === "signal-worker" ? fault.signal : undefined;
}

/** The signal that made the worker stop, if the input shows one (an exit by signal, its own banner, or the harness). */
function stopSignalReceived(worker: WorkerStory, at: number): string | undefined {
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  if (signaled?.kind === "worker-signaled" && STOP_SIGNALS.has(signaled.signal)) return signaled.signal;
  const banner = worker.banners.find((b) => b.kind === "interrupt");
  if (banner) return /^Signal: (SIG\w+)/m.exec(banner.event.lines.join("\n"))?.[1] ?? "SIGTERM";
  return strayStopSignal(worker, at);
}

/** A master-side reason for the stop: its shutdown, a reload that replaced this worker, or a scale-down. */
function masterReason(worker: WorkerStory, at: number, master: MasterStory): { cause: Cause; line: FromLog } | undefined {
  if (master.stopping && master.stopping.at <= at) return { cause: "shutdown", line: master.stopping };
  const reload = [...master.reloads].reverse().find((r) => r.event.at <= at && r.replaced.has(worker.pid));
  if (reload) return { cause: "reload", line: reload.event };
  const scaleDown = master.scaleDowns.find((e) => e.at <= at);
  if (scaleDown) return { cause: "scale-down", line: scaleDown };
  // A master that halts (a worker failed to boot) stops the others first, waiting up to graceful_timeout, and logs its
  // "Reason:" after them: a stop just before it.
  if (master.halt && at <= master.halt.at && master.halt.at - at <= HALT_STOPS_WITHIN_MS) return { cause: "shutdown", line: master.halt };
  return undefined;
}

/** Banners the default config prints for this death: the worker's INTERRUPT when it got a stop signal, the master's ABORT or SIGKILL when it reaped it. */
export function expectedBanners(worker: WorkerStory, cause: Cause, stopSignalled: boolean): BannerKind[] {
  const expected: BannerKind[] = [];
  if (stopSignalled || ["shutdown", "reload", "scale-down", "unexpected-sigterm"].includes(cause)) expected.push("interrupt");
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  // The master aborted it (WORKER TIMEOUT), then reaped it: the drop-in's child_exit prints ABORT however it ended, by the
  // signal, or by itself when its loop came free in time (gunicorn's asgi worker exits from its SIGABRT handler then).
  if (worker.timeout && worker.exits.length > 0) expected.push("abort");
  else if (signaled?.kind === "worker-signaled" && signaled.signal === "SIGKILL") expected.push("sigkill");
  return expected;
}

/** Stopped by SIGTERM/SIGINT/SIGQUIT as far as the input shows: the exit line says so, or the worker's own banner. */
export function isStopExit(worker: WorkerStory): boolean {
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  if (signaled?.kind === "worker-signaled") return STOP_SIGNALS.has(signaled.signal);
  return worker.banners.some((b) => b.kind === "interrupt");
}

export function exitTime(worker: WorkerStory): number {
  return worker.exits[0]?.at ?? 0;
}
