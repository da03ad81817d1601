import { defineMasterReason } from "../death-facts.ts";
import { defineCause } from "../define-cause.ts";

export const reload = defineCause({
  name: "reload",
  severity: "normal",
  meaning: "master reloaded (SIGHUP) and replaced the worker",
  summary: "replaced when the master reloaded",
  byStopSignal: true,
});

/** The latest reload before the stop that replaced this worker (one the reload booted is not among them). */
export const replacedByReload = defineMasterReason(
  reload,
  ({ worker, at, master }) => master.reloads.findLast((r) => r.event.at <= at && r.replaced.has(worker.pid))?.event,
);
