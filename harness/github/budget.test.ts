import { describe, expect, it } from "vitest";
import { withinBudget } from "./budget.ts";

// Three scenarios, each run on two stacks: deploy 2 × 20 s, smoke 2 × 10 s, lb-keepalive 2 × 30 s.
const runs = ["trixie", "bookworm"].flatMap(() => [
  { scenario: "deploy", estimateS: 20 },
  { scenario: "smoke", estimateS: 10 },
  { scenario: "lb-keepalive", estimateS: 30 },
]);

describe("withinBudget", () => {
  it("buys the cheapest scenarios first, counting every run of each, and keeps the order given", () => {
    expect(withinBudget(runs, 60)).toEqual({
      scenarios: ["deploy", "smoke"],
      estimateS: 60,
      leftOut: [{ scenario: "lb-keepalive", estimateS: 60 }],
    });
    expect(withinBudget(runs, 59).scenarios).toEqual(["smoke"]);
    expect(withinBudget(runs, 120).scenarios).toEqual(["deploy", "smoke", "lb-keepalive"]);
  });

  it("chooses nothing when the cheapest does not fit", () => {
    expect(withinBudget(runs, 19)).toEqual({
      scenarios: [],
      estimateS: 0,
      leftOut: [
        { scenario: "deploy", estimateS: 40 },
        { scenario: "smoke", estimateS: 20 },
        { scenario: "lb-keepalive", estimateS: 60 },
      ],
    });
  });
});
