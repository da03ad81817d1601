// The classifier's corpus cases: each does one thing to the real stack, on every suite and each of its worker classes,
// with the demo's drop-in (default) and with the hooks as deployments write them (seed); its truth follows from what
// it did, not from the classifier. The demo's URLs come from its target file, by role, as a scenario's `request` fault
// names them.
import type { Cause } from "../classify/causes.ts";
import type { DemoConfig } from "../classify/corpus/corpus-format.ts";
import { sleep } from "../core/poll-until.ts";
import type { FaultSchedule } from "../faults/fault-schedule.ts";
import type { SuiteName, WorkerClass } from "../images/suites.ts";
import type { StackOptionsInput } from "../stack/stack-options.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { pathOfRole, type Target } from "../target/define-target.ts";

/** What a case did, as the truth its recording carries: the cause of each worker's death (from the log alone where it differs). */
export interface Outcome {
  truth: Record<number, Cause>;
  logOnly?: Record<number, Cause>;
}

/** One thing done to the real stack, with the truth it makes. */
export interface CorpusCase {
  name: string;
  description: string;
  options: StackOptionsInput;
  run(stack: StartedStack, faults: FaultSchedule, on: RecordedStack): Promise<Outcome>;
}

/** The stack a case is recorded on. */
export interface RecordedStack {
  suite: SuiteName;
  worker: WorkerClass;
  config: DemoConfig;
}

/** The demo's path for a role, resolved as a scenario's is (role "health" is its health path). */
function demoPath(demo: Target, role: string): string {
  const path = pathOfRole(demo, role);
  if (!path) throw new Error(`record-corpus needs the role "${role}", which ${demo.file} does not map (paths:)`);
  return path;
}

/** A `request` fault by role, its path resolved against the demo's target (as fitScenario does for a scenario). */
const requestFor = (demo: Target, role: string) => ({ action: "request", role, path: demoPath(demo, role) }) as const;

const exitOf = (stack: StartedStack, pid: number) => stack.waitForExitLine(pid);
const all = (pids: number[], cause: Cause) => Object.fromEntries(pids.map((pid) => [pid, cause]));

