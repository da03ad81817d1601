// npm run bench, load: the open-loop generator's highest on-schedule rate against wrk's closed-loop peak, on the
// same endpoint of the same demo stack, in one run on this machine (the tools share its cores with the server).
import { cpus } from "node:os";
import { searchCapacity, type TrialVerdict } from "../capacity/search.ts";
import { newRunContext } from "../cleanup/run-context.ts";
import { CLOCK_TICKS_PER_S } from "../control/processes.ts";
import { EnvironmentError, errorMessage } from "../core/errors.ts";
import { sleep } from "../core/poll-until.ts";
import type { Progress } from "../core/progress.ts";
import { runCommand } from "../core/run-command.ts";
import { aptInstall, isInstalled } from "../engine/host-packages.ts";
import { totalErrors } from "../load/load-result.ts";
import { MAX_SCHEDULE_LAG_MS, runOpenLoop } from "../load/open-loop.ts";
import { consoleTable } from "../report/table.ts";
import { Stack } from "../stack/stack.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { childrenCpuSeconds, goal, machineCpu } from "./bench-support.ts";

const WORKERS = 2;
const WRK_S = 5;
const WRK_TRIES = 3;
const TRIAL_S = 2.5;
/** The open-loop search's time: about eleven trials of TRIAL_S with their overhead. */
const SEARCH_S = 45;
/** Seconds a trial costs beyond its own: the pause before it and the workers' CPU readings. */
const TRIAL_OVERHEAD_S = 1.5;
/** The server answered at the offered rate when it answered at least this share of it within the trial. */
const ANSWERED_SHARE = 0.95;
/** ... with at most this share of failed requests (connection errors, timeouts, non-2xx). */
const MAX_ERROR_SHARE = 0.001;
const GOAL = 0.9;
/** Cores the rest of the machine may keep busy before the comparison is called unfair. */
const QUIET_OTHERS = 0.25;

export interface LoadBenchOptions {
  /** wrk's connections; the generator may use as many. */
  connections: number;
  signal: AbortSignal;
  progress: Progress;
}

/** What every measurement of this bench needs. */
interface Bench {
  stack: StartedStack;
  connections: number;
  signal: AbortSignal;
}

interface WrkRun {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Cores wrk kept busy. */
  cpu: number;
  machineCpu: number;
  /** Cores each gunicorn worker kept busy: how evenly the kernel spread the connections. */
  workersCpu: number[];
}

/** One constant-rate trial, as the capacity search sees it (`met`: the rate was kept) with what the bench shows of it. */
interface Trial extends TrialVerdict {
  achieved: number;
  lagP99: number;
  lateStarts: number;
  failed: number;
  p50: number;
  p99: number;
  cpu: number;
  machineCpu: number;
  workersCpu: number[];
  /** Why the generator or the server did not keep the rate; undefined when both did. */
  missed?: string;
}

