import { connect } from "node:net";
import { pollUntil } from "../core/poll-until.ts";

/** A server's state as HAProxy's `show stat` reports it. */
export interface ServerState {
  name: string;
  /** `UP`, `DOWN`, `MAINT`, `DRAIN`, `no check`, or a transition such as `UP 1/2`. */
  status: string;
  /** Sessions in progress on it right now (requests being served). */
  sessions: number;
  /** Requests it has been sent in all. */
  total: number;
  /** Responses that failed (`eresp`): the server closed or broke the connection before a whole response. */
  responseErrors: number;
  /** Transfers the server aborted (`srv_abrt`). */
  serverAborts: number;
  /** Connections to it that failed (`econ`). */
  connectErrors: number;
  /** Requests sent over an idle connection reused from the pool (`reuse`), and connections opened (`connect`). */
  reused: number;
  connects: number;
}

/** What the harness asks of a server: serve (once healthy), finish what it has and take nothing new, or take nothing at all. */
export type ServerCommand = "ready" | "drain" | "maint";

const BACKEND = "replicas";

/**
 * HAProxy's runtime API over its loopback admin socket (one command per connection, as HAProxy's
 * non-interactive mode answers it): enable, drain and disable servers, and read their state.
 */
export class BalancerApi {
  constructor(private readonly port: number) {}

  /** Sends one command and resolves with HAProxy's whole answer. */
  send(command: string, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: this.port });
      const chunks: Buffer[] = [];
      socket.setTimeout(timeoutMs, () =>
        socket.destroy(new Error(`HAProxy's runtime API did not answer "${command}" within ${timeoutMs} ms`)),
      );
      socket.on("connect", () => socket.end(`${command}\n`));
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
    });
  }

  /** `set server replicas/NAME state ready|drain|maint`; throws with HAProxy's words if it refused. */
  async setServer(name: string, state: ServerCommand): Promise<void> {
    const answer = (await this.send(`set server ${BACKEND}/${name} state ${state}`)).trim();
    if (answer) throw new Error(`HAProxy refused to set ${name} ${state}: ${answer}`);
  }

  /** Every server of the replicas' backend, from `show stat`. */
  async servers(): Promise<ServerState[]> {
    return parseShowStat(await this.send("show stat"));
  }

  async server(name: string): Promise<ServerState | undefined> {
    return (await this.servers()).find((s) => s.name === name);
  }

  /** Resolves once the server's health check passes and it takes traffic; false on timeout. */
  async waitUntilUp(name: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const up = await pollUntil(async () => ((await this.server(name))?.status === "UP" ? true : undefined), {
      timeoutMs,
      intervalMs: 100,
      signal,
    });
    return up === true;
  }

  /** Resolves once no request is in progress on the server; false on timeout. */
  async waitUntilIdle(name: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const idle = await pollUntil(async () => ((await this.server(name))?.sessions === 0 ? true : undefined), {
      timeoutMs,
      intervalMs: 50,
      signal,
    });
    return idle === true;
  }
}

/** The server rows of `show stat` CSV for the replicas' backend. */
export function parseShowStat(csv: string): ServerState[] {
  const [header, ...rows] = csv.split("\n").filter((l) => l.trim());
  if (!header?.startsWith("# ")) return [];
  const columns = header.slice(2).split(",");
  const at = (name: string) => columns.indexOf(name);
  const [px, sv, status] = ["pxname", "svname", "status"].map(at) as [number, number, number];
  const count = (cells: string[], column: string) => Number(cells[at(column)] || 0);
  return rows
    .map((row) => row.split(","))
    .filter((cells) => cells[px] === BACKEND && cells[sv] !== "BACKEND" && cells[sv] !== "FRONTEND")
    .map((cells) => ({
      name: cells[sv]!,
      status: cells[status]!,
      sessions: count(cells, "scur"),
      total: count(cells, "stot"),
      responseErrors: count(cells, "eresp"),
      serverAborts: count(cells, "srv_abrt"),
      connectErrors: count(cells, "econ"),
      reused: count(cells, "reuse"),
      connects: count(cells, "connect"),
    }));
}
