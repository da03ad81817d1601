import type { EventOfKind, FaultEvent, FromLog } from "../events/events.ts";
import type { ExitLine } from "../events/worker-roster.ts";
import type { BannerKind, BannerPatterns, BannerSighting } from "./banners.ts";
import type { Cause, Severity } from "./define-cause.ts";

/** Where a piece of evidence comes from; `line` is the raw log line it quotes, when it quotes one. */
export const EVIDENCE_SOURCES = ["log", "banner", "app", "harness", "docker", "cgroup", "inference"] as const;
type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

export interface Evidence {
  source: EvidenceSource;
  line?: number;
  text: string;
}

export interface Death {
  pid: number;
  /** The replica whose worker it was, in a run with replicas (the same pid in two replicas is two workers). */
  instance?: string;
  cause: Cause;
  severity: Severity;
  /** Epoch ms of the exit line (or of the master's last line when there is none); 0 if the input had no times. */
  at: number;
  /** One line: why, for people. */
  summary: string;
  /** The lines and facts the verdict rests on. */
  evidence: Evidence[];
  /** Banners this death prints with the default config (docker/app/gunicorn.conf.py), and those the input showed. */
  bannersExpected: BannerKind[];
  bannersSeen: BannerKind[];
}

/** What the input told about one worker, from its boot to its exit line. */
export interface WorkerStory {
  pid: number;
  /** Which master generation booted it (a new "Starting gunicorn" starts the next). */
  generation: number;
  ready: boolean;
  exits: ExitLine[];
  timeout?: FromLog;
  shuttingDown?: FromLog;
  maxRequests?: FromLog;
  startupFailed?: FromLog;
  /** The app's last few ERROR/CRITICAL messages and traceback endings from this worker. */
  appErrors: string[];
  banners: BannerSighting[];
  faults: FaultEvent[];
}

interface Reload {
  event: FromLog;
  /** The workers the reload replaces: those alive in the generation when it began. */
  replaced: Set<number>;
}

/** The master's story for one generation. */
export interface MasterStory {
  generation: number;
  stopping?: EventOfKind<"master-signal">;
  reloads: Reload[];
  scaleDowns: FromLog[];
  shutdown?: FromLog;
  halt?: EventOfKind<"master-halt-reason">;
  lastAt: number;
}

/** Container evidence a harness run brings and a log file does not. */
export interface ContainerEvidence {
  /** True once any docker event or cgroup reading arrived. */
  present: boolean;
  died?: EventOfKind<"container">;
  /** Times of docker `oom` events for the app container. */
  oomEvents: readonly number[];
  /** The memory cgroup's oom_kill counter at the first and the last reading, and when the last was taken. */
  cgroupFirst?: number | null;
  cgroupLast?: number | null;
  cgroupLastAt: number;
  /** OOM kills already given to earlier deaths. */
  oomKillsAttributed: number;
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
  /** The banners the app declares, as their first lines look (a target's own): only these are recognised and owed. Default: the seed's texts and the drop-in's. */
  banners?: BannerPatterns;
}
