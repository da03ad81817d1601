/** The platforms `chaos-harness doctor --platform` knows, each with the defaults a team gets unless it changed them. */
export const PLATFORM_NAMES = ["kubernetes", "render", "heroku", "alb"] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];

/** What the platform in front of gunicorn does to its connections and to its process, in seconds. */
export interface PlatformProfile {
  name: PlatformName;
  /**
   * How long the balancer keeps an idle connection to gunicorn open before it closes it itself (it may reuse it until
   * then). Undefined: no default we could confirm; the team must say (`--idle-timeout`).
   */
  idleTimeoutS: number | undefined;
  /** How long after SIGTERM the platform SIGKILLs the container. */
  terminationGraceS: number;
  /** Where each value comes from: the documented default, or "given" when the team overrode it. */
  sources: { idleTimeoutS: string; terminationGraceS: string };
}

/** A team's own values, which win over the platform's defaults. */
export interface PlatformOverrides {
  idleTimeoutS?: number;
  terminationGraceS?: number;
}

const DEFAULTS: Record<PlatformName, Omit<PlatformProfile, "name">> = {
  kubernetes: {
    // ingress-nginx's ConfigMap key upstream-keepalive-timeout defaults to 60 s (nginx's upstream keepalive_timeout default,
    // https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout; the GitLab chart's MR 3090 lowered it
    // "60 -> 5"). Another ingress or a cloud balancer in front of the pods has its own: pass it.
    idleTimeoutS: 60,
    // PodSpec.terminationGracePeriodSeconds: "Defaults to 30 seconds" (Kubernetes API reference, core/v1 PodSpec); a preStop
    // hook's time counts against it.
    terminationGraceS: 30,
    sources: {
      idleTimeoutS: "ingress-nginx upstream-keepalive-timeout default (60 s)",
      terminationGraceS: "PodSpec.terminationGracePeriodSeconds default (30 s)",
    },
  },
  render: {
    // Render's documentation we could reach does not state its proxy's idle timeout to the service: the team must say.
    idleTimeoutS: undefined,
    // maxShutdownDelaySeconds: "The maximum amount of time (in seconds) that Render waits for your application process to
    // exit gracefully after sending it a SIGTERM signal", default 30, 1-300 (Render's public API schema).
    terminationGraceS: 30,
    sources: {
      idleTimeoutS: "not documented where we looked: pass --idle-timeout",
      terminationGraceS: "Render maxShutdownDelaySeconds default (30 s)",
    },
  },
  heroku: {
    // Router 2.0 keeps connections to dynos alive and closes them after 90 s idle
    // (https://devcenter.heroku.com/articles/http-routing#keepalives, as heroku/python-getting-started PR 261 cites it when
    // raising its gunicorn keepalive to 95). The legacy router did not reuse connections to dynos.
    idleTimeoutS: 90,
    // Dynos get SIGTERM, then SIGKILL 30 s later (https://devcenter.heroku.com/articles/dyno-shutdown-behavior; older
    // write-ups say 10 s). heroku/python-getting-started's gunicorn.conf.py sets graceful_timeout = 20 for it.
    terminationGraceS: 30,
    sources: {
      idleTimeoutS: "Heroku Router 2.0 keep-alive idle timeout (90 s)",
      terminationGraceS: "Heroku dyno shutdown: SIGKILL 30 s after SIGTERM",
    },
  },
  alb: {
    // "By default, ELB sets the idle timeout value for your load balancer to 60 seconds", for client and target connections
    // alike (AWS ELB guide, "Edit attributes for your Application Load Balancer", Connection idle timeout).
    idleTimeoutS: 60,
    // Behind an ALB the app usually runs on ECS: ContainerDefinition.stopTimeout defaults to 30 s (Fargate and EC2 alike,
    // ECS API reference) before SIGKILL.
    terminationGraceS: 30,
    sources: {
      idleTimeoutS: "AWS ALB connection idle timeout default (60 s)",
      terminationGraceS: "ECS stopTimeout default (30 s)",
    },
  },
};

/** A platform's profile: its documented defaults, with the team's own values where it gave them. */
export function platformProfile(name: PlatformName, overrides: PlatformOverrides = {}): PlatformProfile {
  const defaults = DEFAULTS[name];
  return {
    name,
    idleTimeoutS: overrides.idleTimeoutS ?? defaults.idleTimeoutS,
    terminationGraceS: overrides.terminationGraceS ?? defaults.terminationGraceS,
    sources: {
      idleTimeoutS: overrides.idleTimeoutS === undefined ? defaults.sources.idleTimeoutS : "given",
      terminationGraceS: overrides.terminationGraceS === undefined ? defaults.sources.terminationGraceS : "given",
    },
  };
}
