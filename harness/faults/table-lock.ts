import type { ExecResult } from "../control/exec.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { Fault, FaultContext } from "./fault.ts";

const SESSION = "chaos-harness-lock";

/**
 * The database turns slow: the harness holds an exclusive lock on the target's database.lockTable (a
 * table its queries read), so each query waits, holding its pooled connection, until the lock goes,
 * after `holdS` or at revert.
 */
export class TableLockFault implements Fault {
  private session: Promise<ExecResult> | undefined;

  constructor(private readonly holdS: number) {}

  get description(): string {
    return `an exclusive lock on the app's table, held ${this.holdS} s: every query of it waits`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const table = stack.target.database ? stack.target.database.lockTable : undefined;
    if (!table) throw new Error(`table-lock needs database.lockTable in target ${stack.target.name}`);
    this.session = stack.sql(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${this.holdS}); COMMIT;`, SESSION);
    // Its outcome is awaited at revert; a failure before then (the database died) must not go unhandled.
    this.session.catch(() => undefined);
    const granted = await pollUntil(
      async () => {
        const held = await stack.sql(
          `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = '${SESSION}' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
        );
        return held.stdout.trim() === "1" || undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    if (!granted) throw new Error(`the lock on ${table} was not granted within 5 s`);
    record({ action: "table-lock", target: "database", table, windowS: this.holdS });
    void this.session.finally(() => record({ action: "table-unlock", target: "database", table })).catch(() => undefined);
  }

  /** Ends the lock now if it is still held (the session's own end also ends it). */
  async revert({ stack }: FaultContext): Promise<void> {
    if (!this.session) return;
    await stack.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${SESSION}'`).catch(() => undefined);
    await this.session.catch(() => undefined);
  }
}
