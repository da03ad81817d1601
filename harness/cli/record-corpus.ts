// Records the classifier's corpus from real runs: `npm run record-corpus [-- case ...] [--suite S] [--worker W] [--config C]`.
// Each case does one thing to the real stack, on every suite and each of its worker classes, with the demo's drop-in
// (default) and with the hooks as deployments write them (seed); its truth follows from what it did, not from the classifier.
// The README's banner matrix is generated from what these runs printed. The demo's URLs come from its target file
// (docker/demo.target.ts), by role, as a scenario's `request` fault names them.

import { writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import type { Cause } from "../classify/causes.ts";
import { writeReadmeMatrix } from "../classify/corpus/banner-matrix.ts";
import { CORPUS_DIR, type CorpusRecord, type DemoConfig, formatCorpusLine } from "../classify/corpus/corpus-format.ts";
import { newRunContext } from "../cleanup/run-context.ts";
import { sleep } from "../core/poll-until.ts";
import { Progress } from "../core/progress.ts";
import type { HarnessEvent } from "../events/events.ts";
import { FaultSchedule } from "../faults/fault-schedule.ts";
import { SUITE_NAMES, type SuiteName, stackLabel, suiteWorkers, WORKER_CLASSES, type WorkerClass } from "../images/suites.ts";
import { Observations } from "../stack/observations.ts";
import { Stack } from "../stack/stack.ts";
import type { StackOptionsInput } from "../stack/stack-options.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { loadTarget } from "../target/load-target.ts";

interface Outcome {
  truth: Record<number, Cause>;
  logOnly?: Record<number, Cause>;
}

interface CorpusCase {
  name: string;
  description: string;
  options: StackOptionsInput;
  run(stack: StartedStack, faults: FaultSchedule, on: RecordedStack): Promise<Outcome>;
}

interface RecordedStack {
  suite: SuiteName;
  worker: WorkerClass;
  config: DemoConfig;
}

/** The demo backend's target: the only place that knows its URLs. */
const demo = await loadTarget();

/** The demo's path for a role, resolved as a scenario's is (role "health" is its health path). */
function demoPath(role: string): string {
  const path = role === "health" ? demo.health : demo.paths[role];
  if (!path) throw new Error(`record-corpus needs the role "${role}", which ${demo.file} does not map (paths:)`);
  return path;
}

/** A `request` fault by role, its path resolved against the demo's target (as fitScenario does for a scenario). */
const requestFor = (role: string) => ({ action: "request", role, path: demoPath(role) }) as const;

const exitOf = (stack: StartedStack, pid: number) => stack.waitForExitLine(pid);
const all = (pids: number[], cause: Cause) => Object.fromEntries(pids.map((pid) => [pid, cause]));

const CASES: CorpusCase[] = [
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
      const oldest = await stack.pickWorker("oldest");
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
    description: `GET ${demoPath("block-event-loop")} on one worker with timeout = 3 s: the event loop blocks past the timeout`,
    options: { workers: 2, timeoutS: 3 },
    async run(stack, faults) {
      const pid = await faults.injectIntoWorker(requestFor("block-event-loop"));
      await exitOf(stack, pid);
      await sleep(1_000);
      return { truth: { [pid]: "timeout" } };
    },
  },
  {
    name: "oom",
    description: `GET ${demoPath("leak-memory")} on one worker in a container limited to 400 MiB: the kernel OOM-kills it`,
    options: { workers: 2, memoryLimitMb: 400 },
    async run(stack, faults, { config }) {
      const pid = await faults.injectIntoWorker(requestFor("leak-memory"));
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
    description: `GET ${demoPath("long-request")} on one worker, then SIGTERM to the master with graceful_timeout = 2 s`,
    options: { workers: 2, gracefulTimeoutS: 2 },
    async run(stack, faults) {
      const pids = stack.roster().booted;
      const pid = await faults.injectIntoWorker(requestFor("long-request"));
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

const BOOT_FAILURE = {
  name: "boot-failure",
  description: "Postgres not running: the startup protection gives up after 1.5 s and the worker exits with code 3",
  options: { workers: 2, db: { running: false }, startup: { stepTimeoutS: 0.5, totalTimeoutS: 1.5 } } satisfies StackOptionsInput,
};

async function record(
  name: string,
  { suite, worker, config }: RecordedStack,
  description: string,
  maxRequests: number,
  outcome: Outcome,
  observations: Observations,
) {
  const file = `${name}.${stackLabel(suite, worker)}.${config}`;
  const lines = observations.logs.lines.filter((l) => l.source === "app");
  writeFileSync(new URL(`${file}.log`, CORPUS_DIR), `${lines.map(formatCorpusLine).join("\n")}\n`);
  const harnessEvents = observations.events.all.filter((e): e is HarnessEvent => ["fault", "container", "cgroup"].includes(e.kind));
  const recordJson: CorpusRecord = {
    case: name,
    suite,
    ...(worker !== "uvicorn" && { worker }),
    config,
    description,
    maxRequests,
    truth: outcome.truth,
    truthLogOnly: { ...outcome.truth, ...outcome.logOnly },
    harnessEvents,
  };
  writeFileSync(new URL(`${file}.json`, CORPUS_DIR), `${JSON.stringify(recordJson, null, 2)}\n`);
  return file;
}

const cli = new Command("npm run record-corpus --")
  .description("Records the classifier's corpus (harness/classify/corpus/) from real runs; the README's banner matrix comes from it.")
  .argument("[case...]", `cases to record (default all: ${[...CASES.map((c) => c.name), BOOT_FAILURE.name].join(", ")})`)
  .addOption(new Option("--suite <name>", "only this suite").choices(SUITE_NAMES))
  .addOption(new Option("--worker <class>", "only this worker class").choices(WORKER_CLASSES))
  .addOption(new Option("--config <variant>", "only this config of the demo").choices(["default", "seed"]))
  .parse();
const only = cli.opts<{ suite?: SuiteName; worker?: WorkerClass; config?: DemoConfig }>();
const wanted: string[] = cli.args;
const stacks = SUITE_NAMES.filter((s) => !only.suite || s === only.suite).flatMap((suite) =>
  suiteWorkers(suite)
    .filter((w) => !only.worker || w === only.worker)
    .flatMap((worker) =>
      (["default", "seed"] as const).filter((c) => !only.config || c === only.config).map((config) => ({ suite, worker, config })),
    ),
);
const progress = new Progress();
for (const on of stacks) {
  const label = `on ${stackLabel(on.suite, on.worker)} (${on.config})`;
  for (const corpusCase of CASES.filter((c) => wanted.length === 0 || wanted.includes(c.name))) {
    await progress.step(`${corpusCase.name} ${label}`, async () => {
      const observations = new Observations();
      const options = { ...corpusCase.options, suite: on.suite, worker: on.worker, config: on.config };
      await using stack = await new Stack(options, demo).start({ run: newRunContext(`corpus-${corpusCase.name}`), observations });
      await stack.recordMemory();
      const outcome = await corpusCase.run(stack, new FaultSchedule(stack), on);
      await stack.recordMemory();
      await stack.logs.drain(500);
      return record(corpusCase.name, on, corpusCase.description, options.maxRequests ?? 0, outcome, observations);
    });
  }
  // gunicorn's asgi worker boots an app whose lifespan startup raised (asgi_lifespan "auto"): there is no boot failure to record.
  // No banner is due in a boot failure, so the seed config would record the same run again.
  const bootFails = on.worker === "uvicorn" && on.config === "default";
  if (bootFails && (wanted.length === 0 || wanted.includes(BOOT_FAILURE.name))) {
    await progress.step(`${BOOT_FAILURE.name} ${label}`, async () => {
      const observations = new Observations();
      const start = new Stack({ ...BOOT_FAILURE.options, suite: on.suite, worker: on.worker }, demo).start({
        run: newRunContext("corpus-boot-failure"),
        observations,
      });
      const failed = await start.then(
        (s) => s.stop().then(() => false),
        () => true,
      );
      if (!failed) throw new Error("the stack booted without its database");
      const booted = observations.events.all.flatMap((e) => (e.kind === "worker-boot" ? [e.pid] : []));
      return record(BOOT_FAILURE.name, on, BOOT_FAILURE.description, 0, { truth: all(booted, "boot-failure") }, observations);
    });
  }
}
if (writeReadmeMatrix()) progress.info("README.md: the banner matrix regenerated from the corpus");
