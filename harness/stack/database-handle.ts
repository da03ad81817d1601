import type Docker from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import type { ExecResult } from "../control/exec.ts";
import { pollUntil } from "../core/poll-until.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import type { DbProxy } from "../proxy/db-proxy.ts";
import { psql } from "./postgres.ts";

interface DatabaseParts {
  docker: Docker;
  container: StartedTestContainer;
  /** Where Postgres listens (the app reaches it through the proxy). */
  port: number;
  proxy: DbProxy | undefined;
  lockTable: string | undefined;
  logs: RunLogs;
}

/** The harness's Postgres and the proxy in front of it: what the database faults act on. */
export class DatabaseHandle {
  constructor(private readonly parts: DatabaseParts) {}

  get lockTable(): string | undefined {
    return this.parts.lockTable;
  }

  /** The proxy between the app and Postgres (none when the database was down from the start). */
  get proxy(): DbProxy | undefined {
    return this.parts.proxy;
  }

  private get container(): Docker.Container {
    return this.parts.docker.getContainer(this.parts.container.getId());
  }

  /** Runs SQL as the app's database user inside the Postgres container (psql over its unix socket). */
  sql(statement: string, applicationName = "chaos-harness"): Promise<ExecResult> {
    return psql(this.parts.docker, this.container, this.parts.port, statement, applicationName);
  }

  /** Stops Postgres (the app's connections break, new ones are refused) and resolves once it is down. */
  async stop(): Promise<void> {
    await this.container.stop({ t: 2 });
  }

  /** Starts Postgres again, on the same port with the same data, and resolves once it accepts connections. */
  async start(): Promise<void> {
    const since = Math.floor(Date.now() / 1000);
    await this.container.start();
    await this.parts.logs.follow(this.container, this.parts.docker, "db", since);
    const up = await pollUntil(async () => ((await this.sql("SELECT 1")).exitCode === 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    if (!up) throw new Error("Postgres did not accept connections within 30 s of its restart");
  }
}
