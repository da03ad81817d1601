import { relative } from "node:path";
import { DEFAULT_TUNING } from "../balancer/haproxy-config.ts";
import { classifyRun } from "../classify/classify-run.ts";
import { newRunContext } from "../cleanup/run-context.ts";
import { sweepStaleContainers } from "../cleanup/sweep.ts";
import { errorMessage, HarnessError, InconclusiveError, InterruptedError, UsageError } from "../core/errors.ts";
import { pollUntil, sleep } from "../core/poll-until.ts";
import type { Progress } from "../core/progress.ts";
import { requireDocker } from "../engine/docker-client.ts";
import { runRosters, workerRoster } from "../events/worker-roster.ts";
import { type DeployProfileName, deployProfile } from "../faults/deploy-profiles.ts";
import { FaultSchedule } from "../faults/fault-schedule.ts";
import { type LoadResult, totalErrors } from "../load/load-result.ts";
import { driveLoad } from "../load/run-load.ts";
import type { GunicornConfig } from "../stack/gunicorn-config.ts";
import { healthAnswers, probeOnce } from "../stack/gunicorn-ready.ts";
import { Observations } from "../stack/observations.ts";
import { Stack } from "../stack/stack.ts";
import { type StackOptions, stackOptionsSchema } from "../stack/stack-options.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { bannersOf, pathOfRole, type Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { loadScenario, teamScenarioDir } from "./catalogue.ts";
import { expectationsFor, type Scenario } from "./define-scenario.ts";
import { type Expectations, evaluateExpectations, type Observed, type RecoveryObservation } from "./expectations.ts";
import { describeFor, fitScenario, missingFor } from "./fit-target.ts";
import type { RunResult, RunStatus } from "./run-result.ts";

export interface RunScenarioOptions {
  progress: Progress;
  signal: AbortSignal;
  /** Command-line overrides of the scenario's stack (--suite, --config, --workers, --replicas, --keepalive). */
  overrides?: Partial<Pick<StackOptions, "suite" | "config" | "workers" | "replicas" | "keepaliveS" | "worker">>;
  /** The system under test (`--target`); default: the demo backend. */
  target?: Target;
  /** Command-line overrides of the scenario's rolling deploy (--profile, --pre-stop). */
  deploy?: { profile?: DeployProfileName; preStopS?: number };
}

/**
 * Boots the stack, drives the scenario's load while its faults fire on schedule, lets the stack settle,
 * then judges the expectations on what was observed. Always tears the stack down; always returns a
 * result, even when interrupted or when the run broke (status "aborted" / "error").
 */
