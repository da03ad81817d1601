import { describe, expect, it } from "vitest";
import { type BaselineEntry, compareToBaseline, tolerancesSchema } from "./baseline.ts";

const tolerances = tolerancesSchema.parse({});
const base: BaselineEntry = { status: "passed", deaths: { timeout: 1 }, bannersMissing: 0, errors: 4, p99Ms: 10, throughput: 5000 };
const compare = (change: Partial<BaselineEntry>) => compareToBaseline("worker-timeout/trixie", { ...base, ...change }, base, tolerances);
const kinds = (change: Partial<BaselineEntry>) => compare(change).map((r) => r.kind);

describe("compareToBaseline", () => {
  it("ignores noise within the tolerances", () => {
    expect(compare({ errors: 17, p99Ms: 54, throughput: 2600, deaths: { timeout: 1 } })).toEqual([]);
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

  it("flags errors, p99 and throughput beyond their tolerances, saying by how much", () => {
    expect(compare({ errors: 19 })).toMatchObject([{ kind: "errors", message: "errors 19 over the tolerance of 18 (baseline: 4)" }]);
    expect(compare({ p99Ms: 56 })).toMatchObject([{ kind: "p99", message: "p99 56 ms beyond the tolerance of 55 ms (baseline: 10 ms)" }]);
    expect(compare({ throughput: 2499 })).toMatchObject([
      { kind: "throughput", message: "throughput 2499 req/s below the tolerance of 2500 (baseline: 5000)" },
    ]);
  });

  it("uses the baseline file's own tolerances", () => {
    const strict = tolerancesSchema.parse({ p99Factor: 1, p99SlackMs: 0 });
    expect(compareToBaseline("k", { ...base, p99Ms: 11 }, base, strict).map((r) => r.kind)).toEqual(["p99"]);
  });
});
