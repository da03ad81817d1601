import { createConnection, createServer, type Server, type Socket } from "node:net";
import { UsageError } from "../core/errors.ts";
import { isLoopbackHost } from "../core/loopback.ts";

export interface Upstream {
  host: string;
  port: number;
}

/** One direction of a connection: chunks wait here, in order, until they are due (the latency toxic). */
interface Lane {
  from: Socket;
  to: Socket;
  queue: Array<{ due: number; chunk: Buffer | "end" }>;
  /** Bytes in `queue`: read from `from`, not yet handed to `to`. */
  held: number;
  timer: NodeJS.Timeout | undefined;
  /** `to.write()` returned false: nothing more is written until its "drain". */
  awaitingDrain: boolean;
  /** Its end was delivered: this direction is over. */
  ended: boolean;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  lanes: Lane[];
}

/** New connections beyond this many are closed at once. */
const MAX_CONNECTIONS = 512;

/**
 * The most bytes one direction of a connection holds (queued under latency, or waiting for a slow reader)
 * before the proxy stops reading its source; it reads again once half of that has gone out. Memory stays
 * bounded (at most this plus a socket's buffers per direction, times MAX_CONNECTIONS) whatever the delay.
 */
export const MAX_HELD_BYTES = 1024 * 1024;

/**
 * A TCP proxy between the app and the harness's Postgres (Toxiproxy's model, on node:net): the app's
 * database URL points at it from boot, so faults can act on a pool opened long before they start.
 * It only ever connects to the one loopback upstream it was given. Toxics: latency (with jitter; the
 * byte order of each direction is kept), stall (accept, forward nothing), reset (every live
 * connection), refuse (new connections). Bounded in bytes as in connections: a direction that holds
 * MAX_HELD_BYTES stops reading its source until it drains, and every write honours backpressure.
 */
export class DbProxy {
  private readonly pairs = new Set<Pair>();
  private latency: { ms: number; jitterMs: number } | undefined;
  private stalled = false;
  private server: Server | undefined;
  private stopped = false;
  private boundPort = 0;

  private constructor(private readonly upstream: Upstream) {}

  /** Listens on 127.0.0.1 (`port`, or a free one) and forwards to `upstream`, which must be on loopback. */
  static async start(upstream: Upstream, port = 0): Promise<DbProxy> {
    if (!isLoopbackHost(upstream.host)) {
      throw new UsageError(
        "NOT_LOOPBACK",
        `Refusing to proxy to ${upstream.host}:${upstream.port}: the database proxy only forwards to loopback.`,
      );
    }
    const proxy = new DbProxy(upstream);
    proxy.boundPort = await proxy.listen(port);
    return proxy;
  }

