import { describe, expect, it } from "vitest";
import { newRunContext } from "../cleanup/run-context.ts";
import { Progress } from "../core/progress.ts";
import { runOpenLoop } from "../load/open-loop.ts";
import { Stack } from "../stack/stack.ts";
import { loadTarget } from "../target/load-target.ts";
import { measureStack } from "./measure-configuration.ts";
import { judgeTrial, parseSlo } from "./slo.ts";

describe("npm run capacity on the demo target", () => {
  it("reports a capacity that 0.9x of meets the SLO and 1.15x of does not, limited by the worker's CPU", async () => {
    const target = await loadTarget();
    const slo = parseSlo("p99<=250ms,errors<=0.1%");
    const path = target.paths.cpu!;
    await using stack = await new Stack({ workers: 1 }, target).start({ run: newRunContext("capacity-test") });
    const measured = await measureStack(
      {
        requests: [{ path, method: "GET", weight: 1 }],
        slo,
        budgetS: 75,
        trialS: 3,
        confirmS: 5,
        connections: 256,
        timeoutS: 10,
        progress: new Progress(process.stderr, true),
        signal: new AbortController().signal,
      },
      stack,
    );
    expect(measured.confirmed).toBe(true);
    expect(measured.capacityRps).toBeGreaterThan(20);
    // Each request is 5 ms of CPU on one worker: CPU holds it, the worker's own core (or, on a machine busy
    // with other tests, the machine's), with the worker's share per pid in the evidence.
    expect(["worker-cpu", "machine-cpu"], measured.limiting.summary).toContain(measured.limiting.kind);
    expect(measured.limiting.evidence.join("\n")).toMatch(/^worker \d+: \d+ % of a core$/m);
    expect(measured.versions).toMatchObject({ http: expect.stringMatching(/httptools/), loop: expect.stringMatching(/uvloop/) });

    const at = async (factor: number) => {
      const rate = Math.round(measured.capacityRps * factor);
      const result = await runOpenLoop(stack.url, {
        rate,
        durationS: 5,
        maxRequests: 100_000,
        connections: 256,
        timeoutS: 10,
        requests: [{ path, method: "GET", weight: 1 }],
      });
      await new Promise((resolve) => setTimeout(resolve, 3000)); // let a queue drain
      return { rate, judged: judgeTrial(result, slo), inconclusive: result.openLoop!.inconclusive };
    };
    const below = await at(0.9);
    const above = await at(1.15);
    expect(below.inconclusive).toBeUndefined();
    expect(below.judged, `${below.rate} req/s`).toMatchObject({ met: true, missed: [] });
    expect(above.judged.met, `${above.rate} req/s`).toBe(false);
  });
});
