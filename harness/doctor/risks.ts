import type { BannerKind } from "../classify/banners.ts";
import type { GunicornConfig } from "../stack/gunicorn-config.ts";
import type { PlatformProfile } from "./platform-profile.ts";

/** One thing in a config that will hurt on its platform, and the catalogue scenario that shows it happening. */
export interface Risk {
  id: RiskId;
  /** "risk" fails `doctor` (exit 1); "note" is worth knowing but depends on what the code does. */
  severity: "risk" | "note";
  /** What was found, with the numbers. */
  what: string;
  /** The mechanism by which it hurts. */
  why: string;
  /** The scenario (scenarios/<name>.ts) that proves it; null where the catalogue has none yet. */
  scenario: string | null;
  fix: string;
}

export type RiskId =
  | "keepalive-not-above-idle-timeout"
  | "idle-timeout-unknown"
  | "graceful-timeout-not-below-grace"
  | "workers-from-host-cpus"
  | "max-requests-without-jitter"
  | "timeout-below-slow-p99"
  | "interrupt-banner-never-prints"
  | "abort-banner-never-prints";

/** What `doctor` knows of a target: its resolved gunicorn settings, its platform, and what was measured or declared. */
export interface DoctorInput {
  settings: GunicornConfig["settings"];
  platform: PlatformProfile;
  /** The container's CPU limit in cores and the host's CPU count, where known. */
  cpu?: { limitCores?: number; hostCpus?: number };
  /** The slow path's measured p99, in milliseconds. */
  slowPathP99Ms?: number;
  /** The banner kinds the target declares (declaredBannerKinds(bannersOf(target, config))). */
  declaredBanners: readonly BannerKind[];
}

/** How a worker class treats the hooks and the heartbeat, as far as these rules care. */
type WorkerFamily = "sync" | "uvicorn" | "asgi" | "hooked" | "other";

function workerFamily(workerClass: string): WorkerFamily {
  // The drop-in (docker/dropin/uvicorn_worker_hooks.py) swaps worker_class for its hooked twin when the config loads.
  if (workerClass.startsWith("uvicorn_worker_hooks.")) return "hooked";
  if (/Uvicorn\w*Worker$/.test(workerClass)) return "uvicorn";
  if (["asgi", "egg:gunicorn#asgi", "gunicorn.workers.gasgi.ASGIWorker"].includes(workerClass)) return "asgi";
  if (["sync", "egg:gunicorn#sync", "gunicorn.workers.sync.SyncWorker"].includes(workerClass)) return "sync";
  return "other";
}

const s = (seconds: number) => `${seconds} s`;

function keepaliveRisks({ settings, platform }: DoctorInput): Risk[] {
  // gunicorn's sync worker closes every connection after its response: no keep-alive to race.
  if (workerFamily(settings.worker_class) === "sync") return [];
  const idle = platform.idleTimeoutS;
  if (idle === undefined) {
    return [
      {
        id: "idle-timeout-unknown",
        severity: "note",
        what: `keepalive = ${s(settings.keepalive)}, but ${platform.name}'s idle timeout to the app is not known (${platform.sources.idleTimeoutS}).`,
        why: "If the balancer keeps idle connections open longer than gunicorn's keepalive, it reuses connections gunicorn is closing and those requests fail.",
        scenario: "lb-keepalive",
        fix: "Pass the balancer's idle timeout (--idle-timeout) so doctor can compare, and keep keepalive above it.",
      },
    ];
  }
  if (settings.keepalive > idle) return [];
  return [
    {
      id: "keepalive-not-above-idle-timeout",
      severity: "risk",
      what: `keepalive = ${s(settings.keepalive)} is not above ${platform.name}'s idle timeout of ${s(idle)} (${platform.sources.idleTimeoutS}).`,
      why: "gunicorn closes a connection idle for keepalive while the balancer still counts it as reusable, so a request it sends there meets a closing socket (a 502 or a reset).",
      scenario: "lb-keepalive",
      fix: `Set keepalive above the balancer's idle timeout (e.g. --keep-alive ${idle + 5}), so the balancer is always the one that closes.`,
    },
  ];
}

function gracefulTimeoutRisks({ settings, platform }: DoctorInput): Risk[] {
  if (settings.graceful_timeout < platform.terminationGraceS) return [];
  return [
    {
      id: "graceful-timeout-not-below-grace",
      severity: "risk",
      what:
        `graceful_timeout = ${s(settings.graceful_timeout)} is not below ${platform.name}'s termination grace of ` +
        `${s(platform.terminationGraceS)} (${platform.sources.terminationGraceS}).`,
      why:
        "On a deploy the platform SIGKILLs the container when its grace runs out, before gunicorn's own graceful timeout: " +
        "requests still running die with it, and gunicorn gets no chance to log the cut.",
      scenario: "deploy-graceful-timeout",
      fix: `Set graceful_timeout a few seconds below the grace (e.g. ${Math.max(1, platform.terminationGraceS - 5)}), or raise the grace above graceful_timeout plus any preStop delay.`,
    },
  ];
}

