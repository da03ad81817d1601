import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { totalErrors } from "../load/load-result.ts";
import { bootedPerReplica, loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { RESULT_JSON_SCHEMA, resultSchema, toResultJson } from "./result-json.ts";

const [timeoutRun, , , rollingDeploy] = RECORDED_RUNS.map((recorded) => loadRunResult(runFixtureFile(recorded)));

describe("reports/result.schema.json", () => {
  it("is the JSON Schema of the code's own result.json schema (regenerate with npm run schema)", () => {
    expect(readFileSync(RESULT_JSON_SCHEMA.file, "utf8")).toBe(RESULT_JSON_SCHEMA.text());
  });
});

describe("result.json of a recorded rolling deploy (naive profile, 3 replicas)", () => {
  const json = toResultJson(rollingDeploy!);
  const load = rollingDeploy!.observed.load!;

  it("is valid against its schema, through a JSON round trip", () => {
    const read = JSON.parse(JSON.stringify(json));
    expect(resultSchema.parse(read)).toEqual(read);
  });

  it("deploy: the profile and its 18 steps, 6 in each of 3 rounds, timed from the load's start", () => {
    expect(json.deploy).toMatchObject({ profile: "naive", summary: expect.stringMatching(/^SIGTERM first, routing change after/) });
    const steps = json.deploy!.steps;
    expect(steps).toHaveLength(18);
    expect([1, 2, 3].map((round) => steps.filter((s) => s.round === round).length)).toEqual([6, 6, 6]);
    expect(steps.map((s) => s.round)).toEqual([...steps.map((s) => s.round)].sort());
    for (const s of steps) expect(s.offsetS).toBeCloseTo((Date.parse(s.at) - load.startedAt) / 1000, 3);
    expect(steps.filter((s) => s.action === "sigterm").map((s) => s.instance)).toEqual(["web-1", "web-2", "web-3"]);
    expect(steps.filter((s) => s.action === "healthy").map((s) => s.instance)).toEqual(["web-4", "web-5", "web-6"]);
  });

  it("deploy.lost: as many as the load lost, each traced to the SIGTERM of the replica the balancer still sent it to", () => {
    const { total, untraced, byStep } = json.deploy!.lost;
    expect(total).toBe(totalErrors(load.errors) + load.non2xx);
    expect(total).toBeGreaterThan(0);
    expect(untraced).toBe(0);
    expect(byStep.reduce((n, s) => n + s.lost, 0)).toBe(total);
    const losing = byStep.filter((s) => s.lost > 0);
    expect(losing.map((s) => s.round)).toEqual([1, 2, 3]);
    for (const s of losing) {
      expect(s.action).toBe("sigterm");
      expect(s.servers).toEqual([s.instance]);
      expect(Object.keys(s.byOutcome)).toEqual(["503 SC--"]);
    }
  });

  it("deaths and banners name their replica: the pids each of web-1, web-2 and web-3 booted", () => {
    const workers = (list: Array<{ pid: number; instance: string | null }>) => list.map((w) => `${w.instance}/${w.pid}`).sort();
    const booted = bootedPerReplica(rollingDeploy!, ["web-1", "web-2", "web-3"]);
    expect(workers(json.deaths)).toEqual([...booted].flatMap(([instance, pids]) => pids.map((pid) => `${instance}/${pid}`)).sort());
    expect(workers(json.banners.seen)).toEqual(workers(json.deaths));
    expect(json.banners.missing).toEqual([]);
    expect(json.banners.unexpected).toEqual([]);
  });
});

describe("result.json of a run without replicas", () => {
  const json = toResultJson(timeoutRun!);

  it("has no deploy and no replica on its deaths and banners", () => {
    expect(json.deploy).toBeNull();
    expect(json.deaths.map((d) => d.instance)).toEqual([null]);
    expect(json.banners.seen.map((b) => b.instance)).toEqual([null]);
  });

  it("a result.json written before replicas (no deploy, no instance) still reads, as none", () => {
    const { deploy: _none, ...older } = JSON.parse(JSON.stringify(json));
    for (const d of older.deaths) delete d.instance;
    for (const b of older.banners.seen) delete b.instance;
    expect(resultSchema.parse(older)).toEqual(JSON.parse(JSON.stringify(json)));
  });
});
