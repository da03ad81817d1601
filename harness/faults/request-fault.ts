import { z } from "zod";
import { roleSchema } from "../load/load-profile.ts";
import { defineFault, type Fault, faultSchema } from "./define-fault.ts";

/**
 * One request that causes the fault from inside the app (/block, /alloc, /slow, /db/sync), sent to a known worker.
 * A scenario names the target's role for it (e.g. block-event-loop); the run resolves it to a path before it starts.
 */
export const request = defineFault({
  schema: faultSchema("request", {
    /** The target's role for the request (e.g. block-event-loop), or a literal path. */
    role: roleSchema.optional(),
    path: z.string().startsWith("/", "a path starts with /, e.g. /block?ms=8000").optional(),
    timeoutS: z.number().positive().max(600).default(120),
  }),
  create: ({ path, role, timeoutS }): Fault => {
    if (!path) throw new Error(`a request fault needs a path: its role "${role}" was not resolved against the target`);
    return {
      description: `GET ${path} on one worker`,
      async inject({ sut, record }) {
        const { pid } = await sut.app.sendPinnedRequest(path, timeoutS * 1000);
        record({ action: "request", target: "worker", pid, detail: `GET ${path}` });
      },
    };
  },
});
