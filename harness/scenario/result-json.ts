import { z } from "zod";
import { BANNER_LABEL, type BannerKind } from "../classify/banners.ts";
import { CAUSE_NAMES, type Cause, SEVERITIES, type Severity } from "../classify/causes.ts";
import { EVIDENCE_SOURCES } from "../classify/death.ts";
import { committedJsonSchema } from "../core/committed-json-schema.ts";
import { packageFile } from "../core/package-files.ts";
import type { RunEvent } from "../events/events.ts";
import { describeFault } from "../events/format-event.ts";
import { DEPLOY_PROFILE_NAMES } from "../faults/deploy-profiles.ts";
import { suiteWorkerLabel, type WorkerClass } from "../images/suites.ts";
import { requestsPerWorker, SKEW_RULE } from "../logs/requests-per-worker.ts";
import { traceLostRequests } from "./lost-requests.ts";
import type { RunResult } from "./run-result.ts";
import { METRICS } from "./thresholds.ts";

/** Bump on any change that could break a reader of result.json (docs/report.md). */
/**
 * 2: `stack.name` became `stack.suite`, `stack.options` no longer repeats the suite and the config, and a death's
 * evidence is `{source, line?, text}` (was text: "log line N: …").
 * 3: `stack.gunicorn` (what the master really ran with) and `banners.declared` (only declared banners are owed).
 */
export const RESULT_SCHEMA_VERSION = 4;

const iso = z.iso.datetime({ offset: true });
const latency = z.object({ count: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() });
const errorCounts = z.object({ timeout: z.number(), reset: z.number(), refused: z.number(), closed: z.number(), other: z.number() });
const bannerKind = z.enum(Object.keys(BANNER_LABEL) as [BannerKind, ...BannerKind[]]);
/** Added within version 1: null outside a run with replicas, and in a result.json written before replicas. */
const instance = z
  .string()
  .nullable()
  .default(null)
  .describe("the replica (web-1…), in a run with replicas; the same pid in two replicas is two workers");