/** Measures, and returns the figures as text to print. */
export async function benchLoad({ connections, signal, progress }: LoadBenchOptions): Promise<string> {
  await ensureWrk(progress);
  await using stack = await progress.step(`start the demo stack (Postgres + gunicorn with ${WORKERS} workers)`, () =>
    new Stack({ workers: WORKERS }).start({ run: newRunContext("bench"), progress }),
  );
  if (signal.aborted) throw signal.reason;
  const bench: Bench = { stack, connections, signal };
  const versions = await stack.app.versions();
  await wrk(bench, 2); // warm-up: every worker has answered, connections were opened once
  const before = await progress.step(`wrk -t1 -c${connections} -d${WRK_S}s ${stack.url}${stack.target.health}`, () =>
    wrkPeak(bench, progress),
  );
  const { trials, kept, firstMissed } = await progress.step(`open-loop search: constant rates of ${TRIAL_S} s, for ${SEARCH_S} s`, () =>
    searchOnScheduleRate(bench, before.rps, progress),
  );
  const after = await progress.step(`wrk again (drift check)`, () => wrkPeak(bench, progress));

  const peak = Math.max(before.rps, after.rps);

  const trialTable = consoleTable([
    "phase",
    "offered/s",
    "answered/s",
    "lag p99 ms",
    "late starts",
    "failed",
    "p50 ms",
    "p99 ms",
    "gen CPU",
    "workers CPU",
    "others CPU",
    "kept the rate?",
  ]);
  for (const t of trials)
    trialTable.push([
      t.phase,
      t.rateRps,
      t.achieved,
      t.lagP99,
      t.lateStarts,
      t.failed,
      t.p50,
      t.p99,
      t.cpu.toFixed(2),
      split(t.workersCpu),
      others(t).toFixed(2),
      t.missed ? `no: ${t.missed}${t.superseded ? " (tried again)" : ""}` : "yes",
    ]);
  const summary = consoleTable(["tool", "how", "req/s", "p50 ms", "p99 ms", "failed", "tool CPU", "workers CPU", "others CPU"]);
  const wrkRow = (label: string, w: WrkRun) => [
    label,
    `closed loop, ${connections} connections, 1 thread, ${WRK_S} s`,
    Math.round(w.rps),
    w.p50,
    w.p99,
    w.errors,
    w.cpu.toFixed(2),
    split(w.workersCpu),
    others(w).toFixed(2),
  ];
  summary.push(wrkRow("wrk (before)", before));
  summary.push(
    kept
      ? [
          "open loop (undici)",
          `highest rate kept, ${TRIAL_S} s, <= ${connections} connections`,
          kept.rateRps,
          kept.p50,
          kept.p99,
          kept.failed,
          kept.cpu.toFixed(2),
          split(kept.workersCpu),
          others(kept).toFixed(2),
        ]
      : ["open loop (undici)", "kept no rate tried", "-", "-", "-", "-", "-", "-", "-"],
  );
  summary.push(wrkRow("wrk (after)", after));

  const cores = cpus().length;
  const out = [
    `\nload on GET ${stack.target.health} of the demo (${WORKERS} workers; HTTP parser ${versions.http ?? "unknown"}, loop ${versions.loop ?? "unknown"}; ` +
      `gunicorn ${versions.gunicorn ?? "?"}, uvicorn ${versions.uvicorn ?? "?"}, Python ${versions.python ?? "?"}); ` +
      `each tool shares this machine's ${cores} cores with the server (CPU columns: cores busy; the workers' one by one, busiest first; others: the rest of the machine)\n`,
    `open-loop trials (kept = the generator on schedule: lag p99 <= ${MAX_SCHEDULE_LAG_MS} ms and the run not inconclusive; answered >= ${ANSWERED_SHARE * 100} % of offered, failed <= ${MAX_ERROR_SHARE * 100} %)\n` +
      `${trialTable.toString()}\n${summary.toString()}\n`,
  ];
  const drift = Math.abs(before.rps - after.rps) / peak;
  if (drift > 0.1)
    out.push(
      `note: wrk's two runs differ by ${Math.round(drift * 100)} % (${Math.round(before.rps)} and ${Math.round(after.rps)} req/s): ` +
        "another load on the machine (others CPU) or connections spread unevenly over the workers (workers CPU); the ratio below uses the higher\n",
    );
  for (const [label, w] of [
    ["before", before],
    ["after", after],
  ] as const)
    if (lopsided(w))
      out.push(
        `note: wrk's connections went to one worker (${split(w.workersCpu)} cores) in each of ${WRK_TRIES} tries ${label}: ` +
          "that figure is one worker's peak, not the server's\n",
      );
  const busy = Math.max(...[before, after, ...(kept ? [kept] : [])].map(others));
  if (busy > QUIET_OTHERS)
    out.push(
      `note: other processes kept up to ${busy.toFixed(2)} cores busy during these measurements (others CPU): ` +
        "the two tools did not get the same machine; run it again on a quiet one\n",
    );
  const ratio = (kept?.rateRps ?? 0) / peak;
  out.push(
    `open loop: highest on-schedule rate ${kept?.rateRps ?? 0} req/s = ${ratio.toFixed(2)}x wrk's peak of ${Math.round(peak)} req/s ` +
      `(goal >= ${GOAL}: ${goal(ratio >= GOAL)}); generator CPU there ${kept ? kept.cpu.toFixed(2) : "-"} cores, wrk's ${before.cpu.toFixed(2)}` +
      `${firstMissed ? `; first rate above it not kept: ${firstMissed.rateRps} req/s (${firstMissed.missed})` : ""}\n`,
  );
  return out.join("");
}

