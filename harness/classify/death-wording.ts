import type { FaultEvent, FromLog } from "../events/events.ts";
import { describeFault } from "../events/format-event.ts";
import { type BannerSighting, bannerBlockingCall } from "./banners.ts";
import type { Evidence } from "./death.ts";

/** Evidence as one line of text: `log line 12: …`, `banner (log line 40): …`, `harness: …`. */
export function formatEvidence(evidence: Evidence): string {
  switch (evidence.source) {
    case "log":
      return `log line ${evidence.line}: ${evidence.text}`;
    case "banner":
      return `banner (log line ${evidence.line}): ${evidence.text}`;
    case "app":
      return `the app said: ${evidence.text}`;
    case "harness":
      return `harness: ${evidence.text}`;
    case "docker":
      return `docker: ${evidence.text}`;
    case "cgroup":
      return `memory cgroup: ${evidence.text}`;
    case "inference":
      return evidence.text;
  }
}

/** A quoted line is cut here: a death keeps its evidence, and a log of 1 MiB lines must not fill the heap with it. */
const MAX_QUOTE_CHARS = 2_000;

export function quote(event: FromLog): Evidence {
  return { source: "log", line: event.seq, text: capText(event.raw.split("\n")[0]!) };
}

/** Text kept from a line, at most MAX_QUOTE_CHARS, saying how much was cut. */
export function capText(text: string): string {
  return text.length <= MAX_QUOTE_CHARS ? text : `${text.slice(0, MAX_QUOTE_CHARS)} … (${text.length - MAX_QUOTE_CHARS} chars cut)`;
}

export function inferred(text: string): Evidence {
  return { source: "inference", text };
}

export function faultEvidence(fault: FaultEvent): Evidence {
  const { target, detail } = describeFault(fault);
  return { source: "harness", text: `${fault.action} ${detail} to ${target} at ${iso(fault.at)}`.replace(/\s+/g, " ") };
}

export function bannerEvidence(banner: BannerSighting): Evidence {
  const detail =
    banner.kind === "abort"
      ? bannerBlockingCall(banner)
      : banner.kind === "kill"
        ? banner.event.lines.find((l) => l.startsWith("OOM confirmed"))
        : undefined;
  const said = detail ? ` — ${banner.kind === "abort" ? `blocking call: ${detail}` : detail}` : "";
  return { source: "banner", line: banner.event.seq, text: `${banner.event.title}${said}` };
}

/** "master handled SIGHUP", or the master line's message. */
export function describeReason(line: FromLog): string {
  const signal = /Handling signal: (\w+)/.exec(line.raw)?.[1];
  return signal ? `master handled SIG${signal.toUpperCase()}` : (line.raw.split("] ").at(-1) ?? line.raw);
}

function iso(at: number): string {
  return at > 0 ? new Date(at).toISOString() : "an unknown time";
}