export async function runScenario(
  declared: Scenario,
  { progress, signal, overrides = {}, deploy = {}, ...options }: RunScenarioOptions,
): Promise<RunResult> {
  const target = options.target ?? (await loadTarget());
  const alternative =
    declared.alternative && missingFor(declared, target) ? await loadScenario(declared.alternative, teamScenarioDir(target)) : undefined;
  const scenario = withDeploy(fitScenario(declared, target, alternative), deploy);
  await requireDocker();
  const stackOptions = stackOptionsSchema.parse({ ...scenario.stack, ...overrides });
  const expect = expectationsFor(scenario, stackOptions.suite, target.name, stackOptions.worker);
  const run = newRunContext(scenario.name);
  const observations = new Observations();
  const startedAt = Date.now();
  let load: LoadResult | undefined;
  let bootedBeforeFaults: number[] = [];
  // The configured count, or, left to the app, what its master really runs.
  let configuredWorkers = typeof stackOptions.workers === "number" ? stackOptions.workers : 0;
  let recovery: RecoveryObservation | undefined;
  let bootFailure: Observed["bootFailure"];
  let booted: Pick<RunResult["stack"], "image" | "versions" | "gunicorn"> = { versions: {} };
  let error: Error | undefined;

  try {
    const swept = await sweepStaleContainers();
    if (swept.removed.length) progress.info(`removed ${swept.removed.length} container(s) left by killed runs (${swept.runs.join(", ")})`);
    const started = await progress
      .step(
        `boot ${target.name} on ${stackOptions.suite} (${stackOptions.config} config${stackOptions.worker === "uvicorn" ? "" : `, ${stackOptions.worker} worker`}): ${target.database ? "Postgres + " : ""}gunicorn with ${stackOptions.workers === "app" ? "the app's own worker count" : `${stackOptions.workers} workers`}`,
        () => new Stack(stackOptions, target).start({ run, progress, observations }),
      )
      .catch((caught: unknown) => {
        if (!expect.boot || !(caught instanceof HarnessError) || caught.code !== "STACK_NOT_READY") throw caught;
        bootFailure = { afterS: (Date.now() - startedAt) / 1000, message: errorMessage(caught) };
        progress.info(`the app failed to boot, as expected: ${bootFailure.message.split("\n")[0]}`);
        return undefined;
      });
    if (started) {
      await using stack = started;
      signal.throwIfAborted();
      bootedBeforeFaults = stack.replicas.flatMap((r) => workerRoster(observations.events.all, r.instance).booted);
      // Both read before any fault, side by side (about 0.7 s more per run): a deploy ends the container, and a read still
      // under way then came back empty. versions() never rejects.
      const versions = stack.app.versions();
      let gunicorn: GunicornConfig | undefined;
      try {
        gunicorn = await stack.checkedGunicornConfig((message) => progress.warn(message));
      } finally {
        booted = { image: stack.image, versions: await versions, ...(gunicorn ? { gunicorn } : {}) };
      }
      configuredWorkers = gunicorn?.settings.workers ?? stack.workers;
      await checkRolesServe(scenario, stack);

      await stack.recordMemory();
      load = await driveLoadAndFaults(scenario, stack, progress, signal);
      await stack.recordMemory();
      await stack.recordBalancerStats();
      signal.throwIfAborted();
      recovery = await settle(scenario, stack, configuredWorkers, progress, signal, expect.recovery);
      await stack.recordMemory();
      await progress.step("teardown: remove the containers", () => stack.stop());
    }
  } catch (caught) {
    error = signal.aborted ? (signal.reason as Error) : (caught as Error);
  }

  const events = observations.events.sorted();
  const { roster, replicas } = runRosters(events);
  if (bootFailure) bootedBeforeFaults = roster.booted;
  const { deaths, banners } = classifyRun(events, {
    maxRequests: stackOptions.maxRequests,
    banners: bannersOf(target, stackOptions.config),
  });
  const observed: Observed = {
    configuredWorkers,
    workerClass: stackOptions.worker,
    ...(stackOptions.balancer || stackOptions.replicas > 1
      ? {
          keepalive: {
            gunicornS: stackOptions.keepaliveS,
            balancerIdleS: stackOptions.balancer?.upstreamIdleS ?? DEFAULT_TUNING.upstreamIdleS,
          },
        }
      : {}),
    config: stackOptions.config,
    roster,
    ...(replicas ? { replicas } : {}),
    bootedBeforeFaults,
    events,
    load,
    deaths,
    banners,
    recovery,
    bootFailure,
  };
  // A generator that lagged its schedule measured itself, not the app: the run is inconclusive, exit 5.
  const lagged = load?.openLoop?.inconclusive;
  if (!error && lagged)
    error = new InconclusiveError("LOAD_GENERATOR_LAGGED", `inconclusive: ${lagged}. Run it on a less busy machine, or lower load.rate.`);
  const expectations = error ? [] : evaluateExpectations(expect, observed);
  const status: RunStatus =
    error instanceof InterruptedError
      ? "aborted"
      : error instanceof InconclusiveError
        ? "inconclusive"
        : error
          ? "error"
          : expectations.every((e) => e.pass)
            ? "passed"
            : expectations.every((e) => e.pass || e.inconclusive)
              ? "inconclusive"
              : "failed";
  return {
    scenario: { name: scenario.name, description: describeFor(scenario, target, stackOptions.config) },
    runId: run.runId,
    status,
    error,
    startedAt,
    endedAt: Date.now(),
    stack: { target: { name: target.name, file: relative(process.cwd(), target.file) }, options: stackOptions, ...booted },
    loadProfile: scenario.load,
    ...deployOf(scenario),
    observed,
    expectations,
    unparsedLines: observations.logs.unparsedCount,
    logLines: observations.logs.lines,
  };
}

/** The profile of the scenario's rolling deploy, with the timings it runs with. */
function deployOf(scenario: Scenario): Pick<RunResult, "deploy"> {
  const spec = scenario.faults.find((f) => f.action === "rolling-deploy");
  return spec ? { deploy: deployProfile(spec.profile, spec) } : {};
}

/** Roles that serve normally on any app, so each must answer before a fault; others (the demo's blocking paths) are faults themselves. */
const SERVING_ROLES = new Set(["health", "db"]);

/**
 * The health and db paths the load asks for answer 2xx once before any fault: a path that fails from the start (a wrong
 * role, an app that cannot serve it) would otherwise pass for the fault's effect. Refused with the path and its answer.
 */