/**
 * The highest constant rate at which the generator kept its schedule and the server answered, found by the capacity
 * search (harness/capacity/search.ts): after a one-second warm-up (the generator's JIT and connections), a first
 * trial at the goal (0.9x wrk's peak), doubled while it is kept, then bisection between the highest rate kept and the
 * lowest missed until they are within 3 %, and the answer tried once more (5 % lower if that misses). Like wrk's best
 * of two runs, a missed trial is run again before it counts: one hiccup (a GC pause, another process's burst) does
 * not decide a rate.
 */
async function searchOnScheduleRate(
  bench: Bench,
  peak: number,
  progress: Progress,
): Promise<{ trials: Trial[]; kept?: Trial; firstMissed?: Trial }> {
  await trial(bench, Math.round(peak / 2), 1, "search");
  const outcome = await searchCapacity(
    async (rate, durationS, phase) => {
      await sleep(500, bench.signal); // the server drains what the last trial queued
      const t = await trial(bench, rate, durationS, phase);
      progress.info(`  ${describe(t)}`);
      return t;
    },
    {
      peakRps: peak,
      startRps: Math.round(peak * GOAL),
      trialS: TRIAL_S,
      confirmS: TRIAL_S,
      deadline: Date.now() + SEARCH_S * 1000,
      overheadS: TRIAL_OVERHEAD_S,
      resolution: 0.03,
      retryMissed: true,
    },
  );
  const counted = outcome.trials.filter((t) => !t.superseded);
  return {
    trials: outcome.trials,
    kept: counted.findLast((t) => t.met && t.rateRps === outcome.capacityRps),
    firstMissed: counted.find((t) => !t.met && t.rateRps === outcome.firstFailRps),
  };
}

function describe(t: Trial): string {
  return `${t.phase.padEnd(7)} ${t.rateRps} req/s: answered ${t.achieved}/s, lag p99 ${t.lagP99} ms, generator ${t.cpu.toFixed(2)} cores -> ${t.missed ? `missed (${t.missed})` : "kept"}`;
}

async function trial({ stack, connections, signal }: Bench, rate: number, durationS: number, phase: TrialVerdict["phase"]): Promise<Trial> {
  const workers = await workersCpu(stack);
  const machine = machineCpu();
  const result = await runOpenLoop(
    stack.url,
    {
      rate,
      durationS,
      maxRequests: Number.MAX_SAFE_INTEGER,
      connections,
      timeoutS: 2,
      requests: [{ path: stack.target.health, method: "GET", weight: 1 }],
    },
    { signal },
  );
  const machineCores = machine();
  if (signal.aborted) throw signal.reason;
  const o = result.openLoop!;
  const failed = totalErrors(result.errors) + result.non2xx;
  const why = [
    o.inconclusive || o.generator.scheduleLagMs.p99 > MAX_SCHEDULE_LAG_MS
      ? `generator off schedule: lag p99 ${o.generator.scheduleLagMs.p99} ms${o.inconclusive ? ", run inconclusive" : ""}`
      : undefined,
    o.achievedRps < ANSWERED_SHARE * rate ? `answered ${Math.floor((o.achievedRps / rate) * 1000) / 10} %` : undefined,
    failed > MAX_ERROR_SHARE * o.scheduled ? `${failed} failed` : undefined,
  ].filter(Boolean);
  return {
    rateRps: rate,
    durationS,
    phase,
    met: why.length === 0,
    achieved: Math.round(o.achievedRps),
    lagP99: o.generator.scheduleLagMs.p99,
    lateStarts: o.lateStarts,
    failed,
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    cpu: o.generator.cpuShare,
    machineCpu: machineCores,
    workersCpu: await workers(),
    ...(why.length > 0 && { missed: why.join(", ") }),
  };
}

