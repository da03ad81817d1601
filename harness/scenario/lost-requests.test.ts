import { describe, expect, it } from "vitest";
import { classifyRun } from "../classify/classify-run.ts";
import type { RunEvent } from "../events/events.ts";
import { workerRoster } from "../events/worker-roster.ts";
import { totalErrors } from "../load/load-result.ts";
import { bootedPerReplica, loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { evaluateExpectations } from "./expectations.ts";
import { describeLostRequests, traceLostRequests } from "./lost-requests.ts";

/** A real rolling deploy, naive profile (SIGTERM while the balancer still routes to the old replica), 3 replicas on trixie. */
const run = loadRunResult(runFixtureFile(RECORDED_RUNS.find((r) => r.scenario === "rolling-deploy")!));
const { events, load } = run.observed;

describe("users' losses traced to the deploy step that caused them", () => {
  const traced = traceLostRequests(events, load);

  it("counts what the users lost, and finds each in the balancer's log", () => {
    expect(traced.lost).toBe(totalErrors(load!.errors) + load!.non2xx);
    expect(traced.lost).toBeGreaterThan(0);
    expect(traced.untraced).toBe(0);
    expect(traced.steps.reduce((n, s) => n + s.lost, 0)).toBe(traced.lost);
  });

  it("puts every loss in the SIGTERM step of the replica the balancer still sent it to", () => {
    expect(traced.steps.map((s) => [s.step?.round, s.step?.action, s.servers])).toEqual([
      [1, "sigterm", ["web-1"]],
      [2, "sigterm", ["web-2"]],
      [3, "sigterm", ["web-3"]],
    ]);
    for (const step of traced.steps) expect(Object.keys(step.byOutcome)).toEqual(["503 SC--"]);
  });

  it("says it in one sentence: how many, in which steps, and what the balancer saw", () => {
    expect(describeLostRequests(traced)).toMatch(
      /^\d+ lost: \d+ in round 1, at "SIGTERM to web-1's master \(the router still sends it requests\)" \(on web-1\); .* — 503 SC-- ×\d+: the server aborted or refused while connecting$/,
    );
  });

  it("judges the lostRequests expectation on it, naming the step", () => {
    const [result] = evaluateExpectations({ lostRequests: 0 }, run.observed);
    expect(result).toMatchObject({ name: "lost requests", expected: "no request lost", pass: false });
    expect(result!.observed).toContain("in round 2, at \"SIGTERM to web-2's master");
    expect(evaluateExpectations({ lostRequests: traced.lost }, run.observed)[0]!.pass).toBe(true);
  });

  it("puts a loss before the first step in 'before the deploy', and one the balancer did not log in 'untraced'", () => {
    const first = events.find((e) => e.kind === "deploy")!;
    const early = events.find((e) => e.kind === "lb-request" && e.acceptedAt < first.at)!;
    const failedEarly = { ...early, status: 502, termination: "SH--" } as RunEvent;
    const moreLost = { ...load!, non2xx: load!.non2xx + 2 };
    const again = traceLostRequests([failedEarly, ...events], moreLost);
    expect(again.steps[0]).toMatchObject({ step: undefined, lost: 1, byOutcome: { "502 SH--": 1 } });
    expect(again.untraced).toBe(1);
    expect(describeLostRequests(again)).toMatch(/1 in before the deploy .*; 1 not in the balancer's log/);
  });
});

describe("the same pid in two replicas is two workers", () => {
  const original = ["web-1", "web-2", "web-3"];
  const booted = bootedPerReplica(run, original);

  it("was recorded with pids repeated across replicas (two workers each), which the rosters must keep apart", () => {
    for (const instance of original) expect(booted.get(instance), instance).toHaveLength(2);
    const all = [...booted.values()].flat();
    expect(new Set(all).size).toBeLessThan(all.length);
  });

  it("gives each replica its own roster: the pids its own log lines booted", () => {
    for (const instance of original) expect([...workerRoster(events, instance).booted].sort((a, b) => a - b)).toEqual(booted.get(instance));
    expect(run.observed.replicas?.map((r) => r.instance)).toEqual(["web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]);
  });

  it("classifies each replica on its own evidence: six deaths, each a shutdown named by its replica", () => {
    const { deaths, banners } = classifyRun(events);
    expect(deaths.map((d) => `${d.instance}/${d.pid} ${d.cause}`).sort()).toEqual(
      original.flatMap((instance) => booted.get(instance)!.map((pid) => `${instance}/${pid} shutdown`)).sort(),
    );
    expect(banners.checks.every((c) => c.instance && c.missing.length === 0)).toBe(true);
    expect(banners.unexpected).toEqual([]);
  });
});