/** result.json, version 1: everything one run observed and concluded. */
export const resultSchema = z
  .object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    runId: z.string(),
    scenario: z.object({ name: z.string(), description: z.string() }),
    status: z
      .enum(["passed", "failed", "inconclusive", "aborted", "error"])
      .describe("inconclusive: the load generator lagged its schedule; aborted: interrupted; error: the run could not finish"),
    error: z.object({ code: z.string().nullable(), message: z.string() }).nullable(),
    startedAt: iso,
    endedAt: iso,
    durationS: z.number(),
    stack: z.object({
      suite: z.string().describe("the Debian suite: trixie, bookworm or sid"),
      config: z.string().describe("the target's config (--config)"),
      target: z.object({ name: z.string(), file: z.string() }).describe("the system under test: its target file"),
      image: z.string().nullable(),
      versions: z.record(z.string(), z.string()).describe("gunicorn, uvicorn, fastapi, python as found in the running container"),
      gunicorn: z
        .object({ argv: z.array(z.string()), cmdArgsEnv: z.string(), settings: z.record(z.string(), z.unknown()) })
        .nullable()
        .describe("what the master really ran with: its arguments, the GUNICORN_CMD_ARGS it saw, its settings as gunicorn resolved them"),
      options: z
        .record(z.string(), z.unknown())
        .describe("the other stack options the run used (worker class, workers, timeouts, limits, pool)"),
    }),
    load: z.object({
      profile: z.record(z.string(), z.unknown()),
      outcome: z
        .object({
          startedAt: iso,
          endedAt: iso,
          stoppedBy: z.enum(["duration", "max-requests", "aborted"]),
          completed: z.number(),
          ok: z.number(),
          non2xx: z.number(),
          status: z.record(z.string(), z.number()).describe("responses by HTTP status"),
          appErrors: z.record(z.string(), z.number()).describe("failed responses by the app's error kind"),
          errors: errorCounts.describe("requests with no response, by kind"),
          latencyMs: latency.describe("over every response, from HDR histograms"),
          throughput: z.number().describe("completed requests per second"),
          openLoop: z
            .object({
              offeredRps: z.number(),
              scheduled: z.number(),
              sent: z.number(),
              lateStarts: z.number().describe("requests that waited for a free connection past their start time"),
              notStarted: z.number().describe("requests never sent: still waiting when the run ended (counted as timeouts)"),
              achievedRps: z.number(),
              serviceMs: latency.describe("from each request's actual send, as a closed-loop tool would report"),
              generator: z.object({ scheduleLagMs: latency, cpuShare: z.number(), eventLoopDelayP99Ms: z.number() }),
              inconclusive: z.string().optional().describe("set when the generator lagged: the run says nothing about the server"),
            })
            .nullable()
            .describe("an open-loop load (a fixed rate): latency is measured from each request's intended start"),
        })
        .nullable(),
    }),
    faults: z.array(
      z.object({ at: iso, offsetS: z.number().nullable(), action: z.string(), target: z.string(), detail: z.string().nullable() }),
    ),
    timeline: z.array(
      z.object({ second: z.number(), completed: z.number(), ok: z.number(), non2xx: z.number(), errors: errorCounts, latencyMs: latency }),
    ),
    events: z
      .array(
        z
          .looseObject({ kind: z.string(), at: iso, pid: z.number().nullable(), raw: z.string().nullable() })
          .describe("plus the kind's own fields"),
      )
      .describe("every event but the app's access lines, which accessLog sums up (app.log keeps each one)"),
    deaths: z.array(
      z.object({
        pid: z.number(),
        instance,
        cause: z.enum(CAUSE_NAMES as [Cause, ...Cause[]]),
        severity: z.enum(SEVERITIES as [Severity, ...Severity[]]),
        at: iso.nullable(),
        summary: z.string(),
        evidence: z
          .array(z.object({ source: z.enum(EVIDENCE_SOURCES), line: z.number().optional(), text: z.string() }))
          .describe(
            "what the cause rests on: a log line (its number in the run's log), a banner, the harness, docker, the cgroup, an inference",
          ),
        bannersExpected: z.array(bannerKind),
        bannersSeen: z.array(bannerKind),
      }),
    ),
    banners: z.object({
      declared: z.array(bannerKind).describe("the banners the target declares for this config: the only ones owed"),
      seen: z.array(z.object({ pid: z.number(), instance, kind: bannerKind, at: iso, title: z.string(), lines: z.array(z.string()) })),
      missing: z.array(z.object({ pid: z.number(), instance, kind: bannerKind })),
      unexpected: z.array(z.object({ pid: z.number(), instance, kind: bannerKind, title: z.string() })),
    }),
    deploy: z
      .object({
        profile: z.enum(DEPLOY_PROFILE_NAMES),
        summary: z.string().describe("the platform's behaviour the profile reproduces"),
        steps: z
          .array(
            z.object({
              at: iso,
              offsetS: z.number().nullable().describe("seconds since the load started"),
              round: z.number().describe("1-based: one round per old replica replaced"),
              action: z.string(),
              instance: z.string(),
              detail: z.string(),
            }),
          )
          .describe("each step of the deploy, as it started"),
        lost: z
          .object({
            total: z.number().describe("requests users saw fail (errors and non-2xx), as the load generator counted them"),
            untraced: z.number().describe("lost requests the balancer logged no failure for"),
            byStep: z
              .array(
                z.object({
                  round: z.number().nullable(),
                  action: z.string().nullable(),
                  instance: z.string().nullable(),
                  detail: z.string().nullable().describe("null: before the deploy's first step"),
                  lost: z.number(),
                  byOutcome: z.record(z.string(), z.number()).describe("what the balancer logged: `503 SC--` → count"),
                  servers: z.array(z.string()).describe("the replicas the failed requests were sent to (`<NOSRV>`: none picked)"),
                }),
              )
              .describe("failures in the balancer's log, by the step in progress when it accepted them"),
          })
          .describe("what users lost, traced to the deploy step that caused it"),
      })
      .nullable()
      .default(null)
      .describe("a rolling deploy (scenario rolling-deploy): its profile, its steps and the requests lost in each; null without one"),
    expectations: z.array(
      z.object({ name: z.string(), expected: z.string(), observed: z.string(), verdict: z.enum(["pass", "fail", "inconclusive"]) }),
    ),
    unparsedLines: z.number().describe("app lines the parser did not understand (access lines are understood: see accessLog)"),
    accessLog: z
      .object({
        requests: z.number().describe("access lines the app logged, one per request it answered"),
        withoutPid: z.number().describe("of them, lines that named no worker (no %(p)s in the access format, no [pid] record prefix)"),
        workers: z
          .array(
            z.object({ pid: z.number(), instance, requests: z.number(), share: z.number().describe("of its replica's requests, 0 to 1") }),
          )
          .describe("requests per worker; with withoutPid they add up to requests"),
        skewed: z
          .array(
            z.object({
              pid: z.number(),
              instance,
              requests: z.number(),
              share: z.number(),
              workers: z.number().describe("workers in its replica (booted, or logged a request)"),
              of: z.number().describe("requests its replica's access lines attribute to a worker"),
            }),
          )
          .describe(`a worker that took most of its replica's traffic: ${SKEW_RULE}`),
      })
      .nullable()
      .default(null)
      .describe("the app's access log, summed (requests per worker): null when the app logged no access line"),
  })
  .strict();

export type ResultJson = z.infer<typeof resultSchema>;

const isoOf = (ms: number) => new Date(ms).toISOString();

