import { describe, expect, it } from "vitest";
import { classifyRun } from "../classify/classify-run.ts";
import { newRunContext, RUN_LABEL } from "../cleanup/run-context.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { isExitLine } from "../events/worker-roster.ts";
import { FaultSchedule } from "../faults/fault-schedule.ts";
import { SUITE_NAMES } from "../images/suites.ts";
import { Observations } from "./observations.ts";
import { Stack } from "./stack.ts";

async function containersOf(runId: string) {
  return dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }) });
}

describe.each(SUITE_NAMES)("the real stack on %s", (stackName) => {
  it("boots N workers with N distinct pids, and a deploy ends each of them with an exit line", async () => {
    const run = newRunContext(`stack-test-${stackName}`);
    {
      await using stack = await new Stack({ suite: stackName, workers: 3 }).start({ run });

      const roster = stack.roster();
      expect(roster.booted).toHaveLength(3);
      expect(new Set(roster.booted).size).toBe(3);
      expect([...roster.ready].sort()).toEqual([...roster.booted].sort());
      // The log's story agrees with the process table.
      const live = await stack.app.liveWorkers();
      expect(live.map((p) => p.pid).sort()).toEqual([...roster.booted].sort());
      expect(await containersOf(run.runId)).toHaveLength(2);

      await stack.app.signalMaster("TERM");
      const state = await stack.waitForAppExit(30_000);
      expect(state).toMatchObject({ running: false, exitCode: 0 });
      await stack.logs.drain();

      const events = stack.events.all;
      expect(events.filter((e) => e.kind === "master-signal")).toMatchObject([{ signal: "SIGTERM", loggedBy: 1 }]);
      const exits = events.filter(isExitLine);
      // gunicorn 23+ with uvicorn 0.29+: "was sent SIGTERM!" (at INFO from gunicorn 24.1); gunicorn 20.1 + uvicorn 0.17: "Worker exiting"
      const expectedKind = stackName === "bookworm" ? "worker-exiting" : "worker-signaled";
      const exitsOfKind = exits.filter((e) => e.kind === expectedKind);
      expect(exitsOfKind.map((e) => e.pid).sort()).toEqual([...roster.booted].sort());
      if (stackName !== "bookworm") expect(exitsOfKind.every((e) => e.kind === "worker-signaled" && e.signal === "SIGTERM")).toBe(true);
      expect(events.filter((e) => e.kind === "master-shutdown")).toHaveLength(1);
      expect(events.some((e) => e.kind === "container" && e.action === "die" && e.attributes.exitCode === "0")).toBe(true);
      expect(stack.logs.unparsedCount).toBe(0);
    }
    expect(await containersOf(run.runId)).toEqual([]);
  });
});

describe("control and evidence", () => {
  it("signals one worker by pid, sees its exit and its replacement, and reads the memory cgroup", async () => {
    await using stack = await new Stack({ workers: 2, memoryLimitMb: 512 }).start({ run: newRunContext("stack-test-control") });
    const [victim, survivor] = stack.roster().booted as [number, number];
    expect(await new FaultSchedule(stack).injectIntoWorker({ action: "signal-worker", signal: "KILL", worker: "oldest" })).toBe(victim);
    const exit = await stack.events.waitFor((e) => e.kind === "worker-signaled" && e.pid === victim, 10_000, `an exit line for ${victim}`);
    expect(exit).toMatchObject({ signal: "SIGKILL", loggedBy: 1 });
    await stack.events.waitFor((e) => e.kind === "worker-ready" && e.pid !== victim && e.pid !== survivor, 15_000, "a replacement worker");
    const live = (await stack.app.liveWorkers()).map((p) => p.pid);
    expect(live).toContain(survivor);
    expect(live).not.toContain(victim);
    expect(live).toHaveLength(2);
    expect(stack.events.all.filter((e) => e.kind === "fault")).toMatchObject([
      { action: "signal-worker", target: "worker", pid: victim, signal: "SIGKILL" },
    ]);

    const memory = await stack.app.memory();
    expect(memory).toMatchObject({ oomKills: 0, limitBytes: 512 * 1024 * 1024 });
    expect(memory!.usageBytes).toBeGreaterThan(10 * 1024 * 1024);
    await expect(stack.app.signalWorker(1, "TERM")).rejects.toThrow(/not a worker pid/);
  });
});

describe("a stack that cannot boot", () => {
  it("fails with the app's own last words and leaves nothing behind", async () => {
    const run = newRunContext("stack-test-no-db");
    const observations = new Observations();
    const start = new Stack({ workers: 1, db: { running: false }, startup: { stepTimeoutS: 0.5, totalTimeoutS: 1.5 } }).start({
      run,
      observations,
    });
    await expect(start).rejects.toThrow(/master halted: Worker failed to boot[\s\S]*database unreachable/);
    expect(await containersOf(run.runId)).toEqual([]);
    // What was observed outlives the stack: the death is classified, and says why.
    const { deaths } = classifyRun(observations.events.all);
    expect(deaths).toMatchObject([
      { cause: "boot-failure", severity: "critical", summary: expect.stringMatching(/^failed to boot: .*database unreachable/) },
    ]);
  });
});