/**
 * wrk's peak: its run, again (at most WRK_TRIES in all) while the kernel handed all its connections to one worker
 * (each worker accepts what is pending when it wakes), the best counting.
 */
async function wrkPeak(bench: Bench, progress: Progress): Promise<WrkRun> {
  let best: WrkRun | undefined;
  for (let i = 0; i < WRK_TRIES; i++) {
    const run = await wrk(bench, WRK_S);
    if (!best || run.rps > best.rps) best = run;
    if (!lopsided(run)) break;
    progress.info(`  ${Math.round(run.rps)} req/s, but its connections went to one worker (${split(run.workersCpu)} cores): again`);
  }
  return best!;
}

/** One worker did (almost) all the work: the connections were not spread. */
function lopsided(run: WrkRun): boolean {
  const [busiest = 0, ...rest] = run.workersCpu;
  return rest.length > 0 && Math.min(...rest) < busiest / 4;
}

async function wrk({ stack, connections, signal }: Bench, seconds: number): Promise<WrkRun> {
  const workers = await workersCpu(stack);
  const machine = machineCpu();
  const cpuBefore = childrenCpuSeconds();
  const url = `${stack.url}${stack.target.health}`;
  const run = await runCommand("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url], { signal });
  const machineCores = machine();
  if (signal.aborted) throw signal.reason;
  const cpu = (childrenCpuSeconds() - cpuBefore) / (run.ms / 1000);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(run.stdout);
  if (run.code !== 0 || !rps) throw new EnvironmentError("WRK_FAILED", `wrk failed (exit ${run.code}):\n${run.stdout}${run.stderr}`.trim());
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(run.stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(run.stdout);
  const errors = (socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0) + Number(non2xx?.[1] ?? 0);
  return {
    rps: Number(rps[1]),
    p50: wrkPercentile(run.stdout, "50"),
    p99: wrkPercentile(run.stdout, "99"),
    errors,
    cpu,
    machineCpu: machineCores,
    workersCpu: await workers(),
  };
}

/**
 * Starts a meter of the workers' CPU (from /proc inside the app container): the returned function says how many
 * cores each worker kept busy since, busiest first.
 */
async function workersCpu(stack: StartedStack): Promise<() => Promise<number[]>> {
  const before = new Map((await stack.app.liveWorkers()).map((p) => [p.pid, p.cpuTicks]));
  const started = performance.now();
  return async () => {
    const seconds = (performance.now() - started) / 1000;
    const after = await stack.app.liveWorkers();
    return after.map((p) => (p.cpuTicks - (before.get(p.pid) ?? 0)) / CLOCK_TICKS_PER_S / seconds).sort((a, b) => b - a);
  };
}

/** Cores busy on this machine besides the tool and the workers: other processes (another job, Postgres, dockerd). */
function others(m: { machineCpu: number; cpu: number; workersCpu: number[] }): number {
  return Math.max(0, m.machineCpu - m.cpu - m.workersCpu.reduce((a, b) => a + b, 0));
}

function split(cores: number[]): string {
  return cores.map((c) => c.toFixed(2)).join(" + ");
}

/** A latency percentile from wrk's `--latency` distribution (`99%   12.34ms`), in ms. */
function wrkPercentile(output: string, percent: string): number {
  const found = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
  if (!found) return Number.NaN;
  const factor = { us: 0.001, ms: 1, s: 1000 }[found[2] as "us" | "ms" | "s"];
  return Math.round(Number(found[1]) * factor * 1000) / 1000;
}

/** wrk from Debian, installed the way setup installs its packages; where that cannot happen, the command to run and exit 3. */
async function ensureWrk(progress: Progress): Promise<void> {
  if (await isInstalled("wrk")) return;
  try {
    await progress.step("install wrk from Debian (apt-get)", () => aptInstall(["wrk"]));
  } catch (error) {
    throw new EnvironmentError(
      "WRK_MISSING",
      `wrk is not installed and the bench could not install it (${errorMessage(error).split("\n")[0]}). ` +
        "Install it (on Debian, as root: `apt-get install -y wrk`), then run `npm run bench -- --only load` again.",
    );
  }
}
