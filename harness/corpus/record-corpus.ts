// Records the classifier's corpus (harness/classify/corpus/) from real runs of the demo, then regenerates the banner
// matrix from it: `npm run record-corpus` (harness/cli/record-corpus.ts) says which cases and stacks.
import { writeFileSync } from "node:fs";
import { writeReadmeMatrix } from "../classify/corpus/banner-matrix.ts";
import { CORPUS_DIR, type CorpusRecord, type DemoConfig, formatCorpusLine } from "../classify/corpus/corpus-format.ts";
import { newRunContext } from "../cleanup/run-context.ts";
import type { Progress } from "../core/progress.ts";
import type { HarnessEvent } from "../events/events.ts";
import { FaultSchedule } from "../faults/fault-schedule.ts";
import { SUITE_NAMES, type SuiteName, suiteWorkerLabel, suiteWorkers, type WorkerClass } from "../images/suites.ts";
import { Observations } from "../stack/observations.ts";
import { Stack } from "../stack/stack.ts";
import type { Target } from "../target/define-target.ts";
import { loadTarget } from "../target/load-target.ts";
import { BOOT_FAILURE, type CorpusCase, corpusCases, type Outcome, type RecordedStack } from "./corpus-cases.ts";

export interface CorpusSelection {
  /** Case names; empty: every case. */
  cases: readonly string[];
  suite?: SuiteName;
  worker?: WorkerClass;
  config?: DemoConfig;
  progress: Progress;
}

export interface RecordedCorpus {
  /** Each recording's name (`<case>.<stack>.<config>`): its .log and .json in the corpus folder. */
  recorded: string[];
  /** The banner matrix was regenerated from the corpus (false: its file has no markers). */
  matrixRegenerated: boolean;
}

/** Every case's name, the boot failure's last. */
export async function corpusCaseNames(): Promise<string[]> {
  return [...corpusCases(await loadTarget()).map((c) => c.name), BOOT_FAILURE.name];
}

/** Records each selected case on each selected stack (suite × worker class × config), one stack at a time. */
export async function recordCorpus(selection: CorpusSelection): Promise<RecordedCorpus> {
  const demo = await loadTarget();
  const wanted = (name: string) => selection.cases.length === 0 || selection.cases.includes(name);
  const cases = corpusCases(demo).filter((c) => wanted(c.name));
  const recorded: string[] = [];
  for (const on of selectedStacks(selection)) {
    const label = `on ${suiteWorkerLabel(on.suite, on.worker)} (${on.config})`;
    for (const corpusCase of cases)
      recorded.push(await selection.progress.step(`${corpusCase.name} ${label}`, () => recordCase(corpusCase, on, demo)));
    // gunicorn's asgi worker boots an app whose lifespan startup raised (asgi_lifespan "auto"): there is no boot failure to record.
    // No banner is due in a boot failure, so the seed config would record the same run again.
    const bootFails = on.worker === "uvicorn" && on.config === "default";
    if (bootFails && wanted(BOOT_FAILURE.name))
      recorded.push(await selection.progress.step(`${BOOT_FAILURE.name} ${label}`, () => recordBootFailure(on, demo)));
  }
  return { recorded, matrixRegenerated: writeReadmeMatrix() };
}

function selectedStacks({ suite, worker, config }: CorpusSelection): RecordedStack[] {
  return SUITE_NAMES.filter((s) => !suite || s === suite).flatMap((s) =>
    suiteWorkers(s)
      .filter((w) => !worker || w === worker)
      .flatMap((w) =>
        (["default", "seed"] as const).filter((c) => !config || c === config).map((c) => ({ suite: s, worker: w, config: c })),
      ),
  );
}

async function recordCase(corpusCase: CorpusCase, on: RecordedStack, demo: Target): Promise<string> {
  const observations = new Observations();
  const options = { ...corpusCase.options, suite: on.suite, worker: on.worker, config: on.config };
  await using stack = await new Stack(options, demo).start({ run: newRunContext(`corpus-${corpusCase.name}`), observations });
  await stack.recordMemory();
  const outcome = await corpusCase.run(stack, new FaultSchedule(stack), on);
  await stack.recordMemory();
  await stack.logs.drain(500);
  return write(corpusCase.name, on, corpusCase.description, options.maxRequests ?? 0, outcome, observations);
}

async function recordBootFailure(on: RecordedStack, demo: Target): Promise<string> {
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
  return write(BOOT_FAILURE.name, on, BOOT_FAILURE.description, 0, BOOT_FAILURE.outcome(booted), observations);
}

/** Writes a recording: the app's log lines, and its record (the truth, and the harness's own events). */
function write(
  name: string,
  { suite, worker, config }: RecordedStack,
  description: string,
  maxRequests: number,
  outcome: Outcome,
  observations: Observations,
): string {
  const file = `${name}.${suiteWorkerLabel(suite, worker)}.${config}`;
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
