/** The stacks the harness can run: one Debian suite each, so one set of gunicorn/uvicorn/Python versions. */
export const SUITES = {
  trixie: { suite: "trixie", summary: "Debian 13: gunicorn 23.0, uvicorn 0.32, FastAPI 0.115, Python 3.13, PostgreSQL 17" },
  bookworm: { suite: "bookworm", summary: "Debian 12: gunicorn 20.1, uvicorn 0.17, FastAPI 0.92, Python 3.11, PostgreSQL 15" },
} as const;

export type SuiteName = keyof typeof SUITES;
export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];
