// npm run bench, wall: the harness's wall time for a scenario (npm run scenario smoke) against the bare
// `docker run` -> /health answers -> `docker rm` of the same containers, interleaved A B B A, in one run.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import { removeContainer, removeRunContainers, trackContainer } from "../cleanup/container-registry.ts";
import { ensureReaper } from "../cleanup/reaper.ts";
import { newRunContext, ROLE_LABEL } from "../cleanup/run-context.ts";
import { EnvironmentError } from "../core/errors.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { Progress } from "../core/progress.ts";
import { runCommand } from "../core/run-command.ts";
import { ensureSuiteImages } from "../images/build-images.ts";
import { consoleTable } from "../report/table.ts";
import { loadScenario } from "../scenario/catalogue.ts";
import { healthAnswers } from "../stack/gunicorn-ready.ts";
import { appEnvironment, type StackOptions, stackOptionsSchema } from "../stack/stack-options.ts";
import { type Target, type TargetConfig, targetConfig } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { ensureTargetImage } from "../target/target-image.ts";
import { goal, mean, scriptNodeArgs } from "./bench-support.ts";

const SCENARIO = "smoke";
const GOAL = 3;
/** A, B, B, A: a drift over the run (a cache warming, another job starting) weighs on both alike. */
const ORDER = ["harness", "bare", "bare", "harness"] as const;

export interface WallBenchOptions {
  signal: AbortSignal;
  progress: Progress;
}

interface Round {
  what: (typeof ORDER)[number];
  seconds: number;
  /** Where the seconds went (undefined: not part of this side, or not found). */
  parts: Record<Part, number | undefined>;
  outcome: string;
}

/**
 * start: until the harness begins to boot (Node, tsx, loading the scenario and target, image checks); boot: until
 * /health answers (the harness: every worker ready); load: the scenario's load; settle: its deploy and the wait for
 * the app to exit; end: teardown and reports, or the bare `docker rm -f`.
 */
const PARTS = ["start", "boot", "load", "settle", "end"] as const;
type Part = (typeof PARTS)[number];

interface Bare {
  target: Target;
  options: StackOptions;
  config: TargetConfig;
  images: { db: string; app: string };
}

/** Measures, and returns the figures as text to print. */
export async function benchWall({ signal, progress }: WallBenchOptions): Promise<string> {
  const target = await loadTarget();
  const scenario = await loadScenario(SCENARIO);
  const options = stackOptionsSchema.parse({ ...scenario.stack });
  const config = targetConfig(target, options.config);
  // Not timed: both sides find the images built.
  const images = await progress.step(`images of ${target.name} on ${options.suite} (built if missing; not timed)`, async () => {
    const suite = await ensureSuiteImages(options.suite, progress);
    // The bare containers carry this process's owner label: the reaper removes them too if the bench is killed.
    await ensureReaper(suite.base, (message) => progress.warn(message));
    return { db: suite.db, app: await ensureTargetImage(target, suite, progress) };
  });
  const bare: Bare = { target, options, config, images };
  const reportsDir = mkdtempSync(join(tmpdir(), "chaos-bench-reports-"));
  const rounds: Round[] = [];
  try {
    for (const [i, what] of ORDER.entries()) {
      const title =
        what === "harness"
          ? `[${i + 1}/${ORDER.length}] harness: npm run scenario ${SCENARIO}`
          : `[${i + 1}/${ORDER.length}] bare: docker run db + app, GET ${target.health} until 2xx, docker rm -f`;
      const dir = join(reportsDir, String(i));
      rounds.push(await progress.step(title, () => (what === "harness" ? timeHarness(dir, signal) : timeBare(bare, signal))));
    }
  } finally {
    rmSync(reportsDir, { recursive: true, force: true });
  }

  const table = consoleTable(["round", "what", "wall s", ...PARTS.map((p) => `${p} s`), "outcome"]);
  for (const [i, r] of rounds.entries())
    table.push([
      i + 1,
      r.what === "harness" ? `npm run scenario ${SCENARIO}` : "docker run -> /health -> docker rm",
      r.seconds.toFixed(2),
      ...PARTS.map((p) => r.parts[p]?.toFixed(2) ?? "-"),
      r.outcome,
    ]);
  const harness = mean(rounds.filter((r) => r.what === "harness").map((r) => r.seconds));
  const bareMean = mean(rounds.filter((r) => r.what === "bare").map((r) => r.seconds));
  const ratio = harness / bareMean;
  const loadS = scenario.load.durationS;
  return (
    `\nwall time: the ${SCENARIO} scenario (${scenario.description}) against the bare lifecycle of the same containers ` +
    `(${images.db}, ${images.app}; ${options.workers} workers, host network, the harness's env)\n` +
    "start: Node, tsx and the harness until it boots; boot: until /health answers (the harness: every worker ready); " +
    "load: the scenario's; settle: its deploy and the app's exit; end: teardown and reports, or docker rm -f\n" +
    `${table.toString()}\n` +
    `harness: ${harness.toFixed(2)} s, ${ratio.toFixed(2)}x the bare ${bareMean.toFixed(2)} s (mean of 2 each; goal <= ${GOAL}: ${goal(ratio <= GOAL)}); ` +
    `of it, ${loadS} s are the scenario's own load (without them: ${((harness - loadS) / bareMean).toFixed(2)}x)\n`
  );
}

