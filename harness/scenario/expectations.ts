import { z } from "zod";
import { BANNER_CALLED_FOR, BANNER_LABEL, type BannerKind, bannerBlockingCall, bannerOomVerdict } from "../classify/banners.ts";
import { CAUSE_NAMES, type Cause, severityOf } from "../classify/causes.ts";
import type { BannerReport } from "../classify/classify-run.ts";
import type { Death } from "../classify/death.ts";
import { formatEvidence } from "../classify/death-wording.ts";
import type { RunEvent } from "../events/events.ts";
import type { WorkerRoster } from "../events/worker-roster.ts";
import type { WorkerClass } from "../images/suites.ts";
import { roleSchema } from "../load/load-profile.ts";
import type { LoadResult } from "../load/load-result.ts";
import { describeLostRequests, traceLostRequests } from "./lost-requests.ts";
import { checkThreshold, type MetricName, thresholdsSchema } from "./thresholds.ts";

const seconds = z.number().positive().max(600);
/** How many deaths of a cause: exact, one per worker booted before the faults, or a range. */
const deathCount = z.union([
  z.number().int().min(0),
  z.literal("all-booted"),
  z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict(),
]);

export const expectationsSchema = z
  .object({
    /** How many workers booted before the faults: a number, or "configured" (the stack's worker count). */
    workersBooted: z.union([z.number().int().min(1), z.literal("configured")]).optional(),
    /** Every booted worker has an exit line from the master (or its own "Worker exiting"). */
    everyWorkerExited: z.boolean().optional(),
    /** The master logged "Shutting down: Master". */
    masterShutdown: z.boolean().optional(),
    /** The app must fail to boot (startup protection), within this bound, saying why (a regular expression). */
    boot: z
      .object({ fails: z.literal(true), withinS: seconds, reason: z.string().min(1) })
      .strict()
      .optional(),
    /** Exactly these causes of death, with these counts: any other death fails. `{}` = no worker dies. */
    deaths: z
      .object({ causes: z.partialRecord(z.enum(CAUSE_NAMES as [Cause, ...Cause[]]), deathCount) })
      .strict()
      .optional(),
    banners: z
      .object({
        /** Each death printed the banners it calls for, for its pid, and no other banner appeared. */
        asDue: z.literal(true),
        /** Every ABORT banner names this function as the blocking call. */
        blockingCall: z.string().min(1).optional(),
        /** Every SIGKILL banner says "OOM confirmed: yes". */
        oomConfirmed: z.literal(true).optional(),
      })
      .strict()
      .optional(),
    /** What users saw, k6-style thresholds on the load's metrics: `{"latency.p99": "< 500"}` or a list of conditions. */
    requests: z
      .object({ thresholds: thresholdsSchema.default({}) })
      .strict()
      .optional(),
    /**
     * The most requests users may lose across the run (errors and non-2xx, as the load saw them). The
     * verdict traces each loss to the deploy step in progress when the balancer accepted it.
     */
    lostRequests: z.number().int().min(0).optional(),
    /**
     * Users' losses match what the settings predict. gunicorn's keepalive below the balancer's idle upstream
     * timeout: the balancer sometimes sends a request on an upstream connection the worker is closing, and it is
     * lost; each loss must be traced to a server abort before the response (`SH--` in the balancer's log, or its
     * server-abort counter where HAProxy closes the client's connection without a log line). Keepalive above
     * the idle timeout (the fix): no request lost.
     */
    keepaliveRace: z.literal(true).optional(),
    /** After the faults: this many live workers (from /proc) and the health path answering, within the bound. */
    recovery: z
      .object({
        workers: z.union([z.number().int().min(1), z.literal("configured")]),
        withinS: seconds,
        /** And this role of the target answers 2xx too (e.g. db: the app serves database requests again). */
        role: roleSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Expectations = z.output<typeof expectationsSchema>;

/** Said when INTERRUPT or ABORT banners were due and none of them printed: the seed's situation, and any target whose hooks do not fire. */
const HOOKS_NEVER_RAN: Record<WorkerClass, string> = {
  uvicorn: "no INTERRUPT or ABORT banner printed at all: under UvicornWorker, gunicorn's worker_int and worker_abort hooks never run",
  asgi:
    "no INTERRUPT or ABORT banner printed at all: under gunicorn's asgi worker, SIGTERM does not call worker_int (only SIGINT/SIGQUIT do), " +
    "and a worker whose event loop is blocked never runs worker_abort",
};

/** Said when SIGKILL banners were due and none printed: that banner is the drop-in's, not a gunicorn hook's. */
const KILL_BANNER_NOT_INSTALLED =
  "no SIGKILL banner printed: it comes from the drop-in's child_exit (docker/dropin/uvicorn_worker_hooks.py), so check that " +
  "the config ends with install(globals())";

/** Advice for an app that declares no banner: which of gunicorn's hooks its deaths would call, and whether they run under this worker class. */
const HOOK_ADVICE: Record<WorkerClass, string> = {
  uvicorn: "under UvicornWorker it runs neither hook: the drop-in docker/dropin/uvicorn_worker_hooks.py makes them run (docs/banners.md)",
  asgi:
    "under its asgi worker worker_int runs on SIGINT/SIGQUIT only, worker_abort never for a blocked loop: the drop-in " +
    "docker/dropin/uvicorn_worker_hooks.py makes them run (docs/banners.md)",
};

export interface ExpectationResult {
  name: string;
  expected: string;
  observed: string;
  pass: boolean;
  /** Not passed, and not failed either: the run could not judge it (a timing race the load did not hit). */
  inconclusive?: boolean;
}

export interface RecoveryObservation {
  workers: number;
  healthy: boolean;
  /** Seconds after the faults and load ended until recovered; undefined if it never did within the bound. */
  afterS: number | undefined;
}

export interface Observed {
  configuredWorkers: number;
  config: string;
  roster: WorkerRoster;
  /** In a run with replicas: each replica's own roster (`roster` then merges them, for counts). */
  replicas?: Array<{ instance: string; roster: WorkerRoster }>;
  bootedBeforeFaults: number[];
  events: readonly RunEvent[];
  load: LoadResult | undefined;
  deaths: readonly Death[];
  banners: BannerReport;
  recovery?: RecoveryObservation;
  /** In a run behind the balancer: gunicorn's keepalive and the balancer's idle timeout for upstream connections. */
  keepalive?: { gunicornS: number; balancerIdleS: number };
  /** gunicorn's worker class in the run (uvicorn's UvicornWorker when absent). */
  workerClass?: WorkerClass;
  /** The app failed to boot: when (seconds after the start) and the harness's message. */
  bootFailure?: { afterS: number; message: string };
}

/** A worker as people read it: its pid, after its replica in a run with replicas (`web-1/7`). */
export function workerLabel({ pid, instance }: { pid: number; instance?: string }): string {
  return instance ? `${instance}/${pid}` : String(pid);
}

/** Checks every expectation against what was observed; each result says expected vs observed. */
export function evaluateExpectations(expect: Expectations, observed: Observed): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (expect.boot) results.push(checkBoot(expect.boot, observed));
  if (expect.workersBooted !== undefined) {
    const wanted = expect.workersBooted === "configured" ? observed.configuredWorkers : expect.workersBooted;
    const pids = observed.bootedBeforeFaults;
    const distinct = new Set(pids).size;
    results.push({
      name: "workers booted",
      expected: `${wanted} distinct pids`,
      observed: `${distinct} (${pids.join(", ") || "none"})`,
      pass: distinct === wanted,
    });
  }
  if (expect.deaths) results.push(checkDeaths(expect.deaths.causes, observed));
  if (expect.banners) results.push(...checkBanners(expect.banners, observed));
  if (expect.everyWorkerExited) {
    const rosters = observed.replicas ?? [{ instance: "", roster: observed.roster }];
    const missing = rosters.flatMap(({ instance, roster }) =>
      roster.booted.filter((pid) => !roster.exited.has(pid)).map((pid) => (instance ? `${instance}/${pid}` : String(pid))),
    );
    results.push({
      name: "an exit line for every worker",
      expected: `${observed.roster.booted.length} of ${observed.roster.booted.length}`,
      observed: `${observed.roster.booted.length - missing.length}${missing.length ? ` (none for ${missing.join(", ")})` : ""}`,
      pass: missing.length === 0,
    });
  }
  if (expect.masterShutdown !== undefined) {
    const seen = observed.events.some((e) => e.kind === "master-shutdown");
    results.push({
      name: "master shut down",
      expected: expect.masterShutdown ? '"Shutting down: Master"' : "no master shutdown",
      observed: seen ? '"Shutting down: Master" logged' : "not logged",
      pass: seen === expect.masterShutdown,
    });
  }
  for (const [metric, conditions] of Object.entries(expect.requests?.thresholds ?? {})) {
    for (const condition of [conditions].flat()) {
      if (!observed.load) {
        results.push({ name: metric, expected: condition, observed: "no load ran", pass: false });
        continue;
      }
      const { observed: value, pass } = checkThreshold(metric as MetricName, condition, observed.load);
      results.push({ name: metric, expected: condition, observed: String(value), pass });
    }
  }
  if (expect.lostRequests !== undefined) results.push(checkLostRequests(expect.lostRequests, observed));
  if (expect.keepaliveRace) results.push(checkKeepaliveRace(observed));
  if (expect.recovery) results.push(checkRecovery(expect.recovery, observed));
  return results;
}

function checkBoot(boot: NonNullable<Expectations["boot"]>, observed: Observed): ExpectationResult {
  const expected = `fails to boot within ${boot.withinS} s, saying /${boot.reason}/`;
  const failure = observed.bootFailure;
  if (!failure) return { name: "boot", expected, observed: "it booted", pass: false };
  const said = [...observed.deaths.flatMap((d) => [d.summary, ...d.evidence.map(formatEvidence)]), ...failure.message.split("\n")];
  const reason = new RegExp(boot.reason, "i");
  const saying = said.find((line) => reason.test(line));
  return {
    name: "boot",
    expected,
    observed: `failed after ${failure.afterS.toFixed(1)} s${saying ? `: ${saying.slice(0, 160)}` : ", but nothing said why"}`,
    pass: failure.afterS <= boot.withinS && saying !== undefined,
  };
}

function checkDeaths(causes: Partial<Record<Cause, z.output<typeof deathCount>>>, observed: Observed): ExpectationResult {
  const seen = new Map<Cause, string[]>();
  for (const death of observed.deaths) seen.set(death.cause, [...(seen.get(death.cause) ?? []), workerLabel(death)]);
  const describeCount = (cause: Cause, count: z.output<typeof deathCount>) => {
    if (count === "all-booted") return `${observed.bootedBeforeFaults.length} ${cause} (every booted worker)`;
    if (typeof count === "number") return `${count} ${cause}`;
    return `${count.min ?? 0}${count.max !== undefined ? `–${count.max}` : "+"} ${cause}`;
  };
  const fits = (count: z.output<typeof deathCount>, n: number) =>
    count === "all-booted"
      ? n === observed.bootedBeforeFaults.length
      : typeof count === "number"
        ? n === count
        : n >= (count.min ?? 0) && n <= (count.max ?? Number.POSITIVE_INFINITY);
  const listed = Object.entries(causes) as Array<[Cause, z.output<typeof deathCount>]>;
  const differences = [
    ...listed
      .filter(([cause, count]) => !fits(count, seen.get(cause)?.length ?? 0))
      .map(([cause, count]) => `${describeCount(cause, count)} expected, ${seen.get(cause)?.length ?? 0} seen`),
    ...[...seen]
      .filter(([cause]) => !(cause in causes))
      .map(([cause, pids]) => `${pids.length} unexpected ${cause} (${severityOf(cause)})`),
  ];
  const expected = listed.length
    ? listed.map(([cause, count]) => `${describeCount(cause, count)} (${severityOf(cause)})`).join(", ")
    : "no worker dies";
  const actual = seen.size
    ? [...seen].map(([cause, pids]) => `${pids.length} ${cause} (${severityOf(cause)}; pid ${pids.join(", ")})`).join(", ")
    : "no worker died";
  return {
    name: "deaths",
    expected,
    observed: differences.length ? `${actual} — ${differences.join("; ")}` : actual,
    pass: differences.length === 0,
  };
}

function checkBanners(banners: NonNullable<Expectations["banners"]>, observed: Observed): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (observed.banners.declared.length === 0) {
    results.push({ name: "banners", expected: "none declared", observed: `none declared${hookAdvice(observed)}`, pass: true });
    return results;
  }
  const due = observed.banners.checks.filter((c) => c.expected.length > 0);
  const missing = observed.banners.checks.filter((c) => c.missing.length > 0);
  const unexpected = observed.banners.unexpected;
  const dueText = due.length
    ? due.map((c) => `${c.expected.map((k) => BANNER_LABEL[k]).join("+")} for ${workerLabel(c)}`).join(", ")
    : "no banner";
  const missingText = missing.map((c) => `${c.missing.map((k) => BANNER_LABEL[k]).join("+")} for ${workerLabel(c)}`).join(", ");
  const problems = [
    missing.length ? `missing: ${missingText}${whyMissing(missing, observed)}` : "",
    unexpected.length ? `unexpected: ${unexpected.map((b) => `${BANNER_LABEL[b.kind]} for ${workerLabel(b)}`).join(", ")}` : "",
  ].filter(Boolean);
  results.push({
    name: "banners",
    expected: dueText,
    observed: problems.length ? problems.join("; ") : due.length ? "each printed, for its pid" : "none printed",
    pass: problems.length === 0,
  });
  const recognized = observed.banners.seen;
  const declared = new Set(observed.banners.declared);
  // What a banner says is judged only where the target declares that banner.
  if (banners.blockingCall && declared.has("abort")) {
    const aborts = recognized.filter((b) => b.kind === "abort");
    const calls = aborts.map((b) => bannerBlockingCall(b) ?? "(none named)");
    results.push({
      name: "ABORT banner names the blocking call",
      expected: banners.blockingCall,
      observed: calls.length ? [...new Set(calls)].join("; ") : "no ABORT banner",
      pass: calls.length > 0 && calls.every((c) => c.split(" at ")[0] === banners.blockingCall),
    });
  }
  if (banners.oomConfirmed && declared.has("kill")) {
    const verdicts = recognized.filter((b) => b.kind === "kill").map((b) => bannerOomVerdict(b) ?? "?");
    results.push({
      name: "SIGKILL banner confirms the OOM kill",
      expected: "OOM confirmed: yes",
      observed: verdicts.length ? verdicts.map((v) => `OOM confirmed: ${v}`).join("; ") : "no SIGKILL banner",
      pass: verdicts.length > 0 && verdicts.every((v) => v === "yes"),
    });
  }
  return results;
}

/** Why the missing banners are missing, naming the culprit of each kind: gunicorn's hooks (INTERRUPT, ABORT), or the drop-in (SIGKILL). */
function whyMissing(missing: ReadonlyArray<{ missing: BannerKind[] }>, observed: Observed): string {
  const missingKinds = new Set(missing.flatMap((c) => c.missing));
  const seenKinds = new Set(observed.banners.seen.map((b) => b.kind));
  const reasons = [
    (missingKinds.has("interrupt") || missingKinds.has("abort")) && !seenKinds.has("interrupt") && !seenKinds.has("abort")
      ? HOOKS_NEVER_RAN[observed.workerClass ?? "uvicorn"]
      : "",
    missingKinds.has("kill") && !seenKinds.has("kill") ? KILL_BANNER_NOT_INSTALLED : "",
  ].filter(Boolean);
  return reasons.length ? ` (${reasons.join("; ")})` : "";
}

/** For an app that declares no banner: which of gunicorn's hooks its deaths would have called (advice, never a failure). */
function hookAdvice(observed: Observed): string {
  const interrupts = observed.deaths.filter((d) => BANNER_CALLED_FOR[d.cause] === "interrupt").length;
  const aborts = observed.deaths.filter((d) => BANNER_CALLED_FOR[d.cause] === "abort").length;
  const calls = [interrupts ? `worker_int for ${interrupts}` : "", aborts ? `worker_abort for ${aborts}` : ""].filter(Boolean);
  if (!calls.length) return "";
  return ` (advice: gunicorn's design calls ${calls.join(" and ")} here; ${HOOK_ADVICE[observed.workerClass ?? "uvicorn"]})`;
}

function checkLostRequests(most: number, observed: Observed): ExpectationResult {
  const expected = most === 0 ? "no request lost" : `at most ${most} requests lost`;
  if (!observed.load) return { name: "lost requests", expected, observed: "no load ran", pass: false };
  const traced = traceLostRequests(observed.events, observed.load);
  return { name: "lost requests", expected, observed: describeLostRequests(traced), pass: traced.lost <= most };
}

function checkKeepaliveRace(observed: Observed): ExpectationResult {
  const name = "keep-alive race";
  const settings = observed.keepalive;
  if (!settings || !observed.load)
    return { name, expected: "a run behind the balancer, with load", observed: "no balancer or no load", pass: false };
  const { gunicornS, balancerIdleS } = settings;
  const races = gunicornS < balancerIdleS;
  const fix = `the fix: gunicorn keepalive above the balancer's ${balancerIdleS} s idle timeout (e.g. keepalive = ${Math.ceil(balancerIdleS) + 5})`;
  const expected = races
    ? `requests lost, each to a server abort on a reused connection (keepalive ${gunicornS} s < the balancer's ${balancerIdleS} s)`
    : `no request lost (keepalive ${gunicornS} s ≥ the balancer's ${balancerIdleS} s idle timeout)`;
  const { lost } = traceLostRequests(observed.events, observed.load);
  const logged = observed.events.filter((e) => e.kind === "lb-request" && e.termination.startsWith("SH")).length;
  const stats = observed.events.findLast((e) => e.kind === "lb-stats");
  const servers = stats?.kind === "lb-stats" ? stats.servers : [];
  const failed = servers.reduce((n, s) => n + s.responseErrors, 0);
  const aborts = servers.reduce((n, s) => n + s.serverAborts, 0);
  // HAProxy counts every such response as failed (eresp), whether it answered 502 (logged) or closed the client's connection (not logged).
  const explained = Math.max(logged, failed);
  const evidence =
    `${logged} logged by the balancer as 502 SH-- (the server closed before its response); its counters: ${failed} failed responses, ` +
    `${aborts} server aborts`;
  if (!races) return { name, expected, observed: lost === 0 ? "none lost" : `${lost} lost (${evidence})`, pass: lost === 0 };
  // The race is a timing one: a run whose load missed the closing window says nothing about the app either way.
  if (lost === 0)
    return {
      name,
      expected,
      observed: "none lost: the race was not hit (the load's gaps missed the closing window on this machine); run it again",
      pass: false,
      inconclusive: true,
    };
  const pass = lost <= explained;
  const said =
    lost === 0
      ? "none lost: the race was not hit (the load's gaps missed the closing window on this machine)"
      : `${lost} lost: ${evidence}${lost > explained ? `; ${lost - explained} not explained by a server abort` : ""} — ${fix}`;
  return { name, expected, observed: said, pass };
}

function checkRecovery(recovery: NonNullable<Expectations["recovery"]>, observed: Observed): ExpectationResult {
  const workers = recovery.workers === "configured" ? observed.configuredWorkers : recovery.workers;
  const answering = recovery.role ? `the health path and ${recovery.role}` : "the health path";
  const expected = `${workers} workers and ${answering} answering within ${recovery.withinS} s`;
  const r = observed.recovery;
  if (!r) return { name: "recovery", expected, observed: "not checked (the app was gone)", pass: false };
  return {
    name: "recovery",
    expected,
    observed: `${r.workers} workers, ${answering} ${r.healthy ? "answering" : "failing"}${r.afterS !== undefined ? ` after ${r.afterS.toFixed(1)} s` : ` at ${recovery.withinS} s`}`,
    pass: r.afterS !== undefined && r.afterS <= recovery.withinS,
  };
}
