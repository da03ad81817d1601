import type { RunEvent } from "../events/events.ts";
import { type BannerKind, type BannerMatcher, type BannerSighting, bannerMatcher, declaredBannerKinds } from "./banners.ts";
import { DeathClassifier } from "./classify-deaths.ts";
import type { ClassifyOptions, Death } from "./death.ts";

interface BannerCheck {
  pid: number;
  /** The replica, in a run with replicas. */
  instance?: string;
  expected: BannerKind[];
  seen: BannerKind[];
  missing: BannerKind[];
}

export interface BannerReport {
  /** The banners the app declares: the only ones owed (none when it promises none). */
  declared: BannerKind[];
  /** One per death: the banners it calls for (default config behaviour), those seen, those missing. */
  checks: BannerCheck[];
  /** Banners for a pid that did not die, or of a kind its death does not call for. */
  unexpected: Array<{ pid: number; instance?: string; kind: BannerKind; title: string }>;
  /** Every banner the run printed, in order. */
  seen: BannerSighting[];
}

export interface RunClassification {
  deaths: Death[];
  banners: BannerReport;
}

/**
 * Classifies a whole harness run: all its evidence is in hand, so every death is judged at the end.
 * With replicas, each replica is classified on its own evidence (its lines, the faults and container
 * events naming it): the same pid in two replicas is two workers, and each death carries its instance.
 */
export function classifyRun(events: readonly RunEvent[], options: Omit<ClassifyOptions, "holdMs"> = {}): RunClassification {
  const instances = [...new Set(events.flatMap((e) => (e.kind !== "deploy" && "instance" in e && e.instance ? [e.instance] : [])))];
  if (instances.length === 0) return classifyOne(events, options);
  const parts = instances.map((instance) => {
    const own = events.filter((e) => belongsTo(e, instance));
    const { deaths, banners } = classifyOne(own, options);
    return {
      deaths: deaths.map((d) => ({ ...d, instance })),
      banners: {
        declared: banners.declared,
        checks: banners.checks.map((c) => ({ ...c, instance })),
        unexpected: banners.unexpected.map((u) => ({ ...u, instance })),
        seen: banners.seen,
      },
    };
  });
  return {
    deaths: parts.flatMap((p) => p.deaths).sort((a, b) => a.at - b.at),
    banners: {
      declared: declaredBannerKinds(options.banners),
      checks: parts.flatMap((p) => p.banners.checks),
      unexpected: parts.flatMap((p) => p.banners.unexpected),
      seen: parts.flatMap((p) => p.banners.seen),
    },
  };
}

/** A replica's own evidence: what names it, and the run's phases. Faults and readings that name no replica are not its. */
function belongsTo(event: RunEvent, instance: string): boolean {
  if (event.kind === "phase") return true;
  return event.kind !== "deploy" && "instance" in event && event.instance === instance;
}

function classifyOne(events: readonly RunEvent[], options: Omit<ClassifyOptions, "holdMs">): RunClassification {
  const classifier = new DeathClassifier({ ...options, holdMs: Number.POSITIVE_INFINITY });
  for (const event of [...events].sort((a, b) => a.at - b.at)) classifier.push(event);
  const deaths = classifier.finish();
  return { deaths, banners: bannerReport(deaths, events, bannerMatcher(options.banners), declaredBannerKinds(options.banners)) };
}

function bannerReport(
  deaths: readonly Death[],
  events: readonly RunEvent[],
  recognize: BannerMatcher,
  declared: BannerKind[],
): BannerReport {
  const checks = deaths.map((d) => ({
    pid: d.pid,
    expected: d.bannersExpected,
    seen: d.bannersSeen,
    missing: d.bannersExpected.filter((kind) => !d.bannersSeen.includes(kind)),
  }));
  const byPid = new Map(deaths.map((d) => [d.pid, d]));
  const seen = events.flatMap((event) => recognize(event) ?? []);
  const unexpected = seen
    .filter((banner) => !byPid.get(banner.pid)?.bannersExpected.includes(banner.kind))
    .map((banner) => ({ pid: banner.pid, kind: banner.kind, title: banner.event.title }));
  return { declared, checks, unexpected, seen };
}
