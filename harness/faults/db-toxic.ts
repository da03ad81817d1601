import { z } from "zod";
import { defineFault, type Fault, type FaultContext, faultSchema, windowS } from "./define-fault.ts";
import type { DbProxyControl } from "./fault-target.ts";

/**
 * Toxics on the proxy between the app and Postgres (harness/proxy/db-proxy.ts): four faults that share
 * one shape, a window of `forS` seconds that ends by itself or at revert, whichever comes first, its end
 * recorded once (`db-restored`). A reset is a single act, with no window.
 */

/** The longest db-latency delay, ms: a minute. */
const MAX_DB_DELAY_MS = 60_000;

interface Window {
  action: "db-latency" | "db-stall" | "db-refuse";
  /** What was done, for the event. */
  detail: string;
  begin(proxy: DbProxyControl): void | Promise<void>;
  end(proxy: DbProxyControl): void | Promise<void>;
}

function proxyOf({ sut }: FaultContext, action: string): DbProxyControl {
  const proxy = sut.database?.proxy;
  if (!proxy) throw new Error(`${action} needs the harness's database in target ${sut.targetName}, and it is not running`);
  return proxy;
}

/** A toxic held for `forS` seconds. */
function windowFault(description: string, forS: number, window: Window): Fault {
  let end: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    description,
    async inject(context) {
      const proxy = proxyOf(context, window.action);
      context.record({ action: window.action, target: "database", detail: window.detail });
      await window.begin(proxy);
      let ending: Promise<void> | undefined;
      end = () => {
        clearTimeout(timer);
        ending ??= (async () => {
          await window.end(proxy);
          context.record({ action: "db-restored", target: "database", detail: `${window.action} over` });
        })();
        return ending;
      };
      // When the window ends by itself a failure is kept for revert() to report; it must not end the harness.
      timer = setTimeout(() => void end?.().catch(() => undefined), forS * 1000);
    },
    async revert() {
      await end?.();
    },
  };
}

/** Every chunk, both ways, delayed by `ms` ± `jitterMs` (at least 0), at most a minute: the proxy holds a bounded amount meanwhile. */
export const dbLatency = defineFault({
  schema: faultSchema("db-latency", {
    forS: windowS,
    ms: z.number().min(0).max(MAX_DB_DELAY_MS),
    jitterMs: z.number().min(0).max(MAX_DB_DELAY_MS).default(0),
  }).refine((f) => f.ms + f.jitterMs <= MAX_DB_DELAY_MS, {
    message: `ms + jitterMs is at most ${MAX_DB_DELAY_MS}: no chunk waits longer than a minute`,
    path: ["jitterMs"],
    // Only once each field is valid on its own: a field out of range is reported once, by its own check.
    when: (payload) => payload.issues.length === 0,
  }),
  needs: "database",
  create: ({ forS, ms, jitterMs }) =>
    windowFault(`slow database: every packet to and from Postgres delayed (+${ms} ms), for ${forS} s`, forS, {
      action: "db-latency",
      detail: `+${ms} ms (± ${jitterMs}) each way for ${forS} s`,
      begin: (proxy) => proxy.setLatency({ ms, jitterMs }),
      end: (proxy) => proxy.setLatency(undefined),
    }),
});

export const dbStall = defineFault({
  schema: faultSchema("db-stall", { forS: windowS }),
  needs: "database",
  create: ({ forS }) =>
    windowFault(`stalled database: connections accepted, nothing forwarded, for ${forS} s`, forS, {
      action: "db-stall",
      detail: `connections accepted, nothing forwarded, for ${forS} s`,
      begin: (proxy) => proxy.stall(),
      end: (proxy) => proxy.resume(),
    }),
});

export const dbRefuse = defineFault({
  schema: faultSchema("db-refuse", { forS: windowS }),
  needs: "database",
  create: ({ forS }) =>
    windowFault(`database refuses new connections, for ${forS} s`, forS, {
      action: "db-refuse",
      detail: `new connections refused for ${forS} s`,
      begin: (proxy) => proxy.refuse(),
      end: (proxy) => proxy.accept(),
    }),
});

export const dbReset = defineFault({
  schema: faultSchema("db-reset", {}),
  needs: "database",
  create: (): Fault => ({
    description: "every live database connection reset",
    async inject(context) {
      const proxy = proxyOf(context, "db-reset");
      context.record({ action: "db-reset", target: "database", detail: `${proxy.connections} live connection(s) reset` });
      proxy.resetAll();
    },
  }),
});
