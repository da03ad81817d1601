import type { LbRequest } from "../events/events.ts";

/**
 * The request log line the harness asks HAProxy for (`log-format`), one per request, on stdout.
 * Fields: when the request's first byte arrived (`%tr`, UTC: the balancer's container runs with TZ=UTC), client port, server, upstream connection's local port, status,
 * termination state, Tw/Tc/Tr/Ta timers, retries, and the request line.
 * Understood by HAProxy 2.6 (bookworm) and 3.0 (trixie).
 */
export const LB_LOG_FORMAT = "lb-request %tr %cp %s %bp %ST %tsc %Tw/%Tc/%Tr/%Ta %rc %{+Q}r";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LINE =
  /^lb-request (\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})\.(\d{3}) (\d+) (\S+) (\S+) (-?\d+) (\S{4}) (-?\d+)\/(-?\d+)\/(-?\d+)\/(-?\d+) \+?(-?\d+) "(\S+) (\S+)/;

/** Reads one of HAProxy's request lines (LB_LOG_FORMAT); undefined for anything else HAProxy prints. */
export function parseLbLine(text: string): LbRequest | undefined {
  const m = LINE.exec(text);
  if (!m) return undefined;
  const [, day, month, year, hh, mm, ss, ms] = m;
  const upstream = Number(m[10]);
  return {
    acceptedAt: Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(hh), Number(mm), Number(ss), Number(ms)),
    clientPort: Number(m[8]),
    server: m[9]!,
    upstreamPort: Number.isInteger(upstream) && upstream > 0 ? upstream : undefined,
    status: Number(m[11]),
    termination: m[12]!,
    waitMs: Number(m[13]),
    connectMs: Number(m[14]),
    responseMs: Number(m[15]),
    totalMs: Number(m[16]),
    retries: Number(m[17]),
    method: m[18]!,
    path: m[19]!,
  };
}

const SERVER_STATE =
  /^Server replicas\/(\S+) (?:is (UP|DOWN)(?:\/READY)?|(enters drain state)|(?:is going DOWN for|was \w+ and now enters) (maintenance))(?:, reason: ([^,.]+(?:, info: "[^"]*")?))?/;

/**
 * HAProxy's word that a replica changed state, from its log on stdout: a health check passed or failed,
 * or the harness drained or disabled it. (HAProxy says the same on stderr, prefixed `[WARNING]`: not read.)
 */
export function parseLbServerLine(text: string): { server: string; state: "UP" | "DOWN" | "DRAIN" | "MAINT"; reason?: string } | undefined {
  const m = SERVER_STATE.exec(text);
  if (!m) return undefined;
  const state = m[2] === "UP" ? "UP" : m[2] === "DOWN" ? "DOWN" : m[3] ? "DRAIN" : "MAINT";
  return { server: m[1]!, state, ...(m[5] ? { reason: m[5] } : {}) };
}

/** The user saw an error: a 5xx, no response at all, or a session HAProxy ended abnormally. */
export function isFailedLbRequest(request: LbRequest): boolean {
  return request.status >= 500 || request.status < 0 || request.termination.slice(0, 2) !== "--";
}

/** HAProxy's termination state (first two characters), in words. */
export function describeTermination(termination: string): string {
  const who: Record<string, string> = {
    C: "the client aborted",
    S: "the server aborted or refused",
    P: "HAProxy stopped it",
    L: "HAProxy answered itself",
    R: "a resource ran out",
    I: "an internal error",
    D: "the server was taken down",
    U: "the server was taken up",
    K: "an admin killed it",
    c: "the client timed out",
    s: "the server timed out",
    "-": "a normal end",
  };
  const when: Record<string, string> = {
    R: "while the request was read",
    Q: "while it was queued",
    C: "while connecting",
    H: "before the response headers",
    D: "during the response body",
    L: "while the last bytes were sent",
    T: "while tarpitted",
    "-": "",
  };
  const [a = "-", b = "-"] = termination;
  if (a === "-" && b === "-") return "a normal end";
  return `${who[a] ?? a} ${when[b] ?? b}`.trim();
}
