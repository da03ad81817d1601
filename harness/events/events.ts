/**
 * Everything a run observes is one of these events, keyed on `kind`. Parsers produce them, the
 * classifier and reporters consume them; nothing downstream re-reads raw log text.
 */

/** Which container a line came from: an app replica, Postgres, or the load balancer (HAProxy) in front of replicas. */
export type LogSource = "app" | "db" | "lb";
export type LogStream = "stdout" | "stderr";
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** Where a log-derived event came from: the raw text is kept with it. */
export interface FromLog {
  /** Epoch ms: when the line reached the Docker daemon, or the line's own timestamp for a log file. */
  at: number;
  source: LogSource;
  stream: LogStream;
  /** Number of the (first) raw line in the run's log, from 1. */
  seq: number;
  raw: string;
  /** The pid in the line's `[pid]` prefix: the process that logged it. */
  loggedBy?: number;
  level?: LogLevel;
  /** The replica whose container printed it (`web-1`…), in a run with replicas; absent for a single app container. */
  instance?: string;
}

export type LogEvent = FromLog &
  (
    | { kind: "master-start"; version: string }
    | { kind: "master-listening"; address: string; masterPid?: number }
    | { kind: "worker-class"; workerClass: string }
    | { kind: "master-signal"; signal: string }
    | { kind: "master-reload" }
    | { kind: "master-shutdown" }
    | { kind: "master-halt-reason"; reason: string }
    | { kind: "worker-boot"; pid: number }
    | { kind: "worker-ready"; pid?: number }
    | { kind: "worker-lifecycle"; pid?: number; step: WorkerLifecycleStep }
    | { kind: "worker-startup-failed"; pid?: number }
    | { kind: "worker-shutting-down"; pid?: number }
    | { kind: "worker-draining"; pid?: number }
    | { kind: "worker-finished"; pid: number }
    | { kind: "worker-exiting"; pid: number }
    | { kind: "worker-max-requests"; pid?: number; limit?: number }
    | { kind: "worker-timeout"; pid: number }
    | { kind: "worker-signaled"; pid: number; signal: string; coreDumped: boolean; oomHint: boolean }
    | { kind: "worker-exit-code"; pid: number; code: number }
    | { kind: "banner"; title: string; lines: string[] }
    | { kind: "traceback"; flavour: "exception" | "faulthandler"; lines: string[] }
    /** A log record (prefix understood) whose message means nothing to the harness, e.g. the app's own. */
    | { kind: "log-record"; message: string }
    /** A line with no record prefix, outside any block: kept and counted. */
    | { kind: "unparsed" }
    /** One request as the app's access log wrote it (harness/logs/access-line.ts): routine, counted apart, never a death's evidence. */
    | ({ kind: "access" } & AccessRequest)
    /** One request as the load balancer logged it (harness/logs/haproxy-log.ts). */
    | ({ kind: "lb-request" } & LbRequest)
    /** The balancer's word that a replica went UP, DOWN (health check), DRAIN or MAINT (the harness's command). */
    | { kind: "lb-server"; server: string; state: "UP" | "DOWN" | "DRAIN" | "MAINT"; reason?: string }
  );

/** What an access line says of one request: gunicorn's access log, uvicorn's access lines, a JSON access record. */
export interface AccessRequest {
  /** The worker that answered: the line's `%(p)s` (`<7>`, `pid=7`) or its record prefix's `[7]`; absent when the line names none. */
  pid?: number;
  method: string;
  /** The request target as logged (path and query). */
  path: string;
  status: number;
  /** The client address as logged (`127.0.0.1:53312`, `127.0.0.1`), when it is. */
  client?: string;
}

/**
 * HAProxy's account of one request: who asked, which replica (server) got it, over which upstream
 * connection, what came back, the timers, and how the session ended (its termination state).
 */
