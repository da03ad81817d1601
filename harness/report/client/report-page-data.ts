import type { Severity } from "../../classify/causes.ts";

/** A worker's bar in the Workers chart. */
export interface Lifeline {
  /** `pid 7`, or `web-1/7` in a run with replicas. */
  label: string;
  from: number;
  to: number;
  cause: string | null;
  severity: Severity | null;
}

export interface ReplicaChart {
  /** Requests each replica answered, per second since the load started (by when the balancer accepted them). */
  servers: Array<{ name: string; points: Array<{ x: number; y: number }> }>;
  /** Requests that failed, whichever replica (or none) the balancer picked. */
  lost: Array<{ x: number; y: number }>;
  /** The deploy's steps; steps within 50 ms of each other share one line, one label each. */
  steps: Array<{ at: number; labels: string[]; colour: string }>;
}

/** What report.html's script (report-page.js) reads from the page's #report-data JSON; html-reporter.ts writes it. */
export interface ReportPageData {
  /** One point per second since the load started. */
  timeline: Array<{ second: number; requests: number; errors: number; p50: number; p99: number }>;
  /** Each fault, at its offset in seconds since the load started. */
  faults: Array<{ at: number; label: string }>;
  lifelines: Lifeline[];
  /** Null in a run without a balancer. */
  replicas: ReplicaChart | null;
  severityColours: Record<Severity, string>;
}
