export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Aborting stops the polling at once: the result is then undefined. */
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns something other than undefined, and resolves with that. Resolves with
 * undefined when `timeoutMs` has passed (after one last check at the deadline) or `signal` aborted.
 * Errors thrown by `check` end the polling and reject.
 */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const { timeoutMs, intervalMs = 100, signal } = options;
  const deadline = Date.now() + timeoutMs;
  while (!signal?.aborted) {
    const value = await check();
    if (value !== undefined) return value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining), signal);
  }
  return undefined;
}

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
