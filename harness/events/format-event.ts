import type { EventOfKind, FaultFacts, RunEvent, RunEventKind } from "./events.ts";

type Formatters = { [K in RunEventKind]: (event: EventOfKind<K>) => string };

const mib = (bytes: number | null) => (bytes === null ? "no limit" : `${Math.round(bytes / 1048576)} MiB`);
const pidOf = (pid: number | undefined) => (pid === undefined ? "worker (pid unknown)" : `worker ${pid}`);

/** One line per event for people; one formatter per kind, so a new kind cannot be forgotten. */
const formatters: Formatters = {
  "master-start": (e) => `master started (gunicorn ${e.version})`,
  "master-listening": (e) => `master listening at ${e.address}${e.masterPid ? ` (master pid ${e.masterPid})` : ""}`,
  "worker-class": (e) => `worker class ${e.workerClass}`,
  "master-signal": (e) => `master handling ${e.signal}`,
  "master-reload": () => "master reloading (hang up)",
  "master-shutdown": () => "master shut down",
  "master-halt-reason": (e) => `master halted: ${e.reason}`,
  "worker-boot": (e) => `${pidOf(e.pid)} booting`,
  "worker-ready": (e) => `${pidOf(e.pid)} ready (application startup complete)`,
  "worker-lifecycle": (e) => `${pidOf(e.pid)} ${e.step.replace(/-/g, " ")}`,
  "worker-startup-failed": (e) => `${pidOf(e.pid)} application startup failed`,
  "worker-shutting-down": (e) => `${pidOf(e.pid)} shutting down`,
  "worker-draining": (e) => `${pidOf(e.pid)} waiting for connections to close`,
  "worker-finished": (e) => `${pidOf(e.pid)} finished`,
  "worker-exiting": (e) => `${pidOf(e.pid)} exiting cleanly`,
  "worker-max-requests": (e) => `${pidOf(e.pid)} reached max requests${e.limit ? ` (${e.limit})` : ""}`,
  "worker-timeout": (e) => `${pidOf(e.pid)} timed out (WORKER TIMEOUT)`,
  "worker-signaled": (e) =>
    `${pidOf(e.pid)} killed by ${e.signal}${e.coreDumped ? " (core dumped)" : ""}${e.oomHint ? " — gunicorn hints out of memory" : ""}`,
  "worker-exit-code": (e) => `${pidOf(e.pid)} exited with code ${e.code}`,
  banner: (e) => `banner: ${e.title} (${e.lines.length} lines)`,
  traceback: (e) => `${e.flavour === "faulthandler" ? "faulthandler stack dump" : "traceback"}: ${e.lines.at(-1) ?? ""}`,
  "log-record": (e) => `${e.loggedBy ? `[${e.loggedBy}] ` : ""}${e.level ?? ""} ${e.message}`,
  unparsed: (e) => `unparsed: ${e.raw}`,
  access: (e) => `access: ${pidOf(e.pid)} answered ${e.method} ${e.path} ${e.status}${e.client ? ` (client ${e.client})` : ""}`,
  phase: (e) => `phase ${e.phase}${e.detail ? `: ${e.detail}` : ""}`,
  fault: (e) => {
    const { target, detail } = describeFault(e);
    return `fault ${e.action} → ${target} (${detail})`;
  },
  cgroup: (e) => `memory cgroup: oom_kill ${e.oomKills ?? "unreadable"}, usage ${mib(e.usageBytes)} of ${mib(e.limitBytes)}`,
  "lb-request": (e) =>
    `balancer: ${e.method} ${e.path} → ${e.server} ${e.status < 0 ? "no response" : e.status} (${e.termination}, ${e.totalMs} ms${e.upstreamPort ? `, upstream connection :${e.upstreamPort}` : ""})`,
  "lb-server": (e) => `balancer: ${e.server} ${e.state}${e.reason ? ` (${e.reason})` : ""}`,
  "lb-stats": (e) =>
    `balancer counters: ${e.servers.map((s) => `${s.server} ${s.total} requests, ${s.reused} on reused connections, ${s.responseErrors} response errors, ${s.serverAborts} server aborts`).join("; ")}`,
  deploy: (e) => `deploy round ${e.round}: ${e.action} ${e.instance} — ${e.detail}`,
  container: (e) =>
    `docker ${e.action} on ${e.instance ?? e.container}${Object.keys(e.attributes).length ? ` ${JSON.stringify(e.attributes)}` : ""}`,
};

/** A fault's target and what was done to it, in words: `worker 7` / `SIGTERM`, `database` / `app_items locked for 4 s`. */
export function describeFault(fault: FaultFacts): { target: string; detail: string } {
  const target =
    fault.target === "worker"
      ? `worker ${fault.pid}`
      : fault.target === "master"
        ? fault.instance
          ? `master of ${fault.instance}`
          : "master"
        : "database";
  return { target, detail: fault.detail };
}

export function formatEvent(event: RunEvent): string {
  const text = (formatters[event.kind] as (e: RunEvent) => string)(event);
  const instance = event.kind !== "deploy" && event.kind !== "container" ? (event as { instance?: string }).instance : undefined;
  return instance ? `${instance}: ${text}` : text;
}
