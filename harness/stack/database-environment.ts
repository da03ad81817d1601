import type { DATABASE_PLACEHOLDERS, TargetDatabase } from "../target/define-target.ts";

type DatabasePlaceholder = (typeof DATABASE_PLACEHOLDERS)[number];

/**
 * The database the app gets, in the variables and forms its target declares: user `app`, database `postgres`, the
 * target's password if any, on the loopback port given (the proxy's).
 */
export function databaseEnvironment(database: TargetDatabase, port: number): Record<string, string> {
  const values: Record<DatabasePlaceholder, string> = {
    user: "app",
    password: database.password ?? "",
    host: "127.0.0.1",
    port: String(port),
    database: "postgres",
  };
  const fill = (template: string) => template.replace(/\{(\w+)\}/g, (_, name: DatabasePlaceholder) => values[name]);
  const url = database.url ?? `postgresql://{user}${database.password ? ":{password}" : ""}@{host}:{port}/{database}`;
  return {
    ...(database.urlEnv ? { [database.urlEnv]: fill(url) } : {}),
    ...Object.fromEntries(Object.entries(database.env).map(([name, template]) => [name, fill(template)])),
  };
}
