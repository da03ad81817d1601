import type { Fault, FaultContext } from "./fault.ts";

/** Postgres stops mid-load (the app's connections break, new ones are refused) and starts again `forS` later. */
export class DbOutageFault implements Fault {
  private restart: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private down = false;

  constructor(private readonly forS: number) {}

  get description(): string {
    return `Postgres stopped for ${this.forS} s, then started again`;
  }

  async inject(context: FaultContext): Promise<void> {
    const { stack, record } = context;
    if (!stack.target.database) throw new Error(`db-outage needs the harness's database in target ${stack.target.name}`);
    record({ action: "db-outage", target: "database", windowS: this.forS });
    this.down = true;
    await stack.stopDatabase();
    this.timer = setTimeout(() => void this.startAgain(context).catch(() => undefined), this.forS * 1000);
  }

  /** Starts Postgres again if it is still down, and waits for it either way. */
  async revert(context: FaultContext): Promise<void> {
    await this.startAgain(context);
  }

  private startAgain({ stack, record }: FaultContext): Promise<void> {
    clearTimeout(this.timer);
    if (!this.down) return Promise.resolve();
    this.restart ??= stack.startDatabase().then(() => record({ action: "db-restored", target: "database", after: "db-outage" }));
    return this.restart;
  }
}
