import { UsageError } from "../core/errors.ts";
import type { LoadResult } from "../load/load-result.ts";
import { totalErrors } from "../load/load-result.ts";

/** What the build must meet at a rate for that rate to count as sustained. */
export interface Slo {
  /** As the user wrote it, e.g. `p99<=250ms,errors<=0.1%`. */
  text: string;
  latency: Array<{ percentile: 50 | 90 | 99; maxMs: number }>;
  /** Failed requests (non-2xx, no answer, never sent) over requests scheduled, 0..1. */
  maxErrorRatio: number;
}

export const DEFAULT_SLO = "p99<=250ms,errors<=0.1%";
/** Answering less than this share of the offered rate per second, the server did not keep up (a queue was growing). */
const MIN_ACHIEVED_SHARE = 0.97;
/** ... give or take this many requests over the steady seconds (a few answers cross a second's edge at low rates). */
const EDGE_REQUESTS = 3;

/** Parses `p99<=250ms,errors<=0.1%` (percentiles 50, 90, 99 in ms or s; errors in %). */
export function parseSlo(text: string): Slo {
  const slo: Slo = { text, latency: [], maxErrorRatio: 0.001 };
  let errorsGiven = false;
  for (const raw of text.split(",")) {
    const item = raw.trim().replace(/\s+/g, "");
    const latency = /^p(50|90|99)<=(\d+(?:\.\d+)?)(ms|s)$/.exec(item);
    const errors = /^errors<=(\d+(?:\.\d+)?)%$/.exec(item);
    if (latency)
      slo.latency.push({ percentile: Number(latency[1]) as 50 | 90 | 99, maxMs: Number(latency[2]) * (latency[3] === "s" ? 1000 : 1) });
    else if (errors) {
      slo.maxErrorRatio = Number(errors[1]) / 100;
      errorsGiven = true;
    } else {
      throw new UsageError(
        "BAD_SLO",
        `--slo: cannot read "${raw.trim()}" in "${text}". Write it as comma-separated limits, e.g. "${DEFAULT_SLO}" (p50, p90 or p99 in ms or s; errors in %).`,
      );
    }
  }
  if (slo.latency.length === 0 && !errorsGiven)
    throw new UsageError("BAD_SLO", `--slo "${text}" sets no limit. Example: "${DEFAULT_SLO}".`);
  if (slo.maxErrorRatio > 1) throw new UsageError("BAD_SLO", `--slo: an error ratio above 100 % means nothing (${text}).`);
  return slo;
}

/** Parses `--require 500/s` (also `500`, `500rps`): the rate the team declares the build must sustain. */
export function parseRequiredRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s|rps|req\/s)?\s*$/i.exec(text);
  const rate = match ? Number(match[1]) : Number.NaN;
  if (!(rate > 0))
    throw new UsageError("BAD_REQUIRE", `--require: "${text}" is not a rate. Write requests per second, e.g. --require 500/s.`);
  return rate;
}

export interface SloJudgement {
  met: boolean;
  /** Why not, one line per limit missed. */
  missed: string[];
  errorRatio: number;
  /** Answers per second over the steady part of the window (its first second left out), over the offered rate. */
  achievedShare: number;
}

/**
 * Judges one constant-rate trial: every latency limit (from each request's intended start), the error
 * ratio, and whether the server kept up (answers per second in the steady part of the window, within
 * MIN_ACHIEVED_SHARE of the offered rate: a short trial over capacity can still meet a p99 while its
 * queue grows).
 */
export function judgeTrial(result: LoadResult, slo: Slo): SloJudgement {
  const facts = result.openLoop;
  if (!facts) throw new Error("judgeTrial needs an open-loop result");
  const failed = result.non2xx + totalErrors(result.errors);
  const errorRatio = facts.scheduled ? failed / facts.scheduled : 0;
  const missed: string[] = [];
  for (const { percentile, maxMs } of slo.latency) {
    const value = result.latencyMs[`p${percentile}`];
    if (value > maxMs) missed.push(`p${percentile} ${value} ms > ${maxMs} ms`);
  }
  if (errorRatio > slo.maxErrorRatio) missed.push(`errors ${percent(errorRatio)} > ${percent(slo.maxErrorRatio)}`);
  const steady = steadyAnswerRate(result);
  const achievedShare = steady.perS / facts.offeredRps;
  const shortfall = facts.offeredRps - steady.perS;
  if (shortfall > Math.max((1 - MIN_ACHIEVED_SHARE) * facts.offeredRps, EDGE_REQUESTS / steady.seconds))
    missed.push(
      `answered ${Math.round(steady.perS * 10) / 10} of ${facts.offeredRps} req/s once steady (a queue grew; ${MIN_ACHIEVED_SHARE * 100} % needed)`,
    );
  const growth = latencyGrowth(result);
  if (growth) missed.push(growth);
  return { met: missed.length === 0, missed, errorRatio, achievedShare };
}

/** Answers (any status) per second over the window's whole seconds after the first, when latency has settled. */
function steadyAnswerRate(result: LoadResult): { perS: number; seconds: number } {
  const windowS = Math.floor(result.openLoop!.scheduled / result.openLoop!.offeredRps + 1e-9);
  const steady = result.timeline.slice(1, Math.max(2, windowS));
  if (steady.length === 0) return { perS: result.openLoop!.achievedRps, seconds: 1 };
  return { perS: steady.reduce((n, p) => n + p.completed, 0) / steady.length, seconds: steady.length };
}

/**
 * A queue that grows shows as a median latency that keeps rising: the last whole second's against the first
 * steady one's, beyond twice it and 50 ms more (a steady service wobbles less than that).
 */
function latencyGrowth(result: LoadResult): string | undefined {
  const windowS = Math.floor(result.openLoop!.scheduled / result.openLoop!.offeredRps + 1e-9);
  const first = result.timeline[1]?.latencyMs;
  const last = result.timeline[windowS - 1]?.latencyMs;
  if (!first || !last || windowS < 3 || first.count === 0 || last.count === 0) return undefined;
  if (last.p50 <= Math.max(2 * first.p50, first.p50 + 50)) return undefined;
  return `the median latency kept rising, ${first.p50} ms in second 2 to ${last.p50} ms in second ${windowS} (a queue grew)`;
}

export const percent = (ratio: number) => `${Math.round(ratio * 100_000) / 1000} %`;
