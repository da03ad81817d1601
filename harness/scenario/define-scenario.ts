import { z } from "zod";
import { UsageError } from "../core/errors.ts";
import { faultSpecSchema } from "../faults/fault-spec.ts";
import { SUITE_NAMES, type SuiteName, WORKER_CLASSES, type WorkerClass } from "../images/suites.ts";
import { loadProfileSchema } from "../load/load-profile.ts";
import { stackOptionsSchema } from "../stack/stack-options.ts";
import { SETTING_NAMES } from "../target/define-target.ts";
import { type Expectations, expectationsSchema } from "./expectations.ts";

const workerClassOverrides = z.partialRecord(z.enum(WORKER_CLASSES), z.object({ expect: expectationsSchema.partial() }).strict());

const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes, like the file name"),
    description: z.string().min(1),
    stack: stackOptionsSchema.prefault({}),
    load: loadProfileSchema,
    faults: z.array(faultSpecSchema).default([]),
    settle: z
      .object({
        /** Wait for the app container to stop (after a deploy) before judging. */
        untilAppExits: z.boolean().default(false),
        /** Upper bound on the settling wait, in seconds. */
        maxS: z.number().positive().max(300).default(10),
      })
      .strict()
      .prefault({}),
    /** What the scenario needs from a target beyond its roles and database (e.g. `{settings: ["maxRequests"]}`). */
    requires: z
      .object({ settings: z.array(z.enum(SETTING_NAMES)).default([]) })
      .strict()
      .prefault({}),
    /** The generic scenario to use on a target that lacks what this one needs. */
    alternative: z.string().optional(),
    expect: expectationsSchema,
    /** Checks only one target can pass (its own error kinds, its calibrated latencies), by target name: they replace the general ones key by key. */
    targets: z
      .record(
        z.string(),
        z
          .object({
            /** What the scenario shows on that target, where it says more than the general description (the demo's own error kind). */
            description: z.string().min(1).optional(),
            expect: expectationsSchema.partial().default({}),
          })
          .strict(),
      )
      .default({}),
    /** Where the suites truly differ: expectations that replace the general ones, key by key, on that suite. */
    suites: z
      .partialRecord(z.enum(SUITE_NAMES as [SuiteName, ...SuiteName[]]), z.object({ expect: expectationsSchema.partial() }).strict())
      .default({}),
    /** Where gunicorn's worker classes truly differ (on any suite that has them): replaces the suite's, key by key. */
    workerClasses: workerClassOverrides.default({}),
    /** The former name of `workerClasses`, still read: `stack.workers` is the worker count, and one name meant both. */
    workers: workerClassOverrides.optional(),
  })
  .strict()
  .transform(({ workers, ...scenario }) => ({ ...scenario, workerClasses: { ...workers, ...scenario.workerClasses } }));

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;

/** The expectations that apply: the general ones, the target's own, the suite's, then the worker class's, each replacing the others key by key. */
export function expectationsFor(scenario: Scenario, suite: SuiteName, target = "demo", worker: WorkerClass = "uvicorn"): Expectations {
  return {
    ...scenario.expect,
    ...scenario.targets[target]?.expect,
    ...scenario.suites[suite]?.expect,
    ...scenario.workerClasses[worker]?.expect,
  };
}

/** Identity at run time; gives a scenario file type checking and completion. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}

/** Validates a scenario as loaded from its file; the error names the file and the bad field. */
export function validateScenario(raw: unknown, file: string): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(scenario)"}: ${issue.message}`);
  throw new UsageError(
    "INVALID_SCENARIO",
    `${file} is not a valid scenario:\n${problems.join("\n")}\nFix the field(s) above; the catalogue's scenarios (scenarios/smoke.ts, docs/scenarios.md) are working examples.`,
  );
}
