import type { EventOfKind, FromLog } from "../events/events.ts";
import type { ContainerEvidence, Evidence, MasterStory, WorkerStory } from "./death.ts";
import { bannerEvidence, faultEvidence, formatEvidence, inferred, quote } from "./death-wording.ts";
import type { Cause, CauseDefinition } from "./define-cause.ts";

export const STOP_SIGNALS = new Set(["SIGTERM", "SIGINT", "SIGQUIT"]);
export const SAME_MOMENT_MS = 1_000;

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

/** What a rule says besides its cause: a summary of its own, whether the worker got a stop signal. */
type Decision = Pick<Verdict, "summary" | "stopSignalled">;

/** One step of judgeDeath's procedure; death-rules.ts lists them in their order of precedence. */
export interface DeathRule {
  /** What it looks for, in a few words. */
  name: string;
  /** The causes it can decide; none for a step that only adds evidence for the rules after it. */
  causes: readonly Cause[];
  /**
   * A verdict, or undefined to leave the death to the rules after it; a rule that passes adds no evidence, except what
   * every rule after it that could decide would add too (the container's word on a SIGKILL, causes/oom-kill.ts).
   */
  judge(facts: DeathFacts): Verdict | undefined;
}

/** A rule that decides one cause: `decide` returns what it says (`{}` for nothing more), or undefined when the rule does not apply. */
export function defineRule(cause: CauseDefinition, name: string, decide: (facts: DeathFacts) => Decision | undefined): DeathRule {
  return {
    name,
    causes: [cause.name],
    judge(facts) {
      const decision = decide(facts);
      return decision && facts.verdict(cause.name, decision);
    },
  };
}

/** A master-side reason a stop can have: `find` returns the master's line that explains it (and claims that line when only one death may use it). */
export interface MasterReason {
  cause: Cause;
  summary: string;
  find(facts: DeathFacts): FromLog | undefined;
}

export function defineMasterReason(cause: CauseDefinition, find: (facts: DeathFacts) => FromLog | undefined): MasterReason {
  return { cause: cause.name, summary: cause.summary, find };
}

/**
 * One death being judged: the worker's story, the context, and what the rules read from them. The evidence
 * starts with the exit lines, the harness's faults and the banners; each rule adds its own.
 */
export class DeathFacts {
  readonly evidence: Evidence[];
  readonly claims: Verdict["claims"] = {};
  /**
   * It logged "Worker exiting" before the master's WORKER TIMEOUT: it had finished (nothing in flight) and was slow to
   * leave, so the abort and its SIGABRT say nothing of why it stopped. By the input's order: a log's whole-second
   * timestamps put a later "Worker exiting" (the asgi worker's SIGABRT handler, a sync worker) in the same second as the WORKER TIMEOUT.
   */
  readonly finishedBeforeAbort: boolean;
  /** The signal that ended it, as its exit line says (not the abort's, when it had finished before it). */
  readonly signaled: EventOfKind<"worker-signaled"> | undefined;
  readonly exitCode: EventOfKind<"worker-exit-code"> | undefined;
  /** The stop signal it got, if the input shows one. */
  readonly stopSignal: string | undefined;

  constructor(
    readonly worker: WorkerStory,
    /** When it died: its exit line's time, or the master's last line's when it has none. */
    readonly at: number,
    /** Why there is no exit line, when there is none. */
    readonly noExitLine: string | undefined,
    readonly context: JudgeContext,
    private readonly masterReasons: readonly MasterReason[],
  ) {
    this.evidence = worker.exits.map(quote);
    if (noExitLine) this.evidence.push(inferred(noExitLine));
    this.finishedBeforeAbort =
      worker.timeout !== undefined && worker.exits.some((e) => e.kind === "worker-exiting" && e.seq < worker.timeout!.seq);
    this.signaled = this.finishedBeforeAbort
      ? undefined
      : worker.exits.find((e): e is EventOfKind<"worker-signaled"> => e.kind === "worker-signaled");
    this.exitCode = worker.exits.find((e): e is EventOfKind<"worker-exit-code"> => e.kind === "worker-exit-code");
    this.stopSignal = stopSignalReceived(worker, at);
    for (const fault of worker.faults) this.add(faultEvidence(fault));
    for (const banner of worker.banners) this.add(bannerEvidence(banner));
  }

  get master(): MasterStory {
    return this.context.master;
  }

  get container(): ContainerEvidence {
    return this.context.container;
  }

  /** Adds a piece of evidence unless it is there already. */
  add(item: Evidence | undefined): void {
    if (item && !this.evidence.some((e) => formatEvidence(e) === formatEvidence(item))) this.evidence.push(item);
  }

  verdict(cause: Cause, decision: Decision = {}): Verdict {
    return { cause, evidence: this.evidence, claims: this.claims, ...decision };
  }

  /** The master's stop signal, when it came before this death. */
  masterStopping(): EventOfKind<"master-signal"> | undefined {
    const { stopping } = this.master;
    return stopping && stopping.at <= this.at ? stopping : undefined;
  }

  /** The first master-side reason (death-rules.ts MASTER_REASONS) that explains this stop. */
  masterReason(): { cause: Cause; summary: string; line: FromLog } | undefined {
    for (const reason of this.masterReasons) {
      const line = reason.find(this);
      if (line) return { cause: reason.cause, summary: reason.summary, line };
    }
    return undefined;
  }
}

/** A stop signal the harness sent the worker itself, before it exited. */
export function strayStopSignal(worker: WorkerStory, at: number): string | undefined {
  for (const fault of worker.faults)
    if (fault.action === "signal-worker" && fault.target === "worker" && fault.signal && STOP_SIGNALS.has(fault.signal) && fault.at <= at)
      return fault.signal;
  return undefined;
}

/** The signal that made the worker stop, if the input shows one (an exit by signal, its own banner, or the harness). */
function stopSignalReceived(worker: WorkerStory, at: number): string | undefined {
  const signaled = worker.exits.find((e) => e.kind === "worker-signaled");
  if (signaled?.kind === "worker-signaled" && STOP_SIGNALS.has(signaled.signal)) return signaled.signal;
  const banner = worker.banners.find((b) => b.kind === "interrupt");
  if (banner) return /^Signal: (SIG\w+)/m.exec(banner.event.lines.join("\n"))?.[1] ?? "SIGTERM";
  return strayStopSignal(worker, at);
}
