import type { EventOfKind } from "../events/events.ts";

/** The banners' stable first lines (docker/app/app/banners.py; the seed config prints the first two too). */
const BANNER_TITLES = [
  { kind: "interrupt", pattern: /WORKER INTERRUPT SIGNAL RECEIVED - PID (\d+)/ },
  { kind: "abort", pattern: /CRITICAL: WORKER ABORTED - PID (\d+)/ },
  { kind: "sigkill", pattern: /WORKER KILLED BY SIGKILL - PID (\d+)/ },
] as const;

export type BannerKind = (typeof BANNER_TITLES)[number]["kind"];

export const BANNER_LABEL: Record<BannerKind, string> = {
  interrupt: "INTERRUPT",
  abort: "ABORT",
  sigkill: "SIGKILL/OOM",
};

export interface BannerSighting {
  kind: BannerKind;
  pid: number;
  event: EventOfKind<"banner">;
}

export function recognizeBanner(event: EventOfKind<"banner">): BannerSighting | undefined {
  for (const { kind, pattern } of BANNER_TITLES) {
    const match = pattern.exec(event.title);
    if (match) return { kind, pid: Number(match[1]), event };
  }
  return undefined;
}

/** What the SIGKILL banner says about OOM: "OOM confirmed: yes|no|unknown". */
export function bannerOomVerdict(banner: BannerSighting): "yes" | "no" | "unknown" | undefined {
  const line = banner.event.lines.find((l) => l.startsWith("OOM confirmed:"));
  return (/^OOM confirmed: (yes|no|unknown)/.exec(line ?? "")?.[1] as "yes" | "no" | "unknown" | undefined) ?? undefined;
}

/** The ABORT banner's "Blocking call: func at file:line". */
export function bannerBlockingCall(banner: BannerSighting): string | undefined {
  return /^Blocking call: (.+)$/.exec(banner.event.lines.find((l) => l.startsWith("Blocking call:")) ?? "")?.[1];
}