/** The cases, their URLs from the demo backend's target (docker/demo.target.ts, the only place that knows them). */
export function corpusCases(demo: Target): CorpusCase[] {
  return [
    {
      name: "deploy",
      description: "SIGTERM to the master (a deploy)",
      options: { workers: 3 },
      async run(stack, faults) {
        const pids = stack.roster().booted;
        await faults.inject({ action: "signal-master", signal: "TERM" });
        await stack.waitForAppExit(30_000);
        return { truth: all(pids, "shutdown") };
      },
    },
    {
      name: "reload",
      description: "SIGHUP to the master (a reload): every worker replaced",
      options: { workers: 2 },
      async run(stack, faults) {
        const pids = stack.roster().booted;
        await faults.inject({ action: "signal-master", signal: "HUP" });
        for (const pid of pids) await exitOf(stack, pid);
        await sleep(1_500);
        return { truth: all(pids, "reload") };
      },
    },
    {
      name: "scale-down",
      description: "SIGTTOU to the master: one worker fewer (the oldest goes)",
      options: { workers: 3 },
      async run(stack, faults) {
        const oldest = await stack.app.pickWorker("oldest");
        await faults.inject({ action: "signal-master", signal: "TTOU" });
        await exitOf(stack, oldest);
        return { truth: { [oldest]: "scale-down" } };
      },
    },
    {
      name: "max-requests",
      description: "max_requests = 10, then 60 requests on fresh connections: workers recycle",
      options: { workers: 2, maxRequests: 10 },
      async run(stack, _faults, { suite }) {
        for (let i = 0; i < 60; i++) await (await fetch(`${stack.url}${stack.target.health}`, { headers: { connection: "close" } })).text();
        await sleep(2_000);
        const dead = [...stack.roster().exited];
        // uvicorn 0.17 recycles without a word: from the log alone that clean exit cannot be told from a SIGTERM.
        return { truth: all(dead, "max-requests"), logOnly: suite === "bookworm" ? all(dead, "unknown") : undefined };
      },
    },
    {
      name: "timeout",
      description: `GET ${demoPath(demo, "block-event-loop")} on one worker with timeout = 3 s: the event loop blocks past the timeout`,
      options: { workers: 2, timeoutS: 3 },
      async run(stack, faults) {
        const pid = await faults.injectIntoWorker(requestFor(demo, "block-event-loop"));
        await exitOf(stack, pid);
        await sleep(1_000);
        return { truth: { [pid]: "timeout" } };
      },
    },
    {
      name: "oom",
      description: `GET ${demoPath(demo, "leak-memory")} on one worker in a container limited to 400 MiB: the kernel OOM-kills it`,
      options: { workers: 2, memoryLimitMb: 400 },
      async run(stack, faults, { config }) {
        const pid = await faults.injectIntoWorker(requestFor(demo, "leak-memory"));
        await exitOf(stack, pid);
        await sleep(1_000);
        // From the log alone only the default config's SIGKILL banner (it read the cgroup) can confirm the OOM.
        return { truth: { [pid]: "oom-kill" }, logOnly: { [pid]: config === "default" ? "oom-kill" : "sigkill" } };
      },
    },
    {
      name: "sigkill",
      description: "kill -KILL to one worker from inside the container (a person, not the OOM killer)",
      options: { workers: 2 },
      async run(stack, faults) {
        const pid = await faults.injectIntoWorker({ action: "signal-worker", signal: "KILL", worker: "oldest" });
        await exitOf(stack, pid);
        await sleep(1_000);
        return { truth: { [pid]: "sigkill" } };
      },
    },
    {
      name: "stray-sigterm",
      description: "kill -TERM to one worker from inside the container, no deploy in progress",
      options: { workers: 2 },
      async run(stack, faults, { suite, worker, config }) {
        const pid = await faults.injectIntoWorker({ action: "signal-worker", signal: "TERM", worker: "oldest" });
        await exitOf(stack, pid);
        await sleep(1_500);
        // uvicorn 0.17 and gunicorn's asgi worker exit cleanly on SIGTERM, with no master line; without the INTERRUPT
        // banner the log does not say why.
        const cleanExit = suite === "bookworm" || worker === "asgi";
        const logOnly: Cause = cleanExit && config === "seed" ? "unknown" : "unexpected-sigterm";
        return { truth: { [pid]: "unexpected-sigterm" }, logOnly: { [pid]: logOnly } };
      },
    },
    {
      name: "graceful-timeout",
      description: `GET ${demoPath(demo, "long-request")} on one worker, then SIGTERM to the master with graceful_timeout = 2 s`,
      options: { workers: 2, gracefulTimeoutS: 2 },
      async run(stack, faults) {
        const pids = stack.roster().booted;
        const pid = await faults.injectIntoWorker(requestFor(demo, "long-request"));
        await faults.inject({ action: "signal-master", signal: "TERM" });
        await stack.waitForAppExit(30_000);
        return { truth: { ...all(pids, "shutdown"), [pid]: "graceful-timeout" } };
      },
    },
    {
      name: "quick-shutdown",
      description: "SIGQUIT to the master (quick shutdown) with graceful_timeout = 2 s",
      options: { workers: 2, gracefulTimeoutS: 2 },
      async run(stack, faults, { suite, worker }) {
        const pids = stack.roster().booted;
        await faults.inject({ action: "signal-master", signal: "QUIT" });
        await stack.waitForAppExit(30_000);
        // uvicorn 0.29+ workers ignore SIGQUIT (UvicornWorker routes it to gunicorn's handle_exit, which only sets
        // a flag), so gunicorn SIGKILLs them when graceful_timeout runs out; uvicorn 0.17 workers die by SIGQUIT;
        // gunicorn's asgi worker shuts down at once (its quick shutdown).
        return { truth: all(pids, suite !== "bookworm" && worker === "uvicorn" ? "graceful-timeout" : "shutdown") };
      },
    },
  ];
}

/** Postgres not running: recorded once per suite (uvicorn, default config), by a boot that must fail. */
export const BOOT_FAILURE = {
  name: "boot-failure",
  description: "Postgres not running: the startup protection gives up after 1.5 s and the worker exits with code 3",
  options: { workers: 2, db: { running: false }, startup: { stepTimeoutS: 0.5, totalTimeoutS: 1.5 } } satisfies StackOptionsInput,
  /** Every worker that booted died of it. */
  outcome: (booted: number[]): Outcome => ({ truth: all(booted, "boot-failure") }),
};
