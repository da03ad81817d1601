import type { DeployProfile } from "../faults/deploy-profiles.ts";
import type { LoadProfile } from "../load/load-profile.ts";
import type { LogLine } from "../logs/log-line.ts";
import type { GunicornConfig } from "../stack/gunicorn-config.ts";
import type { StackOptions } from "../stack/stack-options.ts";
import type { ExpectationResult, Observed } from "./expectations.ts";

/** inconclusive: the open-loop generator could not keep to its schedule, so the run says nothing about the app. */
export type RunStatus = "passed" | "failed" | "inconclusive" | "aborted" | "error";

/**
 * One scenario run, whatever its end: the one result every reporter reads. What was observed lives
 * in `observed` (events, workers, deaths, banners, load outcome), once; result.json is its projection.
 */
export interface RunResult {
  scenario: { name: string; description: string };
  runId: string;
  status: RunStatus;
  /** Why the run could not finish (status "error" or "aborted") or could not judge the app (status "inconclusive"). */
  error?: Error;
  startedAt: number;
  endedAt: number;
  /** The options the stack booted with, the image the app ran from and the versions found inside it (none when it never booted). */
  stack: {
    target: { name: string; file: string };
    options: StackOptions;
    image?: string;
    versions: Record<string, string>;
    /** What the master really ran with, read from it once it was up (none when it never booted, or could not be read). */
    gunicorn?: GunicornConfig;
  };
  loadProfile: LoadProfile;
  /** The rolling deploy's profile and its steps, in a scenario that deploys (harness/faults/deploy-profiles.ts). */
  deploy?: DeployProfile;
  /** Everything the expectations were judged on (so they can be judged again, e.g. against other expectations). */
  observed: Observed;
  expectations: ExpectationResult[];
  /** App lines the parser did not understand (kept in `logLines`). */
  unparsedLines: number;
  /** Every raw line of the run's containers, in arrival order. */
  logLines: LogLine[];
}
