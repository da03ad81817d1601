import { LB_LOG_FORMAT } from "../logs/haproxy-log.ts";

/** One replica's place behind the balancer: a server line, enabled or waiting in maintenance for a replica to come. */
export interface ServerSlot {
  /** The replica's instance name, used as HAProxy's server name (`web-1`). */
  name: string;
  /** Its loopback port. */
  port: number;
  /** Receives traffic once its health check passes; false = in maintenance until enabled at run time. */
  enabled: boolean;
}

/** How the balancer treats its upstream connections: the settings `lb-keepalive` turns. */
export interface BalancerTuning {
  /** `http-reuse`: `safe` (HAProxy's default) or `always` (any idle upstream connection serves any request, as most cloud routers do). */
  reuse: "safe" | "always";
  /** How long an idle upstream connection is kept open, in seconds (`pool-purge-delay`, HAProxy's default 5 s). */
  upstreamIdleS: number;
}

export interface BalancerConfig {
  /** Where users connect. */
  port: number;
  /** The runtime API (admin level), on loopback: enable, drain and disable servers, read their state. */
  apiPort: number;
  /** The replicas' health path (the target's `health`). */
  healthPath: string;
  servers: ServerSlot[];
  tuning: BalancerTuning;
}

export const DEFAULT_TUNING: BalancerTuning = { reuse: "safe", upstreamIdleS: 5 };

/**
 * HAProxy's configuration for replicas on loopback. It routes like a strict platform router: round
 * robin, health checks every 500 ms (down after 2 failures, up after 1 success), and no retry on
 * another replica (`retries 0`, no `option redispatch`), so a request sent to a replica that is going
 * away is an error the user sees rather than one the balancer hides.
 */
export function haproxyConfig(config: BalancerConfig): string {
  const health = config.healthPath.replace(/\s/g, "%20");
  return `# Written by the chaos harness (harness/balancer/haproxy-config.ts) for one run.
global
  log stdout format raw local0
  stats socket ipv4@127.0.0.1:${config.apiPort} level admin
  maxconn 4096

defaults
  mode http
  log global
  log-format "${LB_LOG_FORMAT.replace(/"/g, '\\"')}"
  timeout connect 1s
  timeout client 30s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 10s
  retries 0

frontend web
  bind 127.0.0.1:${config.port}
  default_backend replicas

backend replicas
  balance roundrobin
  http-reuse ${config.tuning.reuse}
  option httpchk GET ${health}
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms rise 1 fall 2 pool-purge-delay ${Math.round(config.tuning.upstreamIdleS * 1000)}ms
${config.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check${s.enabled ? "" : " disabled"}`).join("\n")}
`;
}
