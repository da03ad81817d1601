import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { toResultJson } from "../scenario/result-json.ts";
import { loadRunResult, RECORDED_RUNS, runFixtureFile } from "../testing/recorded-run.ts";
import { type BaselineEntry, baselineKey, compareToBaseline, readBaseline, tolerancesSchema, writeBaseline } from "./baseline.ts";

const work = mkdtempSync(join(tmpdir(), "baseline-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tolerances = tolerancesSchema.parse({});
const base: BaselineEntry = { status: "passed", deaths: { timeout: 1 }, bannersMissing: 0, errors: 4, p99Ms: 10, throughput: 5000 };
const compare = (change: Partial<BaselineEntry>) => compareToBaseline("worker-timeout/trixie", { ...base, ...change }, base, tolerances);
const kinds = (change: Partial<BaselineEntry>) => compare(change).map((r) => r.kind);
/**
 * The same behaviour on another machine: by default p99 three times the baseline's and half its throughput;
 * the retired tolerances (p99 × 3 + 25 ms, throughput × 0.5) flagged anything just beyond that.
 */
const slowerMachine = (entry: BaselineEntry, p99Times = 3, throughputTimes = 0.5): BaselineEntry => ({
  ...entry,
  p99Ms: entry.p99Ms * p99Times,
  throughput: entry.throughput * throughputTimes,
});

const COMMITTED_BASELINE = fileURLToPath(new URL("../../reports/baseline.json", import.meta.url));

describe("compareToBaseline", () => {
  it("ignores noise within the tolerances", () => {
    expect(compare({ errors: 17, deaths: { timeout: 1 } })).toEqual([]);
    expect(compare({ deaths: { timeout: 2 } })).toEqual([]); // a count that varies is not a new cause
  });

  it("flags a new death cause, and a cause that disappeared", () => {
    expect(compare({ deaths: { timeout: 1, sigkill: 1 } })).toMatchObject([
      { kind: "death-cause", message: "new death cause: 1 sigkill (none in the baseline)" },
    ]);
    expect(compare({ deaths: {} })).toMatchObject([{ kind: "death-cause", message: "death cause changed: no timeout now (baseline: 1)" }]);
  });

  it("flags banners newly missing", () => {
    expect(compare({ bannersMissing: 1 })).toMatchObject([{ kind: "banner-missing", message: "banners newly missing: 1 (baseline: 0)" }]);
  });

  it("flags a run that no longer passes its expectations (errors over its own budget among them)", () => {
    expect(kinds({ status: "failed" })).toEqual(["expectations"]);
  });

  it("flags errors beyond their tolerance, saying by how much", () => {
    expect(compare({ errors: 19 })).toMatchObject([{ kind: "errors", message: "errors 19 over the tolerance of 18 (baseline: 4)" }]);
  });

  it("uses the baseline file's own tolerances", () => {
    const strict = tolerancesSchema.parse({ errorsFactor: 1, errorsSlack: 0 });
    expect(compareToBaseline("k", { ...base, errors: 5 }, base, strict).map((r) => r.kind)).toEqual(["errors"]);
  });

  it("never judges p99 or throughput against the baseline, however far they are from the recording machine's", () => {
    expect(compare({ p99Ms: 10_000, throughput: 1 })).toEqual([]);
    expect(compare({ p99Ms: 0.1, throughput: 1_000_000 })).toEqual([]);
  });
});

describe("a nightly on a machine other than the baseline's", () => {
  it("reports no regression when behaviour matches, with p99 3x and throughput half the baseline's", () => {
    expect(compare(slowerMachine(base))).toEqual([]);
    expect(compare(slowerMachine(base, 10, 0.1))).toEqual([]); // far slower still: not a regression either
  });

  it("reports no regression for any entry of the committed baseline replayed on a machine half as fast", () => {
    const baseline = readBaseline(COMMITTED_BASELINE);
    const entries = Object.entries(baseline?.scenarios ?? {});
    expect(entries.length).toBeGreaterThan(0);
    for (const [p99Times, throughputTimes] of [
      [3, 0.5],
      [4, 0.45],
    ] as const) {
      const regressions = entries.flatMap(([key, entry]) =>
        compareToBaseline(key, slowerMachine(entry, p99Times, throughputTimes), entry, baseline!.tolerances),
      );
      expect(regressions).toEqual([]);
    }
  });

  it("still reports a changed death cause, a newly missing banner and a failed expectation", () => {
    const elsewhere = slowerMachine(base);
    const regressions = (change: Partial<BaselineEntry>) =>
      compareToBaseline("worker-timeout/trixie", { ...elsewhere, ...change }, base, tolerances).map((r) => r.kind);
    expect(regressions({ deaths: { sigkill: 1 } })).toEqual(["death-cause", "death-cause"]);
    expect(regressions({ bannersMissing: 1 })).toEqual(["banner-missing"]);
    expect(regressions({ status: "failed" })).toEqual(["expectations"]);
    expect(regressions({ errors: 19 })).toEqual(["errors"]);
  });
});

describe("the error tolerance on a machine that sends more (or fewer) requests", () => {
  const recorded: BaselineEntry = { ...base, errors: 100, requests: 10_000 };
  const on = (errors: number, requests: number) =>
    compareToBaseline("db-outage/trixie", { ...recorded, errors, requests }, recorded, tolerances).map((r) => r.message);

  it("scales the baseline's share of failed requests to this run's request count", () => {
    // Three times the requests, three times the errors during the same outage: the same 1 %.
    expect(on(300, 30_000)).toEqual([]);
    expect(on(30, 3_000)).toEqual([]);
  });

  it("still flags a share of failures beyond the tolerance, saying both shares", () => {
    expect(on(900, 30_000)).toEqual([
      "errors 900 of 30000 requests (3 %) over the tolerance of 610 (baseline: 100 of 10000 requests (1 %))",
    ]);
  });

  it("compares counts when the baseline has no request count (written before it was recorded)", () => {
    const old: BaselineEntry = { ...base, errors: 100 };
    expect(compareToBaseline("k", { ...old, errors: 300, requests: 30_000 }, old, tolerances).map((r) => r.kind)).toEqual(["errors"]);
  });
});

describe("baseline.json", () => {
  const write = (name: string, value: unknown) => {
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const scenarios = { "demo/worker-timeout/trixie": base };

  it("still loads a baseline written with the retired p99 and throughput tolerances, and drops them", () => {
    const file = write("old.json", {
      version: 1,
      updatedAt: "2026-11-01T00:00:00.000Z",
      tolerances: { p99Factor: 3, p99SlackMs: 25, throughputFactor: 0.5, errorsFactor: 3, errorsSlack: 1 },
      scenarios,
    });
    expect(readBaseline(file)?.tolerances).toEqual({ errorsFactor: 3, errorsSlack: 1 });
  });

  it("takes the default tolerances when the file has none, and still refuses a misspelt one", () => {
    expect(readBaseline(write("bare.json", { version: 1, updatedAt: "x", scenarios }))?.tolerances).toEqual({
      errorsFactor: 2,
      errorsSlack: 10,
    });
    expect(() => readBaseline(write("typo.json", { version: 1, updatedAt: "x", tolerances: { errorFactor: 2 }, scenarios }))).toThrow(
      /tolerances: Unrecognized key: "errorFactor"/,
    );
  });

  it("is rewritten without the retired tolerances", () => {
    const file = join(work, "rewritten.json");
    const previous = readBaseline(write("previous.json", { version: 1, updatedAt: "x", tolerances: { p99Factor: 3 }, scenarios }));
    writeBaseline(file, [], previous);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ tolerances: { errorsFactor: 2, errorsSlack: 10 }, scenarios });
    expect(JSON.parse(readFileSync(file, "utf8")).tolerances).not.toHaveProperty("p99Factor");
  });

  it("records each run's duration (for --shard), never judges it, and still loads an entry without one", () => {
    const run = toResultJson(loadRunResult(runFixtureFile(RECORDED_RUNS[0])));
    const file = join(work, "with-durations.json");
    const written = writeBaseline(file, [run], readBaseline(write("no-durations.json", { version: 1, updatedAt: "x", scenarios })));
    expect(written.scenarios[baselineKey(run)]?.durationS).toBeCloseTo(run.durationS, 1);
    expect(readBaseline(file)?.scenarios[baselineKey(run)]?.durationS).toBeGreaterThan(0);
    expect(readBaseline(file)?.scenarios["demo/worker-timeout/trixie"]).toBeDefined();
    expect(compareToBaseline("k", { ...base, durationS: 500 }, { ...base, durationS: 5 }, tolerances)).toEqual([]);
  });
});
