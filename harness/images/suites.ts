/** gunicorn's worker classes the harness runs: uvicorn's `UvicornWorker`, and gunicorn's own ASGI worker (`-k asgi`, gunicorn 24+). */
export const WORKER_CLASSES = ["uvicorn", "asgi"] as const;
export type WorkerClass = (typeof WORKER_CLASSES)[number];

/** How reports name each. */
export const WORKER_CLASS_LABELS: Record<WorkerClass, string> = {
  uvicorn: "UvicornWorker",
  asgi: "asgi worker",
};

/** What gunicorn is told (`worker_class`) for each. */
export const WORKER_CLASS_NAMES: Record<WorkerClass, string> = {
  uvicorn: "uvicorn.workers.UvicornWorker",
  asgi: "asgi",
};

/**
 * The stacks the harness can run: one Debian suite each, so one set of gunicorn/uvicorn/Python versions.
 * `sid` is the next Debian: a moving target (its packages change under it), run to see upstream changes early.
 */
export const SUITES = {
  trixie: {
    suite: "trixie",
    summary: "Debian 13: gunicorn 23.0, uvicorn 0.32, FastAPI 0.115, Python 3.13, PostgreSQL 17",
    workers: ["uvicorn"],
    aptOptions: {},
  },
  bookworm: {
    suite: "bookworm",
    summary: "Debian 12: gunicorn 20.1, uvicorn 0.17, FastAPI 0.92, Python 3.11, PostgreSQL 15",
    workers: ["uvicorn"],
    aptOptions: {},
  },
  sid: {
    suite: "sid",
    summary: "Debian unstable, the next Debian, a moving target: gunicorn 26.2, uvicorn 0.53, FastAPI 0.162, Python 3.14, PostgreSQL 18",
    workers: ["uvicorn", "asgi"],
    // sid's Release file is often past its Valid-Until date; the packages are still the current ones.
    aptOptions: { "Acquire::Check-Valid-Until": "false" },
  },
} as const satisfies Record<
  string,
  { suite: string; summary: string; workers: readonly WorkerClass[]; aptOptions: Record<string, string> }
>;

export type SuiteName = keyof typeof SUITES;
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

/** How a run is named in keys and tables: the suite, plus the worker class when it is not uvicorn's (`sid-asgi`). */
export function suiteWorkerLabel(suite: string, worker: WorkerClass | undefined): string {
  return !worker || worker === "uvicorn" ? suite : `${suite}-${worker}`;
}

/** The suite's apt options in apt's configuration syntax (`Name "value"`), as mmdebstrap's --aptopt takes them. */
export function aptConfigLines(suite: SuiteName): string[] {
  return Object.entries<string>(SUITES[suite].aptOptions).map(([name, value]) => `${name} "${value}"`);
}

/** The same as apt-get's command-line options (`-o Name=value`). */
export function aptGetOptions(suite: SuiteName): string {
  return Object.entries<string>(SUITES[suite].aptOptions)
    .map(([name, value]) => `-o ${name}=${value}`)
    .join(" ");
}

/** The worker classes a suite's gunicorn has. */
export function suiteWorkers(suite: SuiteName): readonly WorkerClass[] {
  return SUITES[suite].workers;
}
