import type { ExecResult } from "../control/exec.ts";
import { pollUntil } from "../core/poll-until.ts";
import { defineFault, type Fault, faultSchema, windowS } from "./define-fault.ts";

const SESSION = "chaos-harness-lock";

/**
 * The database turns slow: the harness holds an exclusive lock on the target's database.lockTable (a
 * table its queries read), so each query waits, holding its pooled connection, until the lock goes,
 * after `holdS` or at revert.
 */
export const tableLock = defineFault({
  schema: faultSchema("table-lock", { holdS: windowS }),
  needs: "database",
  create: ({ holdS }): Fault => {
    let session: Promise<ExecResult> | undefined;
    return {
      description: `an exclusive lock on the app's table, held ${holdS} s: every query of it waits`,
      async inject({ sut, record }) {
        const db = sut.database;
        const table = db?.lockTable;
        if (!db || !table) throw new Error(`table-lock needs database.lockTable in target ${sut.targetName}`);
        session = db.sql(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${holdS}); COMMIT;`, SESSION);
        // Its outcome is awaited at revert; a failure before then (the database died) must not go unhandled.
        session.catch(() => undefined);
        const granted = await pollUntil(
          async () => {
            const held = await db.sql(
              `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = '${SESSION}' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
            );
            return held.stdout.trim() === "1" || undefined;
          },
          { timeoutMs: 5_000, intervalMs: 50 },
        );
        if (!granted) throw new Error(`the lock on ${table} was not granted within 5 s`);
        record({ action: "table-lock", target: "database", detail: `${table} locked for ${holdS} s` });
        void session
          .finally(() => record({ action: "table-unlock", target: "database", detail: `${table} unlocked` }))
          .catch(() => undefined);
      },
      /** Ends the lock now if it is still held (the session's own end also ends it). */
      async revert({ sut }) {
        if (!session) return;
        await sut.database
          ?.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${SESSION}'`)
          .catch(() => undefined);
        await session.catch(() => undefined);
      },
    };
  },
});
