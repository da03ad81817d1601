import { describe, expect, it } from "vitest";
import { type SearchOptions, searchCapacity, type TrialVerdict } from "./search.ts";

/** A server that meets the SLO up to `capacity` req/s, on a fake clock that each trial advances. */
function fakeServer(
  capacity: number,
  more: { lagAbove?: number; confirmFailsAbove?: number; lagOnce?: boolean; missOnceAt?: number } = {},
) {
  let clock = 0;
  let lagged = false;
  let missedOnce = false;
  const trial = async (rateRps: number, durationS: number, phase: TrialVerdict["phase"]): Promise<TrialVerdict> => {
    clock += (durationS + 1) * 1000;
    let inconclusive = more.lagAbove !== undefined && rateRps > more.lagAbove ? "lagged" : undefined;
    if (more.lagOnce && !lagged) {
      lagged = true;
      inconclusive = "a stall";
    }
    const limit = phase === "confirm" && more.confirmFailsAbove !== undefined ? more.confirmFailsAbove : capacity;
    if (rateRps === more.missOnceAt && !missedOnce) {
      missedOnce = true;
      return { rateRps, durationS, phase, met: false, inconclusive };
    }
    return { rateRps, durationS, phase, met: rateRps <= limit, inconclusive };
  };
  const options = (peakRps: number, budgetS = 180): SearchOptions => ({
    peakRps,
    trialS: 3,
    confirmS: 8,
    deadline: budgetS * 1000,
    overheadS: 1,
    resolution: 0.03,
    now: () => clock,
  });
  return { trial, options };
}

describe("the capacity search", () => {
  it("brackets around the peak and bisects to within the resolution, then confirms", async () => {
    const { trial, options } = fakeServer(437);
    const outcome = await searchCapacity(trial, options(500));
    expect(outcome.confirmed).toBe(true);
    expect(outcome.capacityRps).toBeLessThanOrEqual(437);
    expect(outcome.capacityRps).toBeGreaterThan(437 * 0.97);
    expect(outcome.firstFailRps).toBeGreaterThan(437);
    expect(outcome.firstFailRps! - outcome.capacityRps).toBeLessThanOrEqual(0.03 * outcome.firstFailRps! + 1);
    expect(outcome.trials.at(-1)).toMatchObject({ phase: "confirm", met: true, rateRps: outcome.capacityRps });
  });

  it("widens the bracket when the closed-loop peak underestimates the server", async () => {
    const { trial, options } = fakeServer(900);
    const outcome = await searchCapacity(trial, options(200));
    expect(outcome.capacityRps).toBeGreaterThan(900 * 0.97);
    expect(outcome.capacityRps).toBeLessThanOrEqual(900);
  });

  it("steps down when the longer trial fails, and reports what failed", async () => {
    const { trial, options } = fakeServer(400, { confirmFailsAbove: 350 });
    const outcome = await searchCapacity(trial, options(400));
    expect(outcome.confirmed).toBe(true);
    expect(outcome.capacityRps).toBeLessThanOrEqual(350);
    expect(outcome.capacityRps).toBeGreaterThan(300);
    expect(outcome.firstFailRps).toBeGreaterThan(350);
  });

  it("says when the generator, not the server, set the top", async () => {
    const { trial, options } = fakeServer(10_000, { lagAbove: 3000 });
    const outcome = await searchCapacity(trial, options(2800));
    expect(outcome.generatorLimited).toBe(true);
    expect(outcome.capacityRps).toBeLessThanOrEqual(3000);
  });

  it("runs an inconclusive trial again, and then only the second attempt counts", async () => {
    const { trial, options } = fakeServer(437, { lagOnce: true });
    const outcome = await searchCapacity(trial, options(500));
    expect(outcome.trials[0]).toMatchObject({ inconclusive: "a stall", superseded: true });
    expect(outcome.trials[1]).toMatchObject({ rateRps: outcome.trials[0]!.rateRps });
    expect(outcome.trials[1]!.inconclusive).toBeUndefined();
    expect(outcome.generatorLimited).toBe(false);
    expect(outcome.capacityRps).toBeGreaterThan(437 * 0.97);
  });

  it("starts where it is told, and with retryMissed runs a missed trial again before it counts", async () => {
    const { trial, options } = fakeServer(437, { missOnceAt: 360 });
    const outcome = await searchCapacity(trial, { ...options(400), startRps: 360, retryMissed: true });
    expect(outcome.trials[0]).toMatchObject({ rateRps: 360, met: false, superseded: true });
    expect(outcome.trials[1]).toMatchObject({ rateRps: 360, met: true });
    expect(outcome.capacityRps).toBeGreaterThan(437 * 0.97);
    expect(outcome.capacityRps).toBeLessThanOrEqual(437);

    const once = fakeServer(437, { missOnceAt: 360 });
    const counted = await searchCapacity(once.trial, { ...once.options(400), startRps: 360 });
    expect(counted.trials[0]).toMatchObject({ rateRps: 360, met: false });
    expect(counted.trials[0]!.superseded).toBeUndefined();
    expect(counted.firstFailRps).toBeLessThanOrEqual(360);
  });

  it("keeps to its time budget, and says it was cut short", async () => {
    const { trial, options } = fakeServer(437);
    const outcome = await searchCapacity(trial, options(500, 30));
    const spentS = outcome.trials.reduce((s, t) => s + t.durationS + 1, 0);
    expect(spentS).toBeLessThanOrEqual(30);
    const none = await searchCapacity(trial, options(500, 5));
    expect(none).toMatchObject({ trials: [], capacityRps: 0, cutShort: "the time budget was too short for a single trial" });
    expect(outcome.cutShort).toMatch(/time budget/);
  });

  it("answers 0 when even the lowest rate fails", async () => {
    const { trial, options } = fakeServer(0);
    const outcome = await searchCapacity(trial, options(50));
    expect(outcome.capacityRps).toBe(0);
    expect(outcome.confirmed).toBe(false);
    expect(outcome.firstFailRps).toBeLessThanOrEqual(2);
  });
});
