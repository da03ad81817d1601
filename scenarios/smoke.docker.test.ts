import { describe, expect, it } from "vitest";
import { Progress } from "../harness/cli/progress.ts";
import { loadScenario } from "../harness/scenario/catalogue.ts";
import { evaluateExpectations } from "../harness/scenario/expectations.ts";
import { runScenario } from "../harness/scenario/run-scenario.ts";

describe("scenario smoke", () => {
  it("boots, takes load without errors, and a deploy ends every worker with a master line", async () => {
    const scenario = await loadScenario("smoke");
    const result = await runScenario(scenario, { progress: new Progress(process.stderr, true), signal: new AbortController().signal });

    expect(result.error).toBeUndefined();
    expect(result.expectations.filter((e) => !e.pass)).toEqual([]);
    expect(result.status).toBe("passed");
    expect(result.load!.completed).toBeGreaterThan(1000);
    expect(result.bootedBeforeFaults).toHaveLength(4);
    expect(result.events.filter((e) => e.kind === "fault")).toMatchObject([{ action: "signal-master", detail: "SIGTERM" }]);
    expect(result.endedAt - result.startedAt).toBeLessThan(20_000);

    // The same observations judged against wrong expectations must fail, and say why.
    const wrong = evaluateExpectations(
      { workersBooted: 5, masterShutdown: false, requests: { thresholds: { "requests.completed": "< 10" } } },
      result.observed,
    );
    expect(wrong.map((e) => [e.name, e.pass])).toEqual([
      ["workers booted", false],
      ["master shut down", false],
      ["requests.completed", false],
    ]);
    expect(wrong[0]!.observed).toMatch(/^4 \(/);
  });
});
