import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbProxy, MAX_HELD_BYTES } from "./db-proxy.ts";

/** A stand-in upstream on loopback: echoes what it gets, and counts who connected. */
let upstream: Server;
let upstreamPort: number;
const accepted: Socket[] = [];

beforeAll(async () => {
  upstream = createServer((socket) => {
    accepted.push(socket);
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
});
afterAll(() => {
  for (const socket of accepted) socket.destroy();
  return new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Sends `text` and resolves with the echo and how long it took, or "silence" after `waitMs`. */
function roundTrip(socket: Socket, text: string, waitMs = 2_000): Promise<{ echo: string; ms: number } | "silence"> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off("data", onData);
      resolve("silence");
    }, waitMs);
    const onData = (chunk: Buffer) => {
      clearTimeout(timer);
      socket.off("data", onData);
      resolve({ echo: chunk.toString(), ms: Date.now() - started });
    };
    socket.on("data", onData);
    socket.write(text);
  });
}

describe("the database proxy", () => {
  it("only ever forwards to the loopback upstream it was given", async () => {
    await expect(DbProxy.start({ host: "10.1.2.3", port: 5432 })).rejects.toThrow(/only forwards to loopback/);
    await expect(DbProxy.start({ host: "db.example.com", port: 5432 })).rejects.toThrow(/only forwards to loopback/);
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    const before = accepted.length;
    const clients = await Promise.all([open(proxy.port), open(proxy.port), open(proxy.port)]);
    for (const client of clients) expect(await roundTrip(client, "ping")).toMatchObject({ echo: "ping" });
    // Every client connection became exactly one connection to that upstream, from loopback.
    expect(accepted.length - before).toBe(3);
    expect(accepted.slice(before).every((s) => s.remoteAddress === "127.0.0.1")).toBe(true);
    for (const client of clients) client.destroy();
    await proxy.stop();
  });

  it("adds latency both ways, keeping order", async () => {
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    const client = await open(proxy.port);
    const fast = await roundTrip(client, "a");
    proxy.setLatency({ ms: 100, jitterMs: 10 });
    const slow = await roundTrip(client, "b");
    proxy.setLatency(undefined);
    expect(fast).not.toBe("silence");
    expect(slow).toMatchObject({ echo: "b" });
    // 90 ms at least on the way there and again on the way back.
    expect((slow as { ms: number }).ms).toBeGreaterThanOrEqual(180);
    client.destroy();
    await proxy.stop();
  });

  it("stalls: accepts, forwards nothing, then lets it all through on resume", async () => {
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    const live = await open(proxy.port);
    proxy.stall();
    const fresh = await open(proxy.port);
    expect(await roundTrip(live, "held", 300)).toBe("silence");
    const pending = roundTrip(fresh, "later", 2_000);
    setTimeout(() => proxy.resume(), 200);
    expect(await pending).toMatchObject({ echo: "later" });
    live.destroy();
    fresh.destroy();
    await proxy.stop();
  });

  it("resets every live connection", async () => {
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    const client = await open(proxy.port);
    await roundTrip(client, "x");
    const failed = new Promise<string>((resolve) => client.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")));
    expect(proxy.resetAll()).toBe(1);
    expect(await failed).toBe("ECONNRESET");
    expect(proxy.connections).toBe(0);
    await proxy.stop();
  });

  it("refuses new connections, keeps the live ones, and accepts again on the same port", async () => {
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    const live = await open(proxy.port);
    await proxy.refuse();
    await expect(open(proxy.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await roundTrip(live, "still")).toMatchObject({ echo: "still" });
    await proxy.accept();
    const again = await open(proxy.port);
    expect(await roundTrip(again, "back")).toMatchObject({ echo: "back" });
    live.destroy();
    again.destroy();
    await proxy.stop();
  });
});

describe("the database proxy keeps each direction's bytes in order", () => {
  it("under jitter, and when latency ends with chunks still held", async () => {
    const received: string[] = [];
    const sink = createServer((socket) => {
      socket.on("data", (chunk) => received.push(chunk.toString()));
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: (sink.address() as { port: number }).port });
    const client = await open(proxy.port);
    proxy.setLatency({ ms: 40, jitterMs: 40 });
    const sent = Array.from({ length: 200 }, (_, i) => `${i};`);
    for (const piece of sent.slice(0, 150)) {
      client.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    proxy.setLatency(undefined);
    for (const piece of sent.slice(150)) client.write(piece);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.join("")).toBe(sent.join(""));
    client.destroy();
    await proxy.stop();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  });

  it("delivers what the server said before closing, then closes the client", async () => {
    const farewell = createServer((socket) => socket.end("FATAL: terminating connection"));
    await new Promise<void>((resolve) => farewell.listen(0, "127.0.0.1", resolve));
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: (farewell.address() as { port: number }).port });
    proxy.setLatency({ ms: 50, jitterMs: 0 });
    const client = await open(proxy.port);
    const heard = await new Promise<string>((resolve) => {
      let text = "";
      client.on("data", (chunk) => (text += chunk.toString()));
      client.on("end", () => resolve(text));
    });
    expect(heard).toBe("FATAL: terminating connection");
    client.destroy();
    await proxy.stop();
    await new Promise<void>((resolve) => farewell.close(() => resolve()));
  });

  it("stays refusing, with a clear error, when its port was taken while it refused", async () => {
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: upstreamPort });
    await proxy.refuse();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(proxy.port, "127.0.0.1", resolve));
    await expect(proxy.accept()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await proxy.accept();
    const again = await open(proxy.port);
    expect(await roundTrip(again, "back")).toMatchObject({ echo: "back" });
    again.destroy();
    await proxy.stop();
  });
});

