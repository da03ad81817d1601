/** One constant-rate trial as the search sees it. */
export interface TrialVerdict {
  rateRps: number;
  durationS: number;
  phase: "search" | "confirm";
  met: boolean;
  /** The generator lagged: the trial says nothing about the server (the search treats it as a failure). */
  inconclusive?: string;
  /** An inconclusive attempt run again: the second attempt's verdict counts instead. */
  superseded?: boolean;
}

export interface SearchOptions {
  /** The closed-loop peak estimate: the search brackets around it. */
  peakRps: number;
  trialS: number;
  confirmS: number;
  /** Epoch ms by which the search must be done (confirmation included). */
  deadline: number;
  /** Seconds a trial costs beyond its duration (draining, a pause, sampling), for the budget. */
  overheadS: number;
  /** Stop bisecting when the bracket is this narrow, relative to its top. */
  resolution: number;
  /** The first rate tried; default 1.2x the peak. */
  startRps?: number;
  /** Run a trial that missed once more too, not only an inconclusive one: one hiccup does not decide a rate. */
  retryMissed?: boolean;
  now?: () => number;
}

export interface SearchOutcome<T extends TrialVerdict> {
  /** The highest rate that met the SLO: confirmed by a longer trial when `confirmed`, else by a short one; 0 if none did. */
  capacityRps: number;
  /** The lowest rate that failed it (or lagged the generator); undefined if every rate tried met it. */
  firstFailRps?: number;
  confirmed: boolean;
  /** Some rate at or below the first failure was inconclusive: the generator, not the server, set the top. */
  generatorLimited: boolean;
  /** Why the search stopped before the bracket was narrow (the time budget), if it did. */
  cutShort?: string;
  trials: T[];
}

const MAX_EXPANSIONS = 4;
const MAX_CONFIRMATIONS = 4;

/**
 * Finds the highest constant rate that meets the SLO: a bracket from the closed-loop peak (widened while
 * its top still passes), bisected with short trials down to `resolution`, then a longer trial at the
 * answer; if that one fails, 5 % lower, at most four times. Pure apart from `trial`, which runs one. The capacity
 * run and the bench's open-loop measurement (harness/bench/load-bench.ts) both search with it.
 */
export async function searchCapacity<T extends TrialVerdict>(
  trial: (rateRps: number, durationS: number, phase: TrialVerdict["phase"]) => Promise<T>,
  options: SearchOptions,
): Promise<SearchOutcome<T>> {
  const now = options.now ?? Date.now;
  const trials: T[] = [];
  // An inconclusive trial (the generator lagged: a busy machine) is run once more before it counts as a failure
  // (with `retryMissed`, a missed one too). The first attempt is then marked superseded: it neither counts as a
  // failure nor as the generator's limit.
  const again = (verdict: T) => verdict.inconclusive || (options.retryMissed && !verdict.met);
  const run = async (rate: number, durationS: number, phase: TrialVerdict["phase"]) => {
    let verdict = await trial(rate, durationS, phase);
    trials.push(verdict);
    if (again(verdict) && now() + costMs(durationS) <= options.deadline) {
      verdict.superseded = true;
      verdict = await trial(rate, durationS, phase);
      trials.push(verdict);
    }
    return verdict;
  };
  const costMs = (durationS: number) => (durationS + options.overheadS) * 1000;
  const confirmReserve = costMs(options.confirmS);
  const timeFor = (durationS: number) => now() + costMs(durationS) + confirmReserve <= options.deadline;

  let lo = 0;
  let hi = Math.max(1, Math.round(options.startRps ?? options.peakRps * 1.2));
  let failed = false;
  let cutShort: string | undefined;
  // Widen: a closed-loop peak with few connections can underestimate a server whose latency is high.
  for (let expansions = 0; !failed && expansions <= MAX_EXPANSIONS; expansions++) {
    if (!timeFor(options.trialS)) break;
    const top = await run(hi, options.trialS, "search");
    if (top.met && !top.inconclusive) {
      lo = hi;
      hi *= 2;
    } else failed = true;
  }
  // Bisect.
  while (failed && hi - lo > Math.max(1, options.resolution * hi)) {
    if (!timeFor(options.trialS)) {
      cutShort = `the time budget ran out with the answer between ${lo} and ${hi} req/s`;
      break;
    }
    const mid = Math.round((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    const verdict = await run(mid, options.trialS, "search");
    if (verdict.met && !verdict.inconclusive) lo = mid;
    else hi = mid;
  }
  // Confirm with a longer trial; step down when it fails.
  let confirmed = false;
  for (let attempt = 0; lo > 0 && attempt < MAX_CONFIRMATIONS; attempt++) {
    if (now() + costMs(options.confirmS) > options.deadline) {
      cutShort ??= "the time budget ran out before a longer trial confirmed the answer";
      break;
    }
    const verdict = await run(lo, options.confirmS, "confirm");
    if (verdict.met && !verdict.inconclusive) {
      confirmed = true;
      break;
    }
    failed = true;
    hi = lo;
    lo = Math.max(0, Math.floor(lo * 0.95));
  }
  if (!confirmed) {
    // Unconfirmed: the highest rate a short trial met below the first failure, flagged as such.
    const met = trials.filter((t) => t.met && !t.inconclusive && (!failed || t.rateRps < hi)).map((t) => t.rateRps);
    const lastConfirm = trials.findLast((t) => t.phase === "confirm");
    if (lastConfirm) cutShort ??= `no longer trial confirmed a rate (the last tried: ${lastConfirm.rateRps} req/s)`;
    lo = met.length ? Math.max(...met) : 0;
  }
  const firstFail = failed ? hi : undefined;
  if (trials.length === 0) cutShort ??= "the time budget was too short for a single trial";
  const generatorLimited = trials.some((t) => t.inconclusive && !t.superseded && (firstFail === undefined || t.rateRps <= firstFail));
  return { capacityRps: lo, firstFailRps: firstFail, confirmed, generatorLimited, cutShort, trials };
}
