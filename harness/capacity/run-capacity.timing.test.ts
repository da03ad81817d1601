import { describe, expect, it } from "vitest";
import { Progress } from "../core/progress.ts";
import { startSyntheticServer } from "../testing/synthetic-server.ts";
import type { CapacityPlan } from "./capacity-plan.ts";
import { capacityReportSchema } from "./capacity-result.ts";
import { runCapacity } from "./run-capacity.ts";
import { parseSlo } from "./slo.ts";

const plan = (url: string, more: Partial<CapacityPlan> = {}): CapacityPlan => ({
  url,
  requests: [{ path: "/work", method: "GET", weight: 1 }],
  slo: parseSlo("p99<=250ms,errors<=0.1%"),
  workers: [],
  memoryMb: [],
  budgetS: 60,
  trialS: 2,
  confirmS: 4,
  connections: 256,
  timeoutS: 10,
  progress: new Progress(process.stderr, true),
  signal: new AbortController().signal,
  ...more,
});

describe("npm run capacity --url, against a server with a known capacity", () => {
  it("finds 200 req/s within 5 % for a server that serves one request at a time for 5 ms", async () => {
    await using server = await startSyntheticServer(5);
    const report = capacityReportSchema.parse(await runCapacity(plan(server.url, { requireRps: 150 })));
    const [measured] = report.configurations;
    expect(measured!.error).toBeUndefined();
    expect(measured!.capacityRps).toBeGreaterThanOrEqual(server.capacityRps * 0.95);
    expect(measured!.capacityRps).toBeLessThanOrEqual(server.capacityRps * 1.05);
    expect(measured!.confirmed).toBe(true);
    expect(measured!.firstFailRps).toBeGreaterThan(measured!.capacityRps);
    expect(measured!.atCapacity!.latencyMs.p99).toBeLessThanOrEqual(250);
    // --url sees no processes: it says so rather than guess (or names the machine's CPU, when tests around it kept it busy).
    expect(["unknown", "machine-cpu"]).toContain(measured!.limiting.kind);
    if (measured!.limiting.kind === "unknown") expect(measured!.limiting.summary).toMatch(/cannot see the service's processes/);
    expect(report).toMatchObject({ status: "passed", requireRps: 150, url: server.url, target: null });
  });

  it("fails a --require the service cannot meet", async () => {
    await using server = await startSyntheticServer(20);
    const report = await runCapacity(plan(server.url, { requireRps: 100, budgetS: 25 }));
    expect(report.configurations[0]!.capacityRps).toBeLessThan(55);
    expect(report.configurations[0]!.meetsRequirement).toBe(false);
    expect(report.status).toBe("failed");
    expect(report.summary).toMatch(/below the required 100 req\/s/);
  });
});
