import type { BannerKind } from "./banners.ts";
import { neverBooted } from "./causes/boot-failure.ts";
import { exitedNonZero, killedBySignal } from "./causes/crash.ts";
import { drainCutByAbort, killedWhileStopping, outlivedMaster } from "./causes/graceful-timeout.ts";
import { requestLimitLine, silentRecycle } from "./causes/max-requests.ts";
import { oomKilled } from "./causes/oom-kill.ts";
import { replacedByReload } from "./causes/reload.ts";
import { masterScaledDown } from "./causes/scale-down.ts";
import { masterHalting, masterStopping, stoppedTogether } from "./causes/shutdown.ts";
import { killed } from "./causes/sigkill.ts";
import { abortAfterExiting, masterAborted } from "./causes/timeout.ts";
import { loneStopSignal, signalledByHarness } from "./causes/unexpected-sigterm.ts";
import { noExitLine, unexplained, unexplainedCleanExit } from "./causes/unknown.ts";
import { type Cause, isByStopSignal } from "./causes.ts";
import type { WorkerStory } from "./death.ts";
import { DeathFacts, type DeathRule, type JudgeContext, STOP_SIGNALS, type Verdict } from "./death-facts.ts";
import { describeReason, quote } from "./death-wording.ts";

export { SAME_MOMENT_MS, STOP_SIGNALS } from "./death-facts.ts";
export type { JudgeContext, Verdict };

/** The master-side reasons a stop can have, the first that finds its line wins: its shutdown, a reload that replaced the worker, a scale-down, a halt. */
const MASTER_REASONS = [masterStopping, replacedByReload, masterScaledDown, masterHalting];

/** The master's own reason for the stop (MASTER_REASONS) decides it, quoted in the summary. */
const stoppedByMaster: DeathRule = {
  name: "the master stopped it",
  causes: MASTER_REASONS.map((r) => r.cause),
  judge(facts) {
    const reason = facts.masterReason();
    if (!reason) return undefined;
    facts.add(quote(reason.line));
    return facts.verdict(reason.cause, { summary: `${reason.summary} (${describeReason(reason.line)})` });
  },
};

/**
 * Every rule, in order of precedence: the first that returns a verdict decides, so a rule may take for granted that
 * none before it applied. This list is the one place the order is decided; a new cause's rules go in here.
 * 1. It never booted. 2. The master aborted it. 3. It was killed. 4. It stopped by a signal or exited cleanly.
 */
export const RULES: readonly DeathRule[] = [
  neverBooted,
  abortAfterExiting,
  drainCutByAbort,
  masterAborted,
  oomKilled,
  killedWhileStopping,
  killed,
  killedBySignal,
  exitedNonZero,
  requestLimitLine,
  outlivedMaster,
  noExitLine,
  signalledByHarness,
  stoppedByMaster,
  stoppedTogether,
  loneStopSignal,
  silentRecycle,
  unexplainedCleanExit,
  unexplained,
];

/** Why a worker stopped, from its story and the master's: the first rule of RULES that decides. Pure: the caller applies the claims. */
export function judgeDeath(worker: WorkerStory, at: number, noExitLine: string | undefined, context: JudgeContext): Verdict {
  const facts = new DeathFacts(worker, at, noExitLine, context, MASTER_REASONS);
  for (const rule of RULES) {
    const verdict = rule.judge(facts);
    if (verdict) return verdict;
  }
  throw new Error(`no rule decided the death of worker ${worker.pid}: the last rule must decide every death`);
}

/** Banners the default config prints for this death: the worker's INTERRUPT when it got a stop signal, the master's ABORT or SIGKILL when it reaped it. */
export function expectedBanners(worker: WorkerStory, cause: Cause, stopSignalled: boolean): BannerKind[] {
  const expected: BannerKind[] = [];
  if (stopSignalled || isByStopSignal(cause)) expected.push("interrupt");
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  // The master aborted it (WORKER TIMEOUT), then reaped it: the drop-in's child_exit prints ABORT however it ended, by the
  // signal, or by itself when its loop came free in time (gunicorn's asgi worker exits from its SIGABRT handler then).
  if (worker.timeout && worker.exits.length > 0) expected.push("abort");
  else if (signaled?.kind === "worker-signaled" && signaled.signal === "SIGKILL") expected.push("kill");
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