  /** The loopback port the app's database URL points at. */
  get port(): number {
    return this.boundPort;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Bytes the proxy holds now, every direction of every connection: queued in its lanes and waiting in its sockets' write buffers. */
  get heldBytes(): number {
    let bytes = 0;
    for (const pair of this.pairs) for (const lane of pair.lanes) bytes += lane.held + lane.to.writableLength;
    return bytes;
  }

  /** Delays every chunk, both ways, by `ms` ± `jitterMs`, in order; `undefined` ends it (what is held still goes first). */
  setLatency(latency: { ms: number; jitterMs: number } | undefined): void {
    this.latency = latency;
  }

  /** Accepts and holds: nothing is forwarded until `resume()`, existing connections included. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  resume(): void {
    this.stalled = false;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      // Each side reads again unless its lane is full: a stall's end must not undo backpressure.
      for (const lane of pair.lanes) this.regulate(lane);
    }
  }

  /** Resets every live connection (the client sees ECONNRESET). */
  resetAll(): number {
    const count = this.pairs.size;
    for (const pair of [...this.pairs]) this.close(pair, true);
    return count;
  }

  /** Stops accepting: new connections are refused (ECONNREFUSED); live ones go on. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // close() stops listening at once; its callback would wait for the live connections, which go on.
    server?.close();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Accepts again, on the same port; rejects (and stays refusing) when the port was taken meanwhile. */
  async accept(): Promise<void> {
    if (!this.server && !this.stopped) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resetAll();
    await this.refuse();
  }

  private listen(port: number): Promise<number> {
    const server = createServer((client) => this.onClient(client));
    server.maxConnections = MAX_CONNECTIONS;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        // A failed accept (out of file descriptors) must not end the harness: that client just fails.
        server.on("error", () => undefined);
        this.server = server;
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  private onClient(client: Socket): void {
    const pair: Pair = { client, lanes: [] };
    this.pairs.add(pair);
    client.on("error", () => this.close(pair, true));
    if (this.stalled) client.pause();
    else this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = createConnection({ host: this.upstream.host, port: this.upstream.port });
    pair.upstream = upstream;
    upstream.on("error", () => this.close(pair, true));
    this.forward(pair, pair.client, upstream);
    this.forward(pair, upstream, pair.client);
  }

  /** Reads from a lane's source only while the proxy is not stalled and the lane has room: the byte bound. */
  private regulate(lane: Lane): void {
    if (this.stalled || lane.held >= MAX_HELD_BYTES) lane.from.pause();
    else if (lane.from.isPaused() && lane.held <= MAX_HELD_BYTES / 2) lane.from.resume();
  }

  /**
   * Copies `from` to `to` through one lane: a chunk (or the end) waits behind what is already held, so
   * order is kept when latency changes or jitters, and what a side sent before closing still arrives.
   * A full lane pauses `from`; a full `to` (write() returned false) stops the lane until it drains.
   */
  private forward(pair: Pair, from: Socket, to: Socket): void {
    const lane: Lane = { from, to, queue: [], held: 0, timer: undefined, awaitingDrain: false, ended: false };
    pair.lanes.push(lane);
    const deliver = () => {
      lane.timer = undefined;
      // Closed (reset, stopped): what it held is dropped, and nothing is scheduled again.
      if (!this.pairs.has(pair)) return;
      lane.awaitingDrain = false;
      while (lane.queue.length > 0 && lane.queue[0]!.due <= Date.now() && !lane.awaitingDrain) {
        const { chunk } = lane.queue.shift()!;
        if (chunk === "end") lane.ended = true;
        else lane.held -= chunk.length;
        if (to.destroyed) continue;
        if (chunk === "end") to.end();
        else if (!to.write(chunk)) lane.awaitingDrain = true;
      }
      this.regulate(lane);
      if (lane.awaitingDrain) waitForDrain();
      else if (lane.queue.length > 0) lane.timer = setTimeout(deliver, lane.queue[0]!.due - Date.now());
      else if (pair.lanes.length === 2 && pair.lanes.every((l) => l.ended)) this.close(pair);
    };
    // A socket that closes never drains: its close lets the lane go on, dropping what it held, as before.
    const waitForDrain = () => {
      const go = () => {
        to.off("drain", go);
        to.off("close", go);
        deliver();
      };
      to.on("drain", go);
      to.on("close", go);
    };
    const enqueue = (chunk: Buffer | "end") => {
      const delay = this.latency ? Math.max(0, this.latency.ms + (Math.random() * 2 - 1) * this.latency.jitterMs) : 0;
      const last = lane.queue.at(-1)?.due ?? 0;
      lane.queue.push({ due: Math.max(Date.now() + delay, last), chunk });
      if (chunk !== "end") {
        lane.held += chunk.length;
        this.regulate(lane);
      }
      if (!lane.timer && !lane.awaitingDrain) lane.timer = setTimeout(deliver, Math.max(0, lane.queue[0]!.due - Date.now()));
    };
    from.on("data", (chunk: Buffer) => enqueue(chunk));
    from.on("end", () => enqueue("end"));
    this.regulate(lane);
  }

  private close(pair: Pair, reset = false): void {
    if (!this.pairs.delete(pair)) return;
    for (const lane of pair.lanes) clearTimeout(lane.timer);
    if (reset && !pair.client.destroyed) pair.client.resetAndDestroy();
    else pair.client.destroy();
    pair.upstream?.destroy();
  }
}
