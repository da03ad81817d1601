/**
 * The banners' first lines, one capture group for the pid: only those a target declares are recognised and owed
 * (an app that declares none owes none).
 */
export type BannerPatterns = Partial<Record<"interrupt" | "abort" | "kill", string>>;

/** The seed's texts (the demo prints them too), and the SIGKILL banner of the drop-in (docker/dropin/uvicorn_worker_hooks.py). */
export const STANDARD_BANNER_PATTERNS: Required<BannerPatterns> = {
  interrupt: "WORKER INTERRUPT SIGNAL RECEIVED - PID (\\d+)",
  abort: "WORKER ABORTED - PID (\\d+)",
  kill: "WORKER KILLED BY SIGKILL - PID (\\d+)",
};
