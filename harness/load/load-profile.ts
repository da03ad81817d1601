import { z } from "zod";

/** Hard bounds: every load stops by itself, whatever a scenario asks for. */
const LOAD_LIMITS = { maxDurationS: 600, maxRequests: 2_000_000, maxConnections: 1_000 } as const;

/** A role the target maps to one of its paths (`db`, `slow`, ...); `health` is always its health path. */
export const roleSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, "a role name, e.g. db");

const loadRequestSchema = z
  .object({
    /** What to request: a role of the target (preferred: it works on any target that maps it) or a literal path. */
    role: roleSchema.optional(),
    path: z.string().startsWith("/", "a path starts with /, e.g. /health").optional(),
    method: z.enum(["GET", "POST", "PUT", "DELETE"]).default("GET"),
    /** Relative share of this request in the mix. */
    weight: z.number().int().min(1).max(100).default(1),
  })
  .strict()
  .refine((r) => Boolean(r.role) !== Boolean(r.path), { message: "give a role (e.g. db) or a path, not both" });

export const loadProfileSchema = z
  .object({
    durationS: z.number().positive().max(LOAD_LIMITS.maxDurationS),
    /** Stop after this many requests even if the duration has not elapsed. */
    maxRequests: z.number().int().positive().max(LOAD_LIMITS.maxRequests).default(1_000_000),
    /** Closed loop: the connections, each sending its next request when the last is answered. Open loop: the most requests in flight. */
    connections: z.number().int().min(1).max(LOAD_LIMITS.maxConnections).default(10),
    /**
     * Requests per second, started on a fixed schedule whatever the server does (open loop: latency from each
     * request's intended start, no coordinated omission). Omitted: closed loop, as fast as the connections allow.
     */
    rate: z.number().positive().max(100_000).optional(),
    /**
     * Bursts of `size` concurrent requests, each burst `gapS` (plus an offset sweeping `sweepMs`, by `stepMs`)
     * after the last answer of the one before: a load shaped to reuse idle upstream connections right as the
     * server's keep-alive closes them (lb-keepalive). `freshConnections`: each request on a connection of its own.
     */
    bursts: z
      .object({
        size: z.number().int().min(1).max(256),
        gapS: z.number().positive().max(120),
        sweepMs: z.tuple([z.number().min(-1000), z.number().max(1000)]).default([-3.5, 0]),
        stepMs: z.number().positive().default(0.25),
        freshConnections: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** A request with no response for this long counts as a timeout. */
    timeoutS: z.number().positive().default(10),
    requests: z
      .array(loadRequestSchema)
      .min(1)
      .default([{ role: "health", method: "GET", weight: 1 }]),
  })
  .strict()
  .refine((p) => !(p.rate !== undefined && p.bursts), { message: "give a rate (open loop) or bursts, not both" });

export type LoadProfile = z.output<typeof loadProfileSchema>;
