import { describe, expect, it } from "vitest";
import { newRunContext, RUN_LABEL } from "../cleanup/run-context.ts";
import { dockerClient } from "../engine/docker-client.ts";
import type { EventOfKind } from "../events/events.ts";
import { STACK_NAMES } from "../images/stacks.ts";
import { Stack } from "./stack.ts";

async function containersOf(runId: string) {
  return dockerClient().listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }) });
}

describe.each(STACK_NAMES)("the real stack on %s", (stackName) => {
  it("boots N workers with N distinct pids, and a deploy ends each of them with an exit line", async () => {
    const run = newRunContext(`stack-test-${stackName}`);
    {
      await using stack = await new Stack({ stack: stackName, workers: 3 }).start({ run });

      const roster = stack.roster();
      expect(roster.booted).toHaveLength(3);
      expect(new Set(roster.booted).size).toBe(3);
      expect([...roster.ready].sort()).toEqual([...roster.booted].sort());
      // The log's story agrees with the process table.
      const live = await stack.liveWorkers();
      expect(live.map((p) => p.pid).sort()).toEqual([...roster.booted].sort());
      expect(await containersOf(run.runId)).toHaveLength(2);

      await stack.signalMaster("TERM");
      const state = await stack.waitForAppExit(30_000);
      expect(state).toMatchObject({ running: false, exitCode: 0 });
      await stack.logs.drain();

      const events = stack.events.events;
      expect(events.filter((e) => e.kind === "master-signal")).toMatchObject([{ signal: "SIGTERM", loggedBy: 1 }]);
      const exits = events.filter(
        (e): e is EventOfKind<"worker-signaled" | "worker-exiting"> => e.kind === "worker-signaled" || e.kind === "worker-exiting",
      );
      // gunicorn 23 + uvicorn 0.32: "was sent SIGTERM!"; gunicorn 20.1 + uvicorn 0.17: "Worker exiting"
      const expectedKind = stackName === "trixie" ? "worker-signaled" : "worker-exiting";
      const exitsOfKind = exits.filter((e) => e.kind === expectedKind);
      expect(exitsOfKind.map((e) => e.pid).sort()).toEqual([...roster.booted].sort());
      if (stackName === "trixie") expect(exitsOfKind.every((e) => e.kind === "worker-signaled" && e.signal === "SIGTERM")).toBe(true);
      expect(events.filter((e) => e.kind === "master-shutdown")).toHaveLength(1);
      expect(events.some((e) => e.kind === "container" && e.action === "die" && e.attributes.exitCode === "0")).toBe(true);
      expect(stack.logs.unparsedCount).toBe(0);
    }
    expect(await containersOf(run.runId)).toEqual([]);
  });
});

describe("a stack that cannot boot", () => {
  it("fails with the app's own last words and leaves nothing behind", async () => {
    const run = newRunContext("stack-test-no-db");
    const start = new Stack({ workers: 1, db: { running: false }, startup: { stepTimeoutS: 0.5, totalTimeoutS: 1.5 } }).start({ run });
    await expect(start).rejects.toThrow(/master halted: Worker failed to boot[\s\S]*database unreachable/);
    expect(await containersOf(run.runId)).toEqual([]);
  });
});
