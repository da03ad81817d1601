import { UsageError } from "./errors.ts";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Load and faults only ever target this machine's loopback. */
export function assertLoopbackUrl(url: string): URL {
  const parsed = new URL(url);
  const host = parsed.hostname;
  if (!isLoopbackHost(host)) {
    throw new UsageError(
      "NOT_LOOPBACK",
      `Refusing to send load to ${parsed.host}: the harness only targets loopback (127.0.0.0/8, ::1). ` +
        "Run the stack through the harness, which binds it to 127.0.0.1.",
    );
  }
  return parsed;
}
