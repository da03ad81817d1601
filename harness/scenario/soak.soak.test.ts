// npm run test:soak: one scenario driven for 5 minutes (load, and a fault every 20 s), watching the harness
// itself: its memory and open file descriptors must stay flat, and every worker death must be classified.
// Opt-in (about 6 minutes), not part of npm test.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Progress } from "../core/progress.ts";
import type { FaultSpecInput } from "../faults/fault-spec.ts";
import { defineScenario, validateScenario } from "./define-scenario.ts";
import { runScenario } from "./run-scenario.ts";

const DURATION_S = Number(process.env.SOAK_DURATION_S ?? 300);
const FAULT_EVERY_S = 20;

/** Signals, a frozen worker, a blocked event loop and the database's faults, in turn. */
const ROTATION: FaultSpecInput[] = [
  { at: 0, action: "signal-worker", signal: "TERM", worker: "oldest" },
  { at: 0, action: "signal-worker", signal: "KILL", worker: "newest" },
  { at: 0, action: "request", role: "block-event-loop" },
  { at: 0, action: "db-latency", ms: 200, jitterMs: 50, forS: 5 },
  { at: 0, action: "signal-master", signal: "TTIN" },
  { at: 0, action: "signal-master", signal: "TTOU" },
  { at: 0, action: "worker-freeze", worker: "oldest" },
  { at: 0, action: "db-reset" },
];

interface Sample {
  atS: number;
  heapMb: number;
  rssMb: number;
  fds: number;
}

describe(`a ${DURATION_S} s soak`, () => {
  it("keeps the harness's memory and file descriptors flat, and classifies every death", {
    timeout: (DURATION_S + 120) * 1000,
  }, async () => {
    const faults = Array.from({ length: Math.floor((DURATION_S - 5) / FAULT_EVERY_S) }, (_, i) => ({
      ...ROTATION[i % ROTATION.length]!,
      at: 5 + i * FAULT_EVERY_S,
    }));
    const scenario = validateScenario(
      defineScenario({
        name: "soak",
        description: `load for ${DURATION_S} s with a fault every ${FAULT_EVERY_S} s`,
        stack: { workers: 3, timeoutS: 5, gracefulTimeoutS: 2 },
        load: { durationS: DURATION_S, connections: 8, timeoutS: 15, requests: [{ role: "health", weight: 3 }, { role: "db" }] },
        faults,
        settle: { maxS: 5 },
        expect: {},
      }),
      "soak.soak.test.ts",
    );
    const samples: Sample[] = [];
    const started = Date.now();
    const sample = () => {
      const memory = process.memoryUsage();
      samples.push({
        atS: Math.round((Date.now() - started) / 1000),
        heapMb: Math.round(memory.heapUsed / 2 ** 20),
        rssMb: Math.round(memory.rss / 2 ** 20),
        fds: readdirSync("/proc/self/fd").length,
      });
    };
    const timer = setInterval(sample, 10_000);
    const result = await runScenario(scenario, { progress: new Progress(process.stderr), signal: new AbortController().signal }).finally(
      () => clearInterval(timer),
    );
    sample();
    console.log(samples.map((s) => `${s.atS}s heap ${s.heapMb} MB rss ${s.rssMb} MB fds ${s.fds}`).join("\n"));
    const causes: Record<string, number> = {};
    for (const death of result.observed.deaths) causes[death.cause] = (causes[death.cause] ?? 0) + 1;
    console.log(`${faults.length} faults, ${result.observed.load?.completed} requests, deaths by cause: ${JSON.stringify(causes)}`);

    expect(result.error).toBeUndefined();
    expect(result.observed.load?.completed).toBeGreaterThan(DURATION_S * 50);
    // Every death has a cause the classifier is sure of.
    expect(result.observed.deaths.length).toBeGreaterThan(faults.length / 2);
    expect(result.observed.deaths.filter((d) => d.cause === "unknown").map((d) => d.pid)).toEqual([]);
    // Flat: after the first minute (warm-up), the last minute's figures against the second minute's.
    const window = (fromS: number, toS: number) => samples.filter((s) => s.atS >= fromS && s.atS < toS);
    const early = window(60, 120);
    const late = window(DURATION_S - 60, DURATION_S + 60);
    const mean = (xs: Sample[], key: keyof Sample) => xs.reduce((n, s) => n + s[key], 0) / Math.max(1, xs.length);
    expect(mean(late, "heapMb"), "heap, MB").toBeLessThan(mean(early, "heapMb") * 1.5 + 20);
    expect(mean(late, "rssMb"), "RSS, MB").toBeLessThan(mean(early, "rssMb") * 1.3 + 40);
    expect(Math.max(...late.map((s) => s.fds)), "open file descriptors").toBeLessThanOrEqual(Math.max(...early.map((s) => s.fds)) + 10);
  });
});
