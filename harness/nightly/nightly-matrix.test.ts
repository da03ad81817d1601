import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readBaseline } from "../baseline/baseline.ts";
import { SUITE_NAMES, suiteWorkers } from "../images/suites.ts";
import { loadScenario, scenarioNames } from "../scenario/catalogue.ts";
import { loadTarget } from "../target/load-target.ts";
import { nightlyMatrix } from "./nightly-matrix.ts";

const BASELINE = fileURLToPath(new URL("../../reports/baseline.json", import.meta.url));

describe("the nightly's matrix", () => {
  it("runs every scenario that fits on every suite and each of its worker classes, in that order", async () => {
    const [smoke, deploy] = await Promise.all(["smoke", "deploy"].map((name) => loadScenario(name)));
    const { runs } = nightlyMatrix({ suites: ["trixie", "sid"] }, [smoke!, deploy!], await loadTarget());
    const sid = suiteWorkers("sid").map((worker) => (worker === "uvicorn" ? "sid" : `sid-${worker}`));
    expect(runs.map((r) => r.key)).toEqual(["trixie", ...sid].flatMap((stack) => [`demo/smoke/${stack}`, `demo/deploy/${stack}`]));
  });

  it("is covered by reports/baseline.json: a run it lacks would be judged against nothing", async () => {
    const scenarios = await Promise.all(scenarioNames().map((name) => loadScenario(name)));
    const { runs } = nightlyMatrix({ suites: SUITE_NAMES }, scenarios, await loadTarget());
    const baseline = readBaseline(BASELINE);
    const missing = runs.map((r) => r.key).filter((key) => !baseline?.scenarios[key]);
    expect(
      missing,
      `reports/baseline.json has no entry for ${missing.join(", ")}: the nightly would print "no baseline for" them and judge ` +
        "nothing. Record them from real runs: npm run nightly -- --update-baseline (narrow it with --suite and --scenario).",
    ).toEqual([]);
  });
});
