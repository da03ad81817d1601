import { InterruptedError } from "../core/errors.ts";
import { removeEverythingBeforeExit } from "./before-exit.ts";

const FORCE_AFTER_MS = 20_000;

let controller: AbortController | undefined;

/**
 * The first Ctrl-C / SIGTERM aborts the returned signal: the run stops its load, records what it saw
 * and removes its containers through the normal path. A second signal, or no exit within 20 s,
 * removes every container this process started (and its reaper) and exits at once.
 */
export function interruptSignal(onInterrupt?: (signal: NodeJS.Signals) => void): AbortSignal {
  if (controller) return controller.signal;
  const ctl = (controller = new AbortController());
  const forceExit = async (signal: NodeJS.Signals) => {
    await removeEverythingBeforeExit();
    process.exit(new InterruptedError(signal).exitCode);
  };
  const handler = (signal: NodeJS.Signals) => {
    if (ctl.signal.aborted) return void forceExit(signal);
    onInterrupt?.(signal);
    ctl.abort(new InterruptedError(signal));
    setTimeout(() => void forceExit(signal), FORCE_AFTER_MS).unref();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return ctl.signal;
}
