import type { Death } from "../classify/classify-deaths.ts";
import { type BannerReport, classifyRun } from "../classify/classify-run.ts";
import { InterruptedError } from "../cleanup/interrupt.ts";
import { newRunContext } from "../cleanup/run-context.ts";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import type { Progress } from "../cli/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import type { RunEvent } from "../events/events.ts";
import { Observations } from "../events/observations.ts";
import { FaultSchedule } from "../faults/fault-schedule.ts";
import { type LoadResult, runLoad, totalErrors } from "../load/run-load.ts";
import { Stack } from "../stack/stack.ts";
import { type StackOptions, stackOptionsSchema } from "../stack/stack-options.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { type WorkerRoster, workerRoster } from "../stack/worker-roster.ts";
import type { Scenario } from "./define-scenario.ts";
import { type ExpectationResult, evaluateExpectations } from "./expectations.ts";

export type RunStatus = "passed" | "failed" | "aborted" | "error";

export interface ScenarioResult {
  scenario: string;
  description: string;
  runId: string;
  status: RunStatus;
  /** Why the run could not finish (status "error" or "aborted"). */
  error?: Error;
  startedAt: number;
  endedAt: number;
  stack: StackOptions;
  load: LoadResult | undefined;
  roster: WorkerRoster;
  bootedBeforeFaults: number[];
  events: RunEvent[];
  /** Why each worker that stopped did, and which banners it printed. */
  deaths: Death[];
  banners: BannerReport;
  unparsedLines: number;
  expectations: ExpectationResult[];
}

export interface RunScenarioOptions {
  progress: Progress;
  signal: AbortSignal;
  /** Command-line overrides of the scenario's stack (--stack, --config, --workers). */
  overrides?: Partial<Pick<StackOptions, "stack" | "config" | "workers">>;
}

/**
 * Boots the stack, drives the scenario's load while its faults fire on schedule, lets the stack settle,
 * then judges the expectations on what was observed. Always tears the stack down; always returns a
 * result, even when interrupted or when the run broke (status "aborted" / "error").
 */
export async function runScenario(scenario: Scenario, { progress, signal, overrides = {} }: RunScenarioOptions): Promise<ScenarioResult> {
  await requireDocker();
  const stackOptions = stackOptionsSchema.parse({ ...scenario.stack, ...overrides });
  const run = newRunContext(scenario.name);
  const observations = new Observations();
  const startedAt = Date.now();
  let load: LoadResult | undefined;
  let bootedBeforeFaults: number[] = [];
  let error: Error | undefined;

  try {
    const swept = await sweepStaleContainers();
    if (swept.removed.length) progress.info(`removed ${swept.removed.length} container(s) left by killed runs (${swept.runs.join(", ")})`);
    await using stack = await progress.step(
      `boot ${stackOptions.stack} stack: Postgres + gunicorn with ${stackOptions.workers} workers`,
      () => new Stack(stackOptions).start({ run, progress, observations }),
    );
    signal.throwIfAborted();
    bootedBeforeFaults = stack.roster().booted;
    await stack.recordMemory();
    load = await driveLoadAndFaults(scenario, stack, progress, signal);
    await stack.recordMemory();
    signal.throwIfAborted();
    await settle(scenario, stack, progress, signal);
    await stack.recordMemory();
  } catch (caught) {
    error = signal.aborted ? (signal.reason as Error) : (caught as Error);
  }

  const roster = workerRoster(observations.events.events);
  const { deaths, banners } = classifyRun(observations.events.events, { maxRequests: stackOptions.maxRequests });
  const expectations = error
    ? []
    : evaluateExpectations(scenario.expect, {
        configuredWorkers: stackOptions.workers,
        roster,
        bootedBeforeFaults,
        events: observations.events.events,
        load,
      });
  const status: RunStatus =
    error instanceof InterruptedError ? "aborted" : error ? "error" : expectations.every((e) => e.pass) ? "passed" : "failed";
  return {
    scenario: scenario.name,
    description: scenario.description,
    runId: run.runId,
    status,
    error,
    startedAt,
    endedAt: Date.now(),
    stack: stackOptions,
    load,
    roster,
    bootedBeforeFaults,
    events: observations.events.sorted(),
    deaths,
    banners,
    unparsedLines: observations.logs.unparsedCount,
    expectations,
  };
}

async function driveLoadAndFaults(scenario: Scenario, stack: StartedStack, progress: Progress, signal: AbortSignal): Promise<LoadResult> {
  const schedule = new FaultSchedule(scenario.faults, stack, signal);
  const paths = [...new Set(scenario.load.requests.map((r) => r.path))].join(", ");
  stack.events.record({ kind: "phase", at: Date.now(), phase: "load", detail: `${scenario.load.durationS} s at ${paths}` });
  let revertErrors: Error[] = [];
  try {
    const load = await progress.step(
      `load: ${scenario.load.durationS} s, ${scenario.load.connections} connections at ${paths}`,
      async () => {
        schedule.start();
        let completed = 0;
        let errors = 0;
        return runLoad(stack.url, scenario.load, {
          signal,
          onSecond: (p) => {
            completed += p.completed;
            errors += totalErrors(p.errors) + p.non2xx;
            progress.status(
              `load ${p.second + 1}/${Math.ceil(scenario.load.durationS)} s · ${completed} requests · ${errors} failed · p99 ${p.latencyMs.p99} ms`,
            );
          },
        });
      },
    );
    await schedule.afterLoad();
    return load;
  } finally {
    revertErrors = await schedule.revertAll();
    for (const e of revertErrors) progress.warn(`revert failed: ${e.message}`);
  }
}

async function settle(scenario: Scenario, stack: StartedStack, progress: Progress, signal: AbortSignal): Promise<void> {
  stack.events.record({ kind: "phase", at: Date.now(), phase: "settling" });
  const { untilAppExits, maxS } = scenario.settle;
  if (untilAppExits) {
    const state = await progress.step(`settle: wait for the master to exit (at most ${maxS} s)`, () => stack.waitForAppExit(maxS * 1000));
    if (!state) progress.warn(`the app container was still running after ${maxS} s`);
  } else {
    await progress.step(`settle: ${maxS} s`, () => abortableSleep(maxS * 1000, signal));
  }
  await stack.logs.drain(500);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
