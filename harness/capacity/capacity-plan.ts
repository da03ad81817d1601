import type { Progress } from "../core/progress.ts";
import type { SuiteName } from "../images/suites.ts";
import type { Target } from "../target/define-target.ts";
import type { Slo } from "./slo.ts";

export interface CapacityRequest {
  path: string;
  method: "GET";
  weight: number;
}

/** What one configuration's search needs: the request mix, the SLO it must meet, and its time. */
export interface MeasurePlan {
  requests: CapacityRequest[];
  slo: Slo;
  requireRps?: number;
  budgetS: number;
  trialS: number;
  confirmS: number;
  /** Most requests in flight during a trial. */
  connections: number;
  timeoutS: number;
  progress: Progress;
  signal: AbortSignal;
}

/** A capacity run: the system under test and the configurations to measure it in, each searched as `MeasurePlan` says. */
export interface CapacityPlan extends MeasurePlan {
  /** The system under test: a target the harness boots, or a service already running on loopback (`url`). */
  target?: Target;
  url?: string;
  suite?: SuiteName;
  config?: string;
  /** Gunicorn worker counts to measure (one configuration each); empty: the target's default. */
  workers: number[];
  /** Memory limits in MB (crossed with `workers`); empty: the target's default. */
  memoryMb: number[];
  /** Another build measured in the same job, interleaved A B B A: a target, or this target run from another image. */
  compare?: { label: string; target: Target };
}