/** The run as result.json, validated against its schema (a bug here fails loudly, not in a reader). */
export function toResultJson(result: RunResult): ResultJson {
  const { load, events, deaths, banners } = result.observed;
  const loadStart = load?.startedAt;
  // A banner's sighting names its first line (seq), whose event names the replica that printed it.
  const instanceOfLine = new Map(events.flatMap((e) => ("seq" in e && e.instance ? [[e.seq, e.instance] as const] : [])));
  const { suite, config, ...options } = result.stack.options;
  const json: ResultJson = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: result.runId,
    scenario: { ...result.scenario },
    status: result.status,
    error: result.error ? { code: (result.error as { code?: string }).code ?? null, message: result.error.message } : null,
    startedAt: isoOf(result.startedAt),
    endedAt: isoOf(result.endedAt),
    durationS: (result.endedAt - result.startedAt) / 1000,
    stack: {
      suite,
      config,
      target: result.stack.target,
      image: result.stack.image ?? null,
      versions: result.stack.versions,
      gunicorn: result.stack.gunicorn ?? null,
      options,
    },
    load: {
      profile: { ...result.loadProfile },
      outcome: load
        ? {
            startedAt: isoOf(load.startedAt),
            endedAt: isoOf(load.endedAt),
            stoppedBy: load.stoppedBy,
            completed: load.completed,
            ok: load.ok,
            non2xx: load.non2xx,
            status: load.status,
            appErrors: load.appErrors,
            errors: load.errors,
            latencyMs: load.latencyMs,
            throughput: METRICS.throughput(load),
            openLoop: load.openLoop ?? null,
          }
        : null,
    },
    faults: events.flatMap((e) =>
      e.kind === "fault"
        ? [{ at: isoOf(e.at), offsetS: loadStart ? (e.at - loadStart) / 1000 : null, action: e.action, ...describeFault(e) }]
        : [],
    ),
    timeline: load?.timeline ?? [],
    events: events.flatMap((e) => (e.kind === "access" ? [] : [eventJson(e)])),
    deaths: deaths.map((d) => ({
      ...d,
      instance: d.instance ?? null,
      at: d.at > 0 ? isoOf(d.at) : null,
      evidence: d.evidence,
    })),
    banners: {
      declared: banners.declared,
      seen: banners.seen.map(({ pid, kind, event }) => ({
        pid,
        instance: instanceOfLine.get(event.seq) ?? null,
        kind,
        at: isoOf(event.at),
        title: event.title,
        lines: event.lines,
      })),
      missing: banners.checks.flatMap((c) => c.missing.map((kind) => ({ pid: c.pid, instance: c.instance ?? null, kind }))),
      unexpected: banners.unexpected.map((u) => ({ ...u, instance: u.instance ?? null })),
    },
    deploy: deployJson(result),
    expectations: result.expectations.map((e) => ({
      name: e.name,
      expected: e.expected,
      observed: e.observed,
      verdict: e.pass ? "pass" : e.inconclusive ? "inconclusive" : "fail",
    })),
    unparsedLines: result.unparsedLines,
    accessLog: accessLogJson(events),
  };
  return resultSchema.parse(json);
}

/** The deploy's profile, its steps, and what users lost in each (traced through the balancer's log). */
function deployJson({ deploy, observed: { events, load } }: RunResult): ResultJson["deploy"] {
  if (!deploy) return null;
  const offsetS = (at: number) => (load ? (at - load.startedAt) / 1000 : null);
  const { lost, steps, untraced } = traceLostRequests(events, load);
  return {
    profile: deploy.name,
    summary: deploy.summary,
    steps: events
      .filter((e) => e.kind === "deploy")
      .sort((a, b) => a.at - b.at)
      .map((e) => ({ at: isoOf(e.at), offsetS: offsetS(e.at), round: e.round, action: e.action, instance: e.instance, detail: e.detail })),
    lost: {
      total: lost,
      untraced,
      byStep: steps.map(({ step, lost, byOutcome, servers }) => ({
        round: step?.round ?? null,
        action: step?.action ?? null,
        instance: step?.instance ?? null,
        detail: step?.detail ?? null,
        lost,
        byOutcome,
        servers,
      })),
    },
  };
}

function accessLogJson(events: readonly RunEvent[]): ResultJson["accessLog"] {
  const summary = requestsPerWorker(events);
  if (!summary) return null;
  const withInstance = <T extends { instance?: string }>(w: T) => ({ ...w, instance: w.instance ?? null });
  return { ...summary, workers: summary.workers.map(withInstance), skewed: summary.skewed.map(withInstance) };
}

function eventJson(event: RunEvent): ResultJson["events"][number] {
  const { kind, at, ...rest } = event;
  const pid =
    "pid" in event && typeof event.pid === "number"
      ? event.pid
      : "loggedBy" in event && event.loggedBy !== undefined
        ? event.loggedBy
        : null;
  const raw = "raw" in event ? event.raw : null;
  const details = Object.fromEntries(Object.entries(rest).filter(([key]) => !["raw", "pid", "source", "stream"].includes(key)));
  return { kind, at: isoOf(at), pid, raw, ...details };
}

/** The committed JSON Schema of result.json (documentation for readers in other languages). */
export const RESULT_JSON_SCHEMA = committedJsonSchema(packageFile("reports/result.schema.json"), resultSchema, {
  title: "result.json",
  description: `What one harness run observed and concluded (schemaVersion ${RESULT_SCHEMA_VERSION}).`,
});

/** The run's stack as keys and tables name it: the suite, plus a worker class other than uvicorn's (`sid-asgi`). */
export const runStack = (result: ResultJson): string =>
  suiteWorkerLabel(result.stack.suite, result.stack.options.worker as WorkerClass | undefined);
