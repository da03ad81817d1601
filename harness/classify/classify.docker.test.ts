import { describe, expect, it, onTestFailed } from "vitest";
import { newRunContext } from "../cleanup/run-context.ts";
import { formatEvent } from "../events/format-event.ts";
import { FaultSchedule, type ImmediateFault } from "../faults/fault-schedule.ts";
import type { SuiteName } from "../images/suites.ts";
import { Stack } from "../stack/stack.ts";
import type { StartedStack } from "../stack/started-stack.ts";
import { bannerBlockingCall, recognizeBanner } from "./banners.ts";
import type { Cause } from "./causes.ts";
import { classifyRun } from "./classify-run.ts";

/** Waits for the worker's exit line, then (unless told otherwise) for the master's replacement to be ready. */
async function waitForDeath(stack: StartedStack, pid: number, replacement = true): Promise<void> {
  await stack.waitForExitLine(pid);
  if (!replacement) return;
  const before = new Set(stack.roster().ready);
  await stack.events.waitFor((e) => e.kind === "worker-ready" && e.pid !== undefined && !before.has(e.pid), 30_000, "a replacement worker");
}

/**
 * Every way a worker dies, one after another on one stack: each signal for real, each death classified,
 * each banner checked for its pid. Both stacks print different lines for the same event; both configs
 * differ in whether the banners print at all. sid's deaths, with both worker classes and both configs, are
 * proven by the corpus (recorded runs, classified in the unit tests) and by the catalogue on sid.
 */
const LIVE_SUITES: SuiteName[] = ["trixie", "bookworm"];

describe.each(LIVE_SUITES.flatMap((stack) => (["default", "seed"] as const).map((config) => ({ stack, config }))))(
  "every worker death on $stack with the $config config",
  ({ stack: stackName, config }) => {
    it("is classified per pid, and its banner printed (default) or reported missing (seed)", async () => {
      const truth = new Map<number, Cause>();
      await using stack = await new Stack({
        suite: stackName,
        config,
        workers: 3,
        // uvicorn notifies the master every 2 s at best (every timeout/2, on a 1 s tick): a 3 s timeout leaves an
        // idle worker 1 s of stall before a spurious WORKER TIMEOUT, which the OOM step's reclaim can cause on a
        // loaded machine. 5 s leaves 3 s.
        timeoutS: 5,
        gracefulTimeoutS: 2,
        memoryLimitMb: 400,
      }).start({
        run: newRunContext(`classify-${stackName}-${config}`),
      });
      // A death judged otherwise than its truth is explained only by the timeline: print it on failure.
      onTestFailed(() => {
        const at0 = stack.events.sorted()[0]?.at ?? 0;
        const timeline = stack.events.sorted().map((e) => `${((e.at - at0) / 1000).toFixed(3).padStart(8)}  ${formatEvent(e)}`);
        console.error(`truth: ${JSON.stringify(Object.fromEntries(truth))}\n${timeline.join("\n")}`);
      });
      await stack.recordMemory();
      const faults = new FaultSchedule(stack);
      const hit = (fault: ImmediateFault) => faults.injectIntoWorker(fault);

      const stray = await hit({ action: "signal-worker", signal: "TERM", worker: "oldest" });
      await waitForDeath(stack, stray);
      truth.set(stray, "unexpected-sigterm");

      const killed = await hit({ action: "signal-worker", signal: "KILL", worker: "oldest" });
      await waitForDeath(stack, killed);
      truth.set(killed, "sigkill");

      const blocked = await hit({ action: "request", path: "/block?ms=9000" });
      await waitForDeath(stack, blocked);
      truth.set(blocked, "timeout");

      const squeezeFrom = Date.now();
      const hog = await hit({ action: "request", path: "/alloc?mb=700" });
      await waitForDeath(stack, hog);
      await stack.recordMemory();
      truth.set(hog, "oom-kill");
      // The kernel's reclaim can stall the other workers past their timeout as the hog fills the cgroup (seen on a
      // loaded CI machine: "WORKER TIMEOUT (pid:9)" 4 s into the squeeze). The master's own line says so: that
      // worker's truth is a timeout, from the log, not from the classifier.
      const stalled = stack.events.all.filter(
        (e) => e.kind === "worker-timeout" && e.at >= squeezeFrom && e.pid !== hog && !truth.has(e.pid),
      );
      for (const event of stalled) {
        const { pid } = event as { pid: number };
        await waitForDeath(stack, pid);
        truth.set(pid, "timeout");
      }

      const oldest = await stack.app.pickWorker("oldest");
      await faults.inject({ action: "signal-master", signal: "TTOU" });
      await waitForDeath(stack, oldest, false);
      truth.set(oldest, "scale-down");

      // The reload re-reads gunicorn.conf.py and GUNICORN_CMD_ARGS, so the master goes back to --workers=3.
      const beforeReload = stack.roster().alive;
      await faults.inject({ action: "signal-master", signal: "HUP" });
      for (const pid of beforeReload) {
        await waitForDeath(stack, pid, false);
        truth.set(pid, "reload");
      }
      await stack.events.waitFor(
        () => stack.roster().alive.filter((p) => stack.roster().ready.has(p)).length === 3,
        30_000,
        "the reloaded workers",
      );

      const deployed = stack.roster().alive;
      const busy = await hit({ action: "request", path: "/slow?ms=20000" });
      await faults.inject({ action: "signal-master", signal: "TERM" });
      expect(await stack.waitForAppExit(30_000)).toMatchObject({ running: false });
      for (const pid of deployed) truth.set(pid, pid === busy ? "graceful-timeout" : "shutdown");
      await stack.logs.drain();
      // A worker the squeeze stalled whose WORKER TIMEOUT the master logged only after the hog's death was seen (seen in a
      // fresh-clone CI run: 0.1 s after): the same truth, from the master's own line.
      for (const event of stack.events.all)
        if (event.kind === "worker-timeout" && event.at >= squeezeFrom && !truth.has(event.pid)) truth.set(event.pid, "timeout");
      const events = stack.events.sorted();

      const { deaths, banners } = classifyRun(events);
      expect(Object.fromEntries(deaths.map((d) => [d.pid, d.cause]))).toEqual(Object.fromEntries(truth));
      expect(new Set(truth.values()).size).toBe(8);

      if (config === "default") {
        for (const check of banners.checks) expect({ pid: check.pid, missing: check.missing }).toEqual({ pid: check.pid, missing: [] });
        expect(banners.unexpected).toEqual([]);
        const abort = events
          .flatMap((e) => (e.kind === "banner" ? [recognizeBanner(e)] : []))
          .find((b) => b?.kind === "abort" && b.pid === blocked);
        expect(bannerBlockingCall(abort!)).toMatch(/^block_event_loop at \/srv\/app\/app\/main\.py:\d+$/);
      } else {
        expect(events.filter((e) => e.kind === "banner")).toEqual([]);
        // Every one of these deaths calls for a banner, and the harness says each is missing.
        for (const check of banners.checks) {
          expect(check.expected.length, `pid ${check.pid}`).toBeGreaterThan(0);
          expect(check.missing).toEqual(check.expected);
        }
      }
    });
  },
);
