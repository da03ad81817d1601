import type { RunEvent } from "../events/events.ts";
import { type BannerPatterns, STANDARD_BANNER_PATTERNS } from "../target/banner-patterns.ts";
import type { Cause } from "./define-cause.ts";

export type { BannerPatterns };

/** A banner's kind: the key a target's `banners` declares it under. */
export type BannerKind = keyof BannerPatterns;
const BANNER_KINDS: readonly BannerKind[] = ["interrupt", "abort", "kill"];

/** What `npm run classify` recognises when no target says otherwise: the seed's texts and the drop-in's. */
const DEFAULT_BANNER_PATTERNS: BannerPatterns = STANDARD_BANNER_PATTERNS;

/** The banner kinds a set of patterns declares: the only ones a death can owe. */
export function declaredBannerKinds(patterns: BannerPatterns = DEFAULT_BANNER_PATTERNS): BannerKind[] {
  return BANNER_KINDS.filter((kind) => patterns[kind] !== undefined);
}

/** The banner each way of dying calls for, as the drop-in prints them (a target owes it only where it declares it). */
export const BANNER_CALLED_FOR: Partial<Record<Cause, BannerKind>> = {
  shutdown: "interrupt",
  reload: "interrupt",
  "scale-down": "interrupt",
  "unexpected-sigterm": "interrupt",
  "graceful-timeout": "interrupt",
  timeout: "abort",
  "oom-kill": "kill",
};

export const BANNER_LABEL: Record<BannerKind, string> = {
  interrupt: "INTERRUPT",
  abort: "ABORT",
  kill: "SIGKILL/OOM",
};

export interface BannerSighting {
  kind: BannerKind;
  pid: number;
  /** Where it printed: its first line's position and time, its title, all its lines. */
  event: { seq: number; at: number; title: string; lines: string[] };
}

export type BannerMatcher = (event: RunEvent) => BannerSighting | undefined;

/**
 * Recognises banners: a block between rule lines (the parser's `banner` events, matched on their title),
 * or a single line, bare or inside a log record.
 */
export function bannerMatcher(patterns: BannerPatterns = DEFAULT_BANNER_PATTERNS): BannerMatcher {
  const compiled = declaredBannerKinds(patterns).map((kind) => ({ kind, pattern: new RegExp(patterns[kind]!) }));
  return (event) => {
    if (event.kind !== "banner" && event.kind !== "log-record" && event.kind !== "unparsed") return undefined;
    const seen =
      event.kind === "banner"
        ? { title: event.title, lines: event.lines }
        : { title: event.kind === "log-record" ? event.message : event.raw, lines: [event.raw] };
    for (const { kind, pattern } of compiled) {
      const match = pattern.exec(seen.title);
      if (match) return { kind, pid: Number(match[1]), event: { seq: event.seq, at: event.at, ...seen } };
    }
    return undefined;
  };
}

/** With the default patterns. */
export const recognizeBanner: BannerMatcher = bannerMatcher();

/** What the SIGKILL banner says about OOM: "OOM confirmed: yes|no|unknown". */
export function bannerOomVerdict(banner: BannerSighting): "yes" | "no" | "unknown" | undefined {
  const line = banner.event.lines.find((l) => l.startsWith("OOM confirmed:"));
  return (/^OOM confirmed: (yes|no|unknown)/.exec(line ?? "")?.[1] as "yes" | "no" | "unknown" | undefined) ?? undefined;
}

/** The ABORT banner's "Blocking call: func at file:line". */
export function bannerBlockingCall(banner: BannerSighting): string | undefined {
  return /^Blocking call: (.+)$/.exec(banner.event.lines.find((l) => l.startsWith("Blocking call:")) ?? "")?.[1];
}