function cpuRisks({ settings, cpu }: DoctorInput): Risk[] {
  const { limitCores, hostCpus } = cpu ?? {};
  if (limitCores === undefined || hostCpus === undefined || limitCores >= hostCpus) return [];
  const fromHost =
    settings.workers === hostCpus
      ? `${hostCpus} host CPUs`
      : settings.workers === 2 * hostCpus + 1
        ? `2 × ${hostCpus} host CPUs + 1`
        : undefined;
  if (fromHost === undefined) return [];
  return [
    {
      id: "workers-from-host-cpus",
      severity: "risk",
      what: `workers = ${settings.workers} (${fromHost}) under a CPU limit of ${limitCores} cores.`,
      why: "The count looks computed from the host's CPUs (multiprocessing.cpu_count() ignores the container's CPU quota), so the workers share the limit and are throttled together: latency climbs and heartbeats can miss timeout.",
      scenario: null,
      fix: `Size workers from the limit (2 × ${limitCores} + 1 = ${Math.floor(2 * limitCores + 1)} at most), set explicitly in the config.`,
    },
  ];
}

function maxRequestsRisks({ settings }: DoctorInput): Risk[] {
  if (settings.max_requests <= 0 || settings.max_requests_jitter > 0 || settings.workers < 2) return [];
  return [
    {
      id: "max-requests-without-jitter",
      severity: "risk",
      what: `max_requests = ${settings.max_requests} with max_requests_jitter = 0 across ${settings.workers} workers.`,
      why: "Workers that share the load reach max_requests together and recycle at the same moment, each cutting the requests on its keep-alive connections while fewer workers serve.",
      scenario: "max-requests",
      fix: `Add max_requests_jitter (e.g. ${Math.max(1, Math.round(settings.max_requests / 10))}) so recycles spread out.`,
    },
  ];
}

function timeoutRisks({ settings, slowPathP99Ms }: DoctorInput): Risk[] {
  // timeout = 0 disables the worker timeout in gunicorn.
  if (slowPathP99Ms === undefined || settings.timeout === 0 || settings.timeout * 1000 >= slowPathP99Ms) return [];
  const sync = workerFamily(settings.worker_class) === "sync";
  return [
    {
      id: "timeout-below-slow-p99",
      severity: sync ? "risk" : "note",
      what: `timeout = ${s(settings.timeout)} is below the slow path's measured p99 of ${slowPathP99Ms} ms (worker class ${settings.worker_class}).`,
      why: sync
        ? "A sync worker only tells the master it is alive between requests, so one slower than timeout gets the worker aborted with its request."
        : "This worker class keeps its heartbeat from its event loop, so only a slow path that blocks the loop (sync code in an async handler) gets the worker aborted; an awaiting one does not.",
      scenario: "worker-timeout",
      fix: sync
        ? `Raise timeout above the slow path (more than ${Math.ceil(slowPathP99Ms / 1000)} s) or make the path faster.`
        : "Make sure the slow path awaits rather than blocks (run blocking calls in a thread), or raise timeout above it.",
    },
  ];
}

function bannerRisks({ settings, declaredBanners }: DoctorInput): Risk[] {
  const family = workerFamily(settings.worker_class);
  if (family !== "uvicorn" && family !== "asgi") return [];
  const risks: Risk[] = [];
  const dropIn =
    "Add the drop-in (docker/dropin/uvicorn_worker_hooks.py): `from uvicorn_worker_hooks import install; install(globals())` at the end of the config.";
  if (declaredBanners.includes("interrupt")) {
    risks.push({
      id: "interrupt-banner-never-prints",
      severity: "risk",
      what: `The target declares an INTERRUPT banner, but worker_class ${settings.worker_class} does not call worker_int on SIGTERM.`,
      why:
        family === "uvicorn"
          ? "UvicornWorker resets the worker's signal handlers and uvicorn installs its own, so worker_int never runs: deploys, reloads and scale-downs print nothing."
          : "gunicorn's asgi worker calls worker_int on SIGINT/SIGQUIT only, so a deploy, a reload or a scale-down (all SIGTERM) prints nothing.",
      scenario: "deploy",
      fix: dropIn,
    });
  }
  if (declaredBanners.includes("abort")) {
    risks.push({
      id: "abort-banner-never-prints",
      severity: "risk",
      what: `The target declares an ABORT banner, but worker_class ${settings.worker_class} never calls worker_abort.`,
      why:
        family === "uvicorn"
          ? "UvicornWorker's signal handling replaces gunicorn's, and a worker aborted for exceeding timeout is stuck in a blocking call anyway, so worker_abort never runs."
          : "gunicorn's asgi worker handles SIGABRT on its event loop, which a blocked worker never runs, so it is SIGKILLed a round later and worker_abort never runs.",
      scenario: "worker-timeout",
      fix: dropIn,
    });
  }
  return risks;
}

const RULES: Array<(input: DoctorInput) => Risk[]> = [
  keepaliveRisks,
  gracefulTimeoutRisks,
  cpuRisks,
  maxRequestsRisks,
  timeoutRisks,
  bannerRisks,
];

/** Every risk and note the rules find in a config on its platform, in a stable order. */
export function findRisks(input: DoctorInput): Risk[] {
  return RULES.flatMap((rule) => rule(input));
}