async function checkRolesServe(scenario: Scenario, stack: StartedStack): Promise<void> {
  const paths = [...new Set(scenario.load.requests.filter((r) => r.role && SERVING_ROLES.has(r.role)).map((r) => r.path!))];
  const failing = (await Promise.all(paths.map(async (path) => ({ path, ...(await probeOnce(`${stack.url}${path}`, 5_000)) })))).filter(
    (p) => !p.ok,
  );
  if (failing.length)
    throw new UsageError(
      "PATH_NOT_SERVING",
      `Before any fault, ${failing.map((p) => `GET ${p.path} ${p.words}`).join("; ")}: the load would measure a path that was failing ` +
        `already. Check the path (paths: in the target) and that ${stack.target.name} serves it.`,
    );
}

/** The scenario with the command line's deploy profile (and its timings) on its rolling deploy. */
function withDeploy(scenario: Scenario, deploy: NonNullable<RunScenarioOptions["deploy"]>): Scenario {
  if (!deploy.profile && deploy.preStopS === undefined) return scenario;
  return {
    ...scenario,
    faults: scenario.faults.map((f) => (f.action === "rolling-deploy" ? { ...f, ...deploy } : f)),
  };
}

async function driveLoadAndFaults(scenario: Scenario, stack: StartedStack, progress: Progress, signal: AbortSignal): Promise<LoadResult> {
  const loadStart = Date.now();
  const schedule = new FaultSchedule(stack, signal, (description) =>
    progress.info(`  fault at ${((Date.now() - loadStart) / 1000).toFixed(1)} s: ${description}`),
  );
  const paths = [...new Set(scenario.load.requests.map((r) => r.path))].join(", ");
  stack.events.record({ kind: "phase", at: Date.now(), phase: "load", detail: `${scenario.load.durationS} s at ${paths}` });
  try {
    const load = await progress.step(
      `load: ${scenario.load.durationS} s, ${scenario.load.connections} connections at ${paths}`,
      async () => {
        schedule.start(scenario.faults);
        let completed = 0;
        let failed = 0;
        return driveLoad(stack.url, scenario.load, {
          signal,
          onSecond: (p) => {
            completed += p.completed;
            failed += totalErrors(p.errors) + p.non2xx;
            const dead = stack.roster().exited.size;
            progress.status(
              `load ${p.second + 1}/${Math.ceil(scenario.load.durationS)} s · ${completed} requests · ${failed} failed · p99 ${p.latencyMs.p99} ms · ${dead} worker(s) stopped`,
            );
          },
        });
      },
    );
    await schedule.afterLoad();
    return load;
  } finally {
    for (const e of await schedule.revertAll()) progress.warn(`revert failed: ${e.message}`);
  }
}

/** Lets the stack settle; checks recovery when the scenario expects it. */
async function settle(
  scenario: Scenario,
  stack: StartedStack,
  configuredWorkers: number,
  progress: Progress,
  signal: AbortSignal,
  recovery: Expectations["recovery"],
): Promise<RecoveryObservation | undefined> {
  stack.events.record({ kind: "phase", at: Date.now(), phase: "settling" });
  const { untilAppExits, maxS } = scenario.settle;
  let observation: RecoveryObservation | undefined;
  if (untilAppExits) {
    const state = await progress.step(`settle: wait for the master to exit (at most ${maxS} s)`, () => stack.waitForAppExit(maxS * 1000));
    if (!state) progress.warn(`the app container was still running after ${maxS} s`);
  } else if (recovery) {
    const workers = recovery.workers === "configured" ? configuredWorkers : recovery.workers;
    const role = recovery.role ? ` and ${recovery.role}` : "";
    observation = await progress.step(
      `settle: wait for ${workers} workers, ${stack.target.health}${role} (at most ${recovery.withinS} s)`,
      () => waitForRecovery(stack, workers, recovery, signal),
    );
  } else {
    await progress.step(`settle: ${maxS} s`, () => sleep(maxS * 1000, signal));
  }
  await stack.logs.drain(500);
  return observation;
}

async function waitForRecovery(
  stack: StartedStack,
  workers: number,
  { withinS, role }: NonNullable<Expectations["recovery"]>,
  signal: AbortSignal,
): Promise<RecoveryObservation> {
  const started = Date.now();
  let last: RecoveryObservation = { workers: 0, healthy: false, afterS: undefined };
  const rolePath = role && pathOfRole(stack.target, role);
  const recovered = await pollUntil(
    async () => {
      const live = (await stack.app.liveWorkers().catch(() => [])).length;
      const healthy = (await stack.healthy()) && (!rolePath || (await healthAnswers(`${stack.url}${rolePath}`)));
      last = { workers: live, healthy, afterS: undefined };
      return live === workers && healthy ? { ...last, afterS: (Date.now() - started) / 1000 } : undefined;
    },
    { timeoutMs: withinS * 1000, intervalMs: 250, signal },
  );
  return recovered ?? last;
}
