import { readFileSync, writeFileSync } from "node:fs";
import { runRosters } from "../events/worker-roster.ts";
import type { RunResult } from "../scenario/run-result.ts";

const RUN_FIXTURES_DIR = new URL("./fixtures/", import.meta.url);

/** The runs recorded for the unit tests (`npm run record-fixtures`): scenario, suite, config. */
export const RECORDED_RUNS = [
  { scenario: "worker-timeout", suite: "trixie", config: "default" },
  { scenario: "deploy", suite: "trixie", config: "seed" },
  { scenario: "slow-db", suite: "bookworm", config: "default" },
  { scenario: "rolling-deploy", suite: "trixie", config: "default", profile: "naive" },
] as const;

export type RecordedRun = (typeof RECORDED_RUNS)[number];

export function runFixtureFile(recorded: RecordedRun): URL {
  const { scenario, suite, config } = recorded;
  const profile = "profile" in recorded ? `.${recorded.profile}` : "";
  return new URL(`${scenario}${profile}.${suite}.${config}.run.json`, RUN_FIXTURES_DIR);
}

/** Writes a run as JSON; the roster (sets) is left out, since it follows from the events. */
export function saveRunResult(result: RunResult, file: URL): void {
  const { roster: _derived, replicas: _alsoDerived, ...observed } = result.observed;
  const error = result.error && { name: result.error.name, message: result.error.message };
  writeFileSync(file, `${JSON.stringify({ ...result, error, observed }, null, 1)}\n`);
}

/** A run recorded by `saveRunResult`, as the runner returned it. */
export function loadRunResult(file: URL): RunResult {
  const raw = JSON.parse(readFileSync(file, "utf8")) as RunResult & { error?: { name: string; message: string } };
  const error = raw.error && Object.assign(new Error(raw.error.message), { name: raw.error.name });
  return { ...raw, error, observed: { ...raw.observed, ...runRosters(raw.observed.events) } };
}

/**
 * The worker pids each original replica booted, read from the raw log lines (`Booting worker with pid: N`), not from the
 * parser: what a test of per-replica rosters checks against. A pid is whatever the container's kernel gave it.
 */
export function bootedPerReplica(result: RunResult, instances: readonly string[]): Map<string, number[]> {
  const booted = new Map<string, number[]>(instances.map((i) => [i, []]));
  for (const line of result.logLines) {
    const pid = /Booting worker with pid: (\d+)/.exec(line.text)?.[1];
    if (pid && line.instance && booted.has(line.instance)) booted.get(line.instance)!.push(Number(pid));
  }
  for (const pids of booted.values()) pids.sort((a, b) => a - b);
  return booted;
}
