/** One run a scenario would make (a scenario runs once per suite and worker class), with its estimated duration. */
export interface EstimatedRun {
  scenario: string;
  estimateS: number;
}

export interface BudgetPlan {
  /** The scenarios chosen, in the order given. */
  scenarios: string[];
  /** Their runs' estimated total. */
  estimateS: number;
  /** The scenarios left out, with their estimates. */
  leftOut: { scenario: string; estimateS: number }[];
}

/**
 * The scenarios whose runs fit `budgetS` together: the cheapest first (ties in the order given), so a budget buys as many
 * scenarios as it can; each scenario counts all its runs. Returned in the order given.
 */
export function withinBudget(runs: readonly EstimatedRun[], budgetS: number): BudgetPlan {
  const cost = new Map<string, number>();
  for (const run of runs) cost.set(run.scenario, (cost.get(run.scenario) ?? 0) + run.estimateS);
  const order = [...cost.keys()];
  const chosen = new Set<string>();
  let total = 0;
  for (const [scenario, estimateS] of [...cost].sort((a, b) => a[1] - b[1] || order.indexOf(a[0]) - order.indexOf(b[0]))) {
    if (total + estimateS > budgetS) break;
    chosen.add(scenario);
    total += estimateS;
  }
  return {
    scenarios: order.filter((s) => chosen.has(s)),
    estimateS: total,
    leftOut: order.filter((s) => !chosen.has(s)).map((scenario) => ({ scenario, estimateS: cost.get(scenario)! })),
  };
}
