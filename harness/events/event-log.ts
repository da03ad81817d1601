import type { RunEvent } from "./events.ts";

type Listener = (event: RunEvent) => void;

/** The run's events in arrival order, with subscribers and a way to wait for one. */
export class EventLog {
  /** Every event recorded so far, in arrival order. */
  readonly all: RunEvent[] = [];
  private readonly listeners = new Set<Listener>();

  record(event: RunEvent): void {
    this.all.push(event);
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events sorted by time (log lines from two streams arrive interleaved; their Docker timestamps order them). */
  sorted(): RunEvent[] {
    return [...this.all].sort((a, b) => a.at - b.at);
  }

  /**
   * Resolves with the first event (already recorded or still to come) that satisfies `predicate`;
   * rejects after `timeoutMs` with `describe()` in the message, or when `signal` aborts.
   */
  waitFor<E extends RunEvent>(
    predicate: (event: RunEvent) => event is E,
    timeoutMs: number,
    describe: string,
    signal?: AbortSignal,
  ): Promise<E>;
  waitFor(predicate: (event: RunEvent) => boolean, timeoutMs: number, describe: string, signal?: AbortSignal): Promise<RunEvent>;
  waitFor(predicate: (event: RunEvent) => boolean, timeoutMs: number, describe: string, signal?: AbortSignal): Promise<RunEvent> {
    const seen = this.all.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (finish: () => void) => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener("abort", onAbort);
        finish();
      };
      const onAbort = () => done(() => reject(signal?.reason ?? new Error("aborted")));
      const timer = setTimeout(() => done(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe}`))), timeoutMs);
      const unsubscribe = this.subscribe((event) => {
        if (predicate(event)) done(() => resolve(event));
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
