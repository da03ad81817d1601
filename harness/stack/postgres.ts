import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { type StartedTestContainer, Wait } from "testcontainers";
import type { RunContext } from "../cleanup/run-context.ts";
import { type ExecResult, execIn } from "../control/exec.ts";
import { UsageError } from "../core/errors.ts";
import type { RunLogs } from "../logs/run-logs.ts";
import { HarnessContainer } from "./harness-container.ts";

export { databaseEnvironment } from "./database-environment.ts";

/**
 * The harness's Postgres, from the suite's database image: user `app` over TCP on loopback, trusted, or with the
 * target's password required (scram-sha-256); the harness's own psql uses the unix socket.
 */
export function startPostgres(
  image: string,
  port: number,
  run: RunContext,
  logs: RunLogs,
  docker: Docker,
  password?: string,
): Promise<StartedTestContainer> {
  return new HarnessContainer(image, "db", run, logs, docker)
    .withUser("postgres")
    .withCommand(["start-postgres"])
    .withEnvironment({ PGPORT: String(port), ...(password ? { PG_APP_PASSWORD: password } : {}) })
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
    .withStartupTimeout(30_000)
    .start();
}

/** Runs SQL as `app` inside the Postgres container, over its unix socket (never through the proxy). */
export function psql(
  docker: Docker,
  db: Docker.Container,
  port: number,
  sql: string,
  applicationName = "chaos-harness",
): Promise<ExecResult> {
  const command = ["env", `PGAPPNAME=${applicationName}`, "psql", "-h", "/tmp", "-p", String(port), "-U", "app", "-d", "postgres"];
  return execIn(docker, db, [...command, "-v", "ON_ERROR_STOP=1", "-Atc", sql]);
}

/** Runs the target's database.init file before the app boots; a failure names the file and psql's error. */
export async function runInitSql(docker: Docker, db: StartedTestContainer, port: number, file: string): Promise<void> {
  const result = await psql(docker, docker.getContainer(db.getId()), port, readFileSync(file, "utf8"));
  if (result.exitCode !== 0) {
    const said = result.stderr.trim().split("\n").slice(-8).join("\n");
    throw new UsageError("INVALID_TARGET", `database.init ${file} failed in the harness's Postgres:\n${said}`);
  }
}
