/**
 * How platforms replace an instance during a deploy, as named profiles of `rolling-deploy`. Each round
 * starts a new replica beside the old one and waits for its health check; the profiles differ in what
 * happens to the old one: when the router stops sending it requests, and when it gets SIGTERM.
 */
export interface DeployProfile {
  name: DeployProfileName;
  /** The platform's behaviour, for people (README and `--help` quote it). */
  summary: string;
  /** The steps of one round, in order, as the verdict names them. */
  steps: string[];
  /**
   * When the router stops sending the old replica requests, relative to the decision to stop it:
   * `before-sigterm` (drained, then signalled), or `lag` seconds later while SIGTERM goes at `sigtermAfterS`.
   */
  routing: { kind: "before-sigterm" } | { kind: "lag"; lagS: number };
  /** Seconds from the decision to stop the old replica until its SIGTERM (Kubernetes' preStop sleep; 0 = at once). */
  sigtermAfterS: number;
  /** Seconds after SIGTERM before SIGKILL (Render and Kubernetes: 30). */
  graceS: number;
}

export const DEPLOY_PROFILE_NAMES = ["render", "kubernetes", "naive"] as const;
export type DeployProfileName = (typeof DEPLOY_PROFILE_NAMES)[number];

/** Overrides a run may give a profile (`--pre-stop`, `--routing-lag`, `--grace`). */
export interface ProfileTimings {
  preStopS?: number;
  routingLagS?: number;
  graceS?: number;
}

export function deployProfile(name: DeployProfileName, timings: ProfileTimings = {}): DeployProfile {
  const graceS = timings.graceS ?? 30;
  switch (name) {
    case "render":
      return {
        name,
        summary:
          "Render: start the new instance, wait for its health check, route traffic to it and away from the old one, " +
          `then SIGTERM the old one; SIGKILL after ${graceS} s.`,
        steps: ["start new", "health check, enable new", "drain old", "SIGTERM old", `SIGKILL old after ${graceS} s if still running`],
        routing: { kind: "before-sigterm" },
        sigtermAfterS: 0,
        graceS,
      };
    case "kubernetes": {
      const lagS = timings.routingLagS ?? 1;
      const preStopS = timings.preStopS ?? 2;
      return {
        name,
        summary:
          "Kubernetes rolling update (maxSurge 1, maxUnavailable 0): start the new pod, wait for its readiness probe, add it to the " +
          `endpoints; then delete the old pod: its removal from the endpoints reaches the router ${lagS} s later (propagation lag) while ` +
          `the kubelet runs the preStop sleep (${preStopS} s) and then sends SIGTERM; SIGKILL after terminationGracePeriodSeconds (${graceS} s).`,
        steps: [
          "start new",
          "readiness probe, enable new",
          `old removed from endpoints (reaches the router after ${lagS} s)`,
          `preStop sleep ${preStopS} s`,
          "SIGTERM old",
          `SIGKILL old after ${graceS} s if still running`,
        ],
        routing: { kind: "lag", lagS },
        sigtermAfterS: preStopS,
        graceS,
      };
    }
    case "naive": {
      const lagS = timings.routingLagS ?? 2;
      return {
        name,
        summary:
          "SIGTERM first, routing change after: the new instance is started and healthy, then the old one gets SIGTERM while the router " +
          `still sends it requests, until its health check fails or the routing change lands ${lagS} s later.`,
        steps: [
          "start new",
          "health check, enable new",
          "SIGTERM old (routing unchanged)",
          `routing change after ${lagS} s`,
          `SIGKILL old after ${graceS} s if still running`,
        ],
        routing: { kind: "lag", lagS },
        sigtermAfterS: 0,
        graceS,
      };
    }
  }
}
