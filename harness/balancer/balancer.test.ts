import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LB_LOG_FORMAT } from "../logs/haproxy-log.ts";
import { DEFAULT_TUNING, haproxyConfig } from "./haproxy-config.ts";
import { parseShowStat } from "./runtime-api.ts";

describe("HAProxy's configuration for replicas", () => {
  const config = haproxyConfig({
    port: 18080,
    apiPort: 18081,
    healthPath: "/health",
    servers: [
      { name: "web-1", port: 18090, enabled: true },
      { name: "web-2", port: 18091, enabled: false },
    ],
    tuning: DEFAULT_TUNING,
  });
  const lines = config.split("\n").map((l) => l.trim());

  it("binds users and the runtime API to loopback only", () => {
    expect(lines).toContain("bind 127.0.0.1:18080");
    expect(lines).toContain("stats socket ipv4@127.0.0.1:18081 level admin");
    expect(config).not.toMatch(/\b0\.0\.0\.0\b|bind \*|bind :/);
  });

  it("routes to each replica on loopback, health-checked; a slot waits in maintenance until a replica is enabled in it", () => {
    expect(lines).toContain("server web-1 127.0.0.1:18090 check");
    expect(lines).toContain("server web-2 127.0.0.1:18091 check disabled");
    expect(lines).toContain("option httpchk GET /health");
  });

  it("never retries a request on another replica, so users' losses are not hidden", () => {
    expect(lines).toContain("retries 0");
    expect(config).not.toMatch(/redispatch|retry-on/);
  });

  it("logs every request on stdout in the format the harness parses", () => {
    expect(lines).toContain(`log-format "${LB_LOG_FORMAT}"`);
    expect(lines).toContain("log stdout format raw local0");
    expect(config).not.toMatch(/dontlognull/);
  });

  it("takes the upstream tuning lb-keepalive turns", () => {
    const always = haproxyConfig({ port: 1, apiPort: 2, healthPath: "/", servers: [], tuning: { reuse: "always", upstreamIdleS: 30 } });
    expect(always).toMatch(/^ {2}http-reuse always$/m);
    expect(always).toMatch(/pool-purge-delay 30000ms/);
  });
});

describe("show stat, as HAProxy answers it", () => {
  it.each(["bookworm", "trixie"])("reads each replica's state and counters (HAProxy of %s)", (suite) => {
    const csv = readFileSync(new URL(`./fixtures/show-stat-${suite}.csv`, import.meta.url), "utf8");
    expect(parseShowStat(csv)).toEqual([
      expect.objectContaining({ name: "web-1", status: "UP", sessions: 0, total: 3, responseErrors: 0, serverAborts: 0 }),
      expect.objectContaining({ name: "web-2", status: "MAINT", sessions: 0, total: 0 }),
    ]);
  });

  it("reads nothing from an answer that is not a stat table", () => {
    expect(parseShowStat("Unknown command\n")).toEqual([]);
  });
});
