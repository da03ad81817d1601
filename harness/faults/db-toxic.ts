import type { Fault, FaultContext } from "./fault.ts";

export type Toxic = { kind: "latency"; ms: number; jitterMs: number } | { kind: "stall" } | { kind: "refuse" } | { kind: "reset" };

const WORDS: Record<Toxic["kind"], string> = {
  latency: "slow database: every packet to and from Postgres delayed",
  stall: "stalled database: connections accepted, nothing forwarded",
  refuse: "database refuses new connections",
  reset: "every live database connection reset",
};

/**
 * A toxic on the proxy between the app and Postgres, for `forS` seconds (reset: once). The window ends
 * by itself, or at revert, whichever comes first; its end is recorded once.
 */
export class DbToxicFault implements Fault {
  private end: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly toxic: Toxic,
    private readonly forS: number,
  ) {}

  get description(): string {
    const detail = this.toxic.kind === "latency" ? ` (+${this.toxic.ms} ms)` : "";
    return `${WORDS[this.toxic.kind]}${detail}${this.toxic.kind === "reset" ? "" : `, for ${this.forS} s`}`;
  }

  async inject({ stack, record }: FaultContext): Promise<void> {
    const proxy = stack.dbProxy;
    if (!proxy) throw new Error(`db-${this.toxic.kind} needs the harness's database in target ${stack.target.name}, and it is not running`);
    const toxic = this.toxic;
    if (toxic.kind === "reset") {
      record({ action: "db-reset", target: "database", connections: proxy.connections });
      proxy.resetAll();
      return;
    }
    const action = `db-${toxic.kind}` as const;
    if (toxic.kind === "latency") {
      record({ action: "db-latency", target: "database", ms: toxic.ms, jitterMs: toxic.jitterMs, windowS: this.forS });
      proxy.setLatency({ ms: toxic.ms, jitterMs: toxic.jitterMs });
    } else if (toxic.kind === "stall") {
      record({ action: "db-stall", target: "database", windowS: this.forS });
      proxy.stall();
    } else {
      record({ action: "db-refuse", target: "database", windowS: this.forS });
      await proxy.refuse();
    }
    let ending: Promise<void> | undefined;
    this.end = () => {
      clearTimeout(this.timer);
      ending ??= (async () => {
        if (toxic.kind === "latency") proxy.setLatency(undefined);
        else if (toxic.kind === "stall") proxy.resume();
        else await proxy.accept();
        record({ action: "db-restored", target: "database", after: action });
      })();
      return ending;
    };
    // When the window ends by itself a failure is kept for revert() to report; it must not end the harness.
    this.timer = setTimeout(() => void this.end?.().catch(() => undefined), this.forS * 1000);
  }

  async revert(): Promise<void> {
    await this.end?.();
  }
}
