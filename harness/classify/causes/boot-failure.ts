import { defineRule } from "../death-facts.ts";
import { quote } from "../death-wording.ts";
import { defineCause } from "../define-cause.ts";

export const bootFailure = defineCause({
  name: "boot-failure",
  severity: "critical",
  meaning: "worker failed to boot / app failed to load",
  summary: "failed to boot",
});

const BOOT_EXIT_CODES = new Set([3, 4]); // gunicorn's WORKER_BOOT_ERROR, APP_LOAD_ERROR

/** It never booted: its startup failed, it exited with a boot error code, or the master halted before it was ready. */
export const neverBooted = defineRule(bootFailure, "it never booted", (facts) => {
  const { worker, exitCode } = facts;
  const halt = facts.master.halt?.reason.match(/failed to boot|failed to load/i) ? facts.master.halt : undefined;
  if (!worker.startupFailed && !(exitCode && BOOT_EXIT_CODES.has(exitCode.code)) && !(halt && !worker.ready)) return undefined;
  facts.add(worker.startupFailed && quote(worker.startupFailed));
  for (const error of worker.appErrors) facts.add({ source: "app", text: error });
  facts.add(halt && quote(halt));
  const said = worker.appErrors.at(-1);
  // The master stops the other workers when one fails to boot: one far enough into its startup prints
  // its INTERRUPT banner, one still importing dies before any hook can run. Only the first owes it.
  const interrupted = worker.banners.some((b) => b.kind === "interrupt");
  return { summary: said ? `failed to boot: ${said}` : undefined, stopSignalled: interrupted };
});
