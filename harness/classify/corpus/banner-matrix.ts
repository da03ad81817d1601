import { type GeneratedSection, writeSection } from "../../core/generated-section.ts";
import type { LogEvent } from "../../events/events.ts";
import { suiteWorkerLabel, WORKER_CLASS_LABELS } from "../../images/suites.ts";
import { BANNER_LABEL, recognizeBanner } from "../banners.ts";
import { type CorpusRecord, corpusNames, parseLines, readCorpusCase } from "./corpus-format.ts";

/**
 * docs/banners.md's banner matrix, generated from the recorded corpus (never written by hand): for each fault, on each
 * suite and worker class, how gunicorn logs the death, which banners the hooks as deployments write them print (the
 * seed config), and which the drop-in prints (the default config). `npm run record-corpus` records the runs and
 * rewrites the table, `npm run docs` rewrites it from the runs recorded; a unit test keeps the two equal.
 */
export interface MatrixRow {
  case: string;
  /** `trixie`, `sid-asgi` ... */
  stack: string;
  /** What ran: `gunicorn 23.0.0, UvicornWorker`. */
  ran: string;
  /** The master's (or the worker's own) lines for the death, pids as N; several ways of dying are separated by `;`. */
  logged: string;
  /** Banners printed with the stock hooks, `—` for none, `not recorded` when no seed run exists. */
  stock: string;
  dropIn: string;
}

/** Cases in the order a reader meets them: deploys first, then the deaths that need looking at. */
const CASE_ORDER = [
  "deploy",
  "reload",
  "scale-down",
  "max-requests",
  "quick-shutdown",
  "stray-sigterm",
  "graceful-timeout",
  "timeout",
  "oom",
  "sigkill",
  "boot-failure",
];
const SUITE_WORKER_ORDER = ["bookworm", "trixie", "sid", "sid-asgi"];

/** The death-telling lines, in the order gunicorn prints them. */
const DEATH_KINDS = new Set<LogEvent["kind"]>(["worker-timeout", "worker-signaled", "worker-exit-code", "worker-exiting"]);

export function bannerMatrix(): MatrixRow[] {
  const runs = corpusNames().map((name) => ({ name, ...readCorpusCase(name) }));
  const key = (r: CorpusRecord) => `${r.case}/${suiteWorkerLabel(r.suite, r.worker)}`;
  const seeds = new Map(runs.filter((r) => r.record.config === "seed").map((r) => [key(r.record), r]));
  const rows = runs
    .filter((r) => r.record.config === "default")
    .map(({ record, lines }) => {
      const { events } = parseLines(lines);
      const seed = seeds.get(key(record));
      return {
        case: record.case,
        stack: suiteWorkerLabel(record.suite, record.worker),
        ran: ran(events, record),
        logged: howLogged(events, record),
        stock: seed ? bannersPrinted(parseLines(seed.lines).events, record) : "not recorded",
        dropIn: bannersPrinted(events, record),
      };
    });
  const rank = (list: string[], value: string) => (list.includes(value) ? list.indexOf(value) : list.length);
  return rows.sort(
    (a, b) => rank(CASE_ORDER, a.case) - rank(CASE_ORDER, b.case) || rank(SUITE_WORKER_ORDER, a.stack) - rank(SUITE_WORKER_ORDER, b.stack),
  );
}

function ran(events: LogEvent[], record: CorpusRecord): string {
  const start = events.find((e) => e.kind === "master-start");
  const version = start?.kind === "master-start" ? `gunicorn ${start.version}` : "gunicorn ?";
  return `${version}, ${WORKER_CLASS_LABELS[record.worker ?? "uvicorn"]}`;
}

/** Each dead worker's lines as templates (pid → N, level kept); distinct sequences joined by `;`. */
function howLogged(events: LogEvent[], record: CorpusRecord): string {
  const sequences = new Set<string>();
  for (const pid of Object.keys(record.truth).map(Number)) {
    const own = events.filter((e) => DEATH_KINDS.has(e.kind) && "pid" in e && e.pid === pid);
    const master = own.filter((e) => e.kind !== "worker-exiting");
    // A worker that says "Worker exiting" and has no master line exited cleanly (code 0), which gunicorn does not log.
    const shown = master.length ? master : own;
    const text = shown.map((e) => `\`${template(e, pid)}\``).join(", then ");
    sequences.add(text ? (master.length ? text : `no master line (the worker: ${text})`) : "no line at all");
  }
  return [...sequences].join("; ") || "no worker died";
}

function template(event: LogEvent, pid: number): string {
  const at = event.level ? event.raw.indexOf(`[${event.level}]`) : -1;
  const message = event.raw.slice(Math.max(at, 0)).replace(new RegExp(`\\b${pid}\\b`, "g"), "N");
  return message.replace(/\(pid: ?N\)/, "(pid:N)").trim();
}

/** `INTERRUPT ×3`, per kind, for the dead workers only; `—` when none printed. */
function bannersPrinted(events: LogEvent[], record: CorpusRecord): string {
  const dead = new Set(Object.keys(record.truth).map(Number));
  const counts = new Map<string, number>();
  for (const event of events) {
    const banner = recognizeBanner(event);
    if (!banner || !dead.has(banner.pid)) continue;
    const label = BANNER_LABEL[banner.kind];
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const of = dead.size;
  return [...counts].map(([label, n]) => `${label} (${n} of ${of})`).join(", ") || "—";
}

export function renderMatrix(rows: MatrixRow[]): string {
  const header = [
    "| fault (corpus case) | suite, worker | ran | how gunicorn logs the death | stock hooks print | the drop-in prints |",
    "|---|---|---|---|---|---|",
  ];
  const cell = (text: string) => text.replaceAll("|", "\\|");
  return [...header, ...rows.map((r) => `| ${r.case} | ${r.stack} | ${r.ran} | ${cell(r.logged)} | ${r.stock} | ${r.dropIn} |`)].join("\n");
}

/** The matrix in docs/banners.md, between its markers. */
export const BANNER_MATRIX: GeneratedSection = {
  name: "banner-matrix",
  file: new URL("../../../docs/banners.md", import.meta.url),
  source: "harness/classify/corpus/",
};

/**
 * Rewrites docs/banners.md's matrix from the corpus, as `npm run record-corpus` does after recording (the name is
 * older than docs/: the matrix was in the README); false without its markers.
 */
export function writeReadmeMatrix(): boolean {
  return writeSection(BANNER_MATRIX, renderMatrix(bannerMatrix()));
}