export interface LbRequest {
  /** Epoch ms when the request's first byte reached HAProxy. */
  acceptedAt: number;
  clientPort: number;
  /** The replica's server name, or `<NOSRV>` when none was picked (no server up, or a 503 before dispatch). */
  server: string;
  /** The local port of HAProxy's connection to the replica: the upstream connection that carried it; undefined if none was made. */
  upstreamPort?: number;
  /** -1 when no response was received. */
  status: number;
  /** HAProxy's 4-character termination state: `----` for a normal end, e.g. `SH--` when the server aborted before its headers. */
  termination: string;
  /** Total time active, ms (%Ta); Tw queue, Tc connect, Tr response headers (-1 when that phase was not reached). */
  totalMs: number;
  waitMs: number;
  connectMs: number;
  responseMs: number;
  /** How many retries HAProxy made for it (%rc). */
  retries: number;
  method: string;
  path: string;
}

interface LbServerStats {
  server: string;
  /** Requests sent to it. */
  total: number;
  /** Responses that failed (`eresp`) and transfers the server aborted (`srv_abrt`). */
  responseErrors: number;
  serverAborts: number;
  /** Requests sent over a reused idle connection, and connections opened. */
  reused: number;
  connects: number;
}

/** Routine uvicorn worker lines: recognised so that they are not counted as unparsed. */
type WorkerLifecycleStep =
  | "server-started"
  | "startup-waiting"
  | "shutdown-waiting"
  | "shutdown-complete"
  | "socket-close-error"
  /** gunicorn's asgi worker: graceful_timeout ran out with connections still open; it closes them. */
  | "forced-close";

/**
 * What the harness did to the system under test, as the fault that did it recorded it: what it hit (a
 * worker by pid, a master, the database), the signal when one was sent, and in words what was done. Each
 * fault defines its own actions and words (harness/faults/<fault>.ts); readers (the classifier, the
 * reports) rely on this much only. The fault schedule is the one place that records them.
 */
export type FaultFacts = {
  /** The fault's action (`signal-worker`), or a later step of it (`db-restored`, `table-unlock`). */
  action: string;
  /** For people: what was done, e.g. `SIGTERM`, `app_items locked for 4 s`. */
  detail: string;
} & ({ target: "worker"; pid: number; signal?: string } | { target: "master"; signal: string; instance?: string } | { target: "database" });

export type FaultEvent = { kind: "fault"; at: number } & FaultFacts;

/** What the harness itself did or saw outside the logs. */
export type HarnessEvent =
  | { kind: "phase"; at: number; phase: Phase; detail?: string }
  | FaultEvent
  | { kind: "container"; at: number; container: LogSource; instance?: string; action: string; attributes: Record<string, string> }
  /** The balancer's counters per replica after the load (HAProxy's `show stat`): what its log leaves out. */
  | { kind: "lb-stats"; at: number; servers: LbServerStats[] }
  /** One step of a deploy across replicas (harness/faults/rolling-deploy.ts), recorded as it starts. */
  | DeployStepEvent
  /** A reading of the app container's memory cgroup (taken when ready and after settling). */
  | { kind: "cgroup"; at: number; oomKills: number | null; limitBytes: number | null; usageBytes: number | null };

/** What a deploy step does to a replica or to the balancer. */
type DeployAction = "start" | "healthy" | "enable" | "unready" | "drain" | "pre-stop" | "sigterm" | "exited" | "sigkill" | "remove";

export interface DeployStepEvent {
  kind: "deploy";
  at: number;
  /** 1-based number of the replacement (one per old replica). */
  round: number;
  action: DeployAction;
  /** The replica the step acts on. */
  instance: string;
  /** For people: what the step does, as the profile names it. */
  detail: string;
}

type Phase = "booting" | "ready" | "load" | "settling" | "teardown" | "done";

export type RunEvent = LogEvent | HarnessEvent;
export type RunEventKind = RunEvent["kind"];
export type EventOfKind<K extends RunEventKind> = Extract<RunEvent, { kind: K }>;
