import { describe, expect, it } from "vitest";
import type { ConfigurationResult } from "./capacity-result.ts";
import { compareRounds } from "./run-capacity.ts";

const round = (label: string, capacityRps: number, error?: string): ConfigurationResult =>
  ({
    label,
    role: label.startsWith("reference") ? "reference" : "candidate",
    capacityRps,
    ...(error && { error }),
  }) as ConfigurationResult;

describe("the A B B A comparison", () => {
  it("flags a drop larger than the spread between rounds of the same build", () => {
    const [verdict] = compareRounds("app:1.4", [
      round("reference #1", 400),
      round("candidate #1", 300),
      round("candidate #2", 310),
      round("reference #2", 405),
    ]).byConfiguration;
    expect(verdict).toMatchObject({
      configuration: "default",
      referenceRps: [400, 405],
      candidateRps: [300, 310],
      spreadRps: 10,
      dropRps: 97.5,
      regression: true,
    });
    expect(verdict!.verdict).toMatch(
      /^regression: 97\.5 req\/s lower \(24 %\), beyond the 20\.1 req\/s that rounds of one build differ by \(spread 10, at least 5 %\)/,
    );
  });

  it("does not flag a drop within the spread, nor a faster candidate", () => {
    const within = compareRounds("x", [
      round("reference #1", 190),
      round("candidate #1", 168),
      round("candidate #2", 192),
      round("reference #2", 191),
    ]);
    expect(within.byConfiguration[0]).toMatchObject({ regression: false, spreadRps: 24 });
    const faster = compareRounds("x", [
      round("reference #1", 100),
      round("candidate #1", 150),
      round("candidate #2", 152),
      round("reference #2", 101),
    ]);
    expect(faster.byConfiguration[0]!.verdict).toMatch(/no regression: the candidate sustains 50\.5 req\/s more/);
  });

  it("keeps configurations apart, and does not judge one with a round missing", () => {
    const verdicts = compareRounds("x", [
      round("reference workers=1 #1", 200),
      round("candidate workers=1 #1", 100),
      round("candidate workers=1 #2", 100),
      round("reference workers=1 #2", 200),
      round("reference workers=2 #1", 400),
      round("candidate workers=2 #1", 0, "the app did not start"),
      round("candidate workers=2 #2", 380),
      round("reference workers=2 #2", 400),
    ]).byConfiguration;
    expect(verdicts.map((v) => [v.configuration, v.regression])).toEqual([
      ["workers=1", true],
      ["workers=2", false],
    ]);
    expect(verdicts[1]!.verdict).toBe("not judged: a round could not be measured");
  });
});
