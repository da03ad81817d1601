import { describe, expect, it } from "vitest";
import type { BannerSighting } from "../banners.ts";
import { expectedBanners } from "../death-rules.ts";
import { banner, judge, line, master, worker } from "../judge-stories.ts";

describe("judgeDeath: boot-failure", () => {
  it("calls a worker that never booted a boot-failure even with a timeout line, in the app's last words", () => {
    const failed = worker({
      ready: false,
      startupFailed: line.startupFailed(7, 2),
      timeout: line.timeout(7, 31),
      // The worker's own last line (gunicorn 20.1); the master's "exited with code 3" is not in the input.
      exits: [line.exiting(7, 32)],
      appErrors: ["OperationalError: could not connect to server", "RuntimeError: database unreachable"],
    });
    const verdict = judge(failed);
    expect(verdict.cause).toBe("boot-failure");
    expect(verdict.summary).toBe("failed to boot: RuntimeError: database unreachable");
    expect(verdict.evidence).toEqual([
      { source: "log", line: failed.exits[0]!.seq, text: failed.exits[0]!.raw },
      { source: "log", line: failed.startupFailed!.seq, text: failed.startupFailed!.raw },
      { source: "app", text: "OperationalError: could not connect to server" },
      { source: "app", text: "RuntimeError: database unreachable" },
    ]);

    // Exit code 3 (WORKER_BOOT_ERROR) alone says it too; with no app error, the standard summary stands.
    const code3 = worker({ ready: false, timeout: line.timeout(8, 31), exits: [line.exitCode(8, 3, 32)], pid: 8 });
    expect(judge(code3)).toMatchObject({ cause: "boot-failure", summary: undefined });

    // So does the master's "Reason: Worker failed to boot." for a worker that never got ready.
    const halt = line.halt("Worker failed to boot.", 33);
    const notReady = worker({ ready: false, exits: [line.sent(9, "SIGTERM", 32)], pid: 9 });
    const verdict9 = judge(notReady, { master: master({ halt }) });
    expect(verdict9.cause).toBe("boot-failure");
    expect(verdict9.evidence).toContainEqual({ source: "log", line: halt.seq, text: halt.raw });
  });

  it("owes the INTERRUPT banner of a worker the halting master stopped only when its hooks were in place", () => {
    const halt = line.halt("Worker failed to boot.", 33);
    const stopped = (banners: BannerSighting[]) => worker({ ready: false, exits: [line.sent(8, "SIGTERM", 32)], pid: 8, banners });
    const early = stopped([]);
    const earlyVerdict = judge(early, { master: master({ halt }) });
    expect(earlyVerdict.cause).toBe("boot-failure");
    expect(expectedBanners(early, earlyVerdict.cause, Boolean(earlyVerdict.stopSignalled))).toEqual([]);

    const late = stopped([banner("WORKER INTERRUPT SIGNAL RECEIVED - PID 8", ["Signal: SIGTERM (15)"], 32)]);
    const lateVerdict = judge(late, { master: master({ halt }) });
    expect(lateVerdict.cause).toBe("boot-failure");
    expect(expectedBanners(late, lateVerdict.cause, Boolean(lateVerdict.stopSignalled))).toEqual(["interrupt"]);
  });
});
