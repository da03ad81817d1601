import { bannerOomVerdict } from "../banners.ts";
import { type DeathFacts, defineRule } from "../death-facts.ts";
import { defineCause } from "../define-cause.ts";

export const oomKill = defineCause({
  name: "oom-kill",
  severity: "critical",
  meaning: "SIGKILL and the container evidence confirms an OOM kill",
  summary: "killed by the kernel's OOM killer",
});

const OOM_EVENT_WINDOW_MS = 5_000;

/** Killed by SIGKILL, and the container's evidence (or the master's SIGKILL banner) confirms an OOM kill: the kill is claimed. */
export const oomKilled = defineRule(oomKill, "an OOM kill confirmed", (facts) => {
  if (facts.signaled?.signal !== "SIGKILL" || !oomKillEvidence(facts).confirmed) return undefined;
  facts.claims.oomKill = true;
  return {};
});

/**
 * What the container and the master's SIGKILL banner say about a SIGKILL, added to the evidence (once, however many
 * rules ask): the rules for a SIGKILL (oom-kill, then graceful-timeout, then sigkill) all rest on it.
 */
export function oomKillEvidence(facts: DeathFacts): { confirmed: boolean; bannerSays: ReturnType<typeof bannerOomVerdict> } {
  const { worker, at, container } = facts;
  const banner = worker.banners.find((b) => b.kind === "kill");
  const bannerSays = banner ? bannerOomVerdict(banner) : undefined;
  const stopping = facts.masterStopping();
  // Once the master is stopping it SIGKILLs what outlives graceful_timeout: an OOM event from before it began is another death's.
  const oomEventNear = container.oomEvents.some((t) => t <= at + 500 && at - t <= OOM_EVENT_WINDOW_MS && (!stopping || t >= stopping.at));
  // The cgroup's count speaks only for deaths between two readings.
  const bracketed = container.cgroupFirst != null && container.cgroupLast != null && container.cgroupLastAt >= at;
  const cgroupKills = bracketed ? container.cgroupLast! - container.cgroupFirst! : undefined;
  if (oomEventNear)
    facts.add({ source: "docker", text: `an "oom" event for the app container within ${OOM_EVENT_WINDOW_MS / 1000} s before this exit` });
  if (cgroupKills !== undefined)
    facts.add({ source: "cgroup", text: `oom_kill went from ${container.cgroupFirst} to ${container.cgroupLast} during the run` });
  // Container evidence decides; a log alone decides only through the master's own SIGKILL banner.
  const confirmed =
    bannerSays === "yes" ||
    (bannerSays !== "no" && container.present && oomEventNear && (cgroupKills === undefined || cgroupKills > container.oomKillsAttributed));
  return { confirmed, bannerSays };
}