/** `npm run scenario smoke` from start to exit, its reports written to a temporary folder. */
async function timeHarness(reportsDir: string, signal: AbortSignal): Promise<Round> {
  const spawnedAt = Date.now();
  const run = await runCommand(process.execPath, [...scriptNodeArgs("scenario"), SCENARIO], {
    env: { ...process.env, CHAOS_REPORTS_DIR: reportsDir },
    signal,
    // Its own process group, so that it gets one SIGINT (ours) and tears down as after a Ctrl-C.
    detached: true,
    abortWith: "SIGINT",
  });
  if (signal.aborted) throw signal.reason;
  if (run.code !== 0 && run.code !== 1)
    throw new EnvironmentError(
      "BENCH_SCENARIO_FAILED",
      `npm run scenario ${SCENARIO} exited with ${run.code ?? run.signal}; its last lines:\n${run.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  return {
    what: "harness",
    seconds: run.ms / 1000,
    parts: harnessParts(reportsDir, spawnedAt, spawnedAt + run.ms),
    outcome: run.code === 0 ? "passed" : "ran; an expectation failed (exit 1)",
  };
}

/** Where the harness's time went, from the phases its run recorded (result.json's events). */
function harnessParts(reportsDir: string, spawnedAt: number, exitedAt: number): Round["parts"] {
  const runDir = existsSync(reportsDir) ? readdirSync(reportsDir).find((name) => name !== "latest") : undefined;
  const result = runDir ? join(reportsDir, runDir, "result.json") : undefined;
  const events = result && existsSync(result) ? (JSON.parse(readFileSync(result, "utf8")) as { events?: unknown[] }).events : undefined;
  const at = new Map<string, number>();
  for (const e of (events ?? []) as Array<{ kind?: string; phase?: string; at?: string }>)
    if (e.kind === "phase" && e.phase && e.at && !at.has(e.phase)) at.set(e.phase, Date.parse(e.at));
  const between = (from: number | undefined, to: number | undefined) =>
    from !== undefined && to !== undefined ? (to - from) / 1000 : undefined;
  return {
    start: between(spawnedAt, at.get("booting")),
    boot: between(at.get("booting"), at.get("ready")),
    load: between(at.get("ready"), at.get("settling")),
    settle: between(at.get("settling"), at.get("teardown")),
    end: between(at.get("teardown"), exitedAt),
  };
}

/**
 * What a shell script would do with the same images and environment: start Postgres and the app (host network,
 * free loopback ports, the app straight on Postgres: no proxy), poll /health every 100 ms until it answers 2xx,
 * then `docker rm -f` both. The containers carry the run labels, so the harness's sweep removes them if the
 * bench dies; on failure or Ctrl-C they are removed here.
 */
async function timeBare({ target, options, config, images }: Bare, signal: AbortSignal): Promise<Round> {
  const run = newRunContext("bench-bare");
  const labels = (role: string) => Object.entries({ ...run.labels, [ROLE_LABEL]: role }).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const ports = { app: await getPort({ host: "127.0.0.1" }), db: await getPort({ host: "127.0.0.1" }) };
  // The image's own environment (a GUNICORN_CMD_ARGS of its Dockerfile comes first), as the harness's launcher reads it.
  const inspected = await runCommand("docker", ["image", "inspect", "--format", "{{json .Config.Env}}", images.app]);
  const imageEnv = Object.fromEntries(
    ((JSON.parse(inspected.stdout || "null") as string[] | null) ?? []).map((entry) => [
      entry.split("=")[0]!,
      entry.slice(entry.indexOf("=") + 1),
    ]),
  );
  const env = appEnvironment(target, options, { ...ports, proxy: ports.db }, config.env, imageEnv);
  const memoryMb = options.memoryLimitMb ?? target.memoryLimitMb;
  const command = config.command ?? target.command ?? [];
  const common = (role: string) => [
    "run",
    "-d",
    "--network",
    "host",
    "--name",
    `${run.runId}-${role}`,
    "--ulimit",
    "core=0",
    ...labels(role),
  ];
  const ids: string[] = [];
  const docker = async (args: string[]): Promise<string> => {
    const result = await runCommand("docker", args);
    if (result.code !== 0)
      throw new EnvironmentError("BENCH_DOCKER_FAILED", `docker ${args.slice(0, 2).join(" ")} failed: ${result.stderr.trim()}`);
    return result.stdout.trim();
  };
  const started = performance.now();
  try {
    const db = await docker([...common("db"), "--user", "postgres", "-e", `PGPORT=${ports.db}`, images.db, "start-postgres"]);
    ids.push(db);
    trackContainer(db);
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const app = await docker([...common("app"), ...envArgs, ...(memoryMb ? ["--memory", `${memoryMb}m`] : []), images.app, ...command]);
    ids.push(app);
    trackContainer(app);
    const url = `http://127.0.0.1:${ports.app}${target.health}`;
    const readyS = target.readyTimeoutS ?? options.readyTimeoutS;
    const up = await pollUntil(async () => ((await healthAnswers(url)) ? true : undefined), {
      timeoutMs: readyS * 1000,
      intervalMs: 100,
      signal,
    });
    if (signal.aborted) throw signal.reason;
    if (!up) {
      const logs = await runCommand("docker", ["logs", "--tail", "15", app]);
      throw new EnvironmentError(
        "BENCH_BARE_NOT_READY",
        `the bare app did not answer ${url} within ${readyS} s:\n${logs.stdout}${logs.stderr}`,
      );
    }
    const answered = performance.now();
    await docker(["rm", "-f", "-v", ...ids]);
    const ended = performance.now();
    return {
      what: "bare",
      seconds: (ended - started) / 1000,
      parts: { start: undefined, boot: (answered - started) / 1000, load: undefined, settle: undefined, end: (ended - answered) / 1000 },
      outcome: "answered",
    };
  } finally {
    // Gone already after a success; after a failure or Ctrl-C, removed here (with any created but not yet known).
    await Promise.allSettled(ids.map((id) => removeContainer(id)));
    await removeRunContainers(run.runId).catch(() => undefined);
  }
}