/** A stand-in Postgres that keeps every byte it reads, in order; `paused`: it reads nothing until `read()`. */
async function startSink(paused = false) {
  const chunks: Buffer[] = [];
  let received = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    if (paused) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    get received() {
      return received;
    },
    bytes: () => Buffer.concat(chunks),
    read: () => {
      for (const socket of sockets) socket.resume();
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Samples `proxy.heldBytes` every few ms for `ms`; resolves with the most it saw. */
async function mostHeld(proxy: DbProxy, ms: number): Promise<number> {
  let most = 0;
  const sampler = setInterval(() => (most = Math.max(most, proxy.heldBytes)), 5);
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearInterval(sampler);
  return Math.max(most, proxy.heldBytes);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
}

/** Slack over the bound: the chunk that crosses it, and a socket's write buffer. */
const SLACK = 256 * 1024;

describe("the database proxy holds a bounded number of bytes", () => {
  it("under a long latency, a client sending 32 MiB makes it hold no more than the bound; all arrives, in order, afterwards", async () => {
    const sink = await startSink();
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: sink.port });
    proxy.setLatency({ ms: 400, jitterMs: 0 });
    const client = await open(proxy.port);
    const sent = randomBytes(32 * 1024 * 1024);
    client.write(sent);
    const most = await mostHeld(proxy, 1_200);
    // It did fill up (the test saw the bound at work), and never past it; the rest waited on the client's side.
    expect(most).toBeGreaterThanOrEqual(MAX_HELD_BYTES / 2);
    expect(most).toBeLessThanOrEqual(MAX_HELD_BYTES + SLACK);
    // 400 ms per lane-full: in 1.2 s Postgres got a few MiB, not the 32 sent.
    expect(sink.received).toBeLessThan(8 * 1024 * 1024);
    proxy.setLatency(undefined);
    expect(await until(() => sink.received >= sent.length, 15_000)).toBe(true);
    expect(sink.bytes().equals(sent)).toBe(true);
    expect(proxy.heldBytes).toBe(0);
    client.destroy();
    await proxy.stop();
    await sink.close();
  });

  it("honours backpressure: an upstream that reads nothing makes it stop reading the client, not buffer what it sends", async () => {
    const sink = await startSink(true);
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: sink.port });
    const client = await open(proxy.port);
    const sent = randomBytes(32 * 1024 * 1024);
    client.write(sent);
    const most = await mostHeld(proxy, 800);
    expect(most).toBeGreaterThanOrEqual(MAX_HELD_BYTES / 2);
    expect(most).toBeLessThanOrEqual(MAX_HELD_BYTES + SLACK);
    sink.read();
    expect(await until(() => sink.received >= sent.length, 15_000)).toBe(true);
    expect(sink.bytes().equals(sent)).toBe(true);
    client.destroy();
    await proxy.stop();
    await sink.close();
  });

  it("stays bounded across a stall and its end, and delivers everything in order", async () => {
    const sink = await startSink();
    const proxy = await DbProxy.start({ host: "127.0.0.1", port: sink.port });
    proxy.setLatency({ ms: 300, jitterMs: 0 });
    const client = await open(proxy.port);
    const sent = randomBytes(16 * 1024 * 1024);
    client.write(sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.stall();
    proxy.resume();
    const most = await mostHeld(proxy, 600);
    expect(most).toBeLessThanOrEqual(MAX_HELD_BYTES + SLACK);
    proxy.setLatency(undefined);
    expect(await until(() => sink.received >= sent.length, 15_000)).toBe(true);
    expect(sink.bytes().equals(sent)).toBe(true);
    client.destroy();
    await proxy.stop();
    await sink.close();
  });
});
