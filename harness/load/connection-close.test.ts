import { once } from "node:events";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../core/poll-until.ts";
import { startConnectionCloseServer } from "../testing/connection-close-server.ts";
import { runBursts } from "./bursts.ts";
import { loadProfileSchema } from "./load-profile.ts";
import type { LoadResult } from "./load-result.ts";
import { runOpenLoop } from "./open-loop.ts";
import { runLoad } from "./run-load.ts";

const REQUESTS = 400;
/** Every 10th response ends its connection: 40 closes per run. */
const EVERY = 10;

const closedLoop = (url: string) =>
  runLoad(url, loadProfileSchema.parse({ durationS: 10, maxRequests: REQUESTS, connections: 4, requests: [{ path: "/" }] }));
const openLoop = (url: string) =>
  runOpenLoop(url, {
    rate: REQUESTS,
    durationS: 1,
    maxRequests: REQUESTS,
    connections: 4,
    timeoutS: 5,
    requests: [{ path: "/", method: "GET", weight: 1 }],
  });
// Bursts on the shared connection (not a fresh one per request), so that a burst's next request meets the one its last response closed.
const bursts = (url: string) => {
  const profile = loadProfileSchema.parse({
    durationS: 10,
    maxRequests: REQUESTS,
    connections: 8,
    bursts: { size: 8, gapS: 0.01, sweepMs: [0, 0], freshConnections: false },
    requests: [{ path: "/" }],
  });
  return runBursts(url, { ...profile, bursts: profile.bursts! });
};

const generators: Array<[string, (url: string) => Promise<LoadResult>]> = [
  ["the closed loop (autocannon)", closedLoop],
  ["the open loop (undici)", openLoop],
  ["the bursts (undici)", bursts],
];

describe.each(generators)("%s", (_name, drive) => {
  it("honours Connection: close: the next request goes on a new connection, and nothing is counted as cut", async () => {
    await using server = await startConnectionCloseServer("announce", EVERY);
    const result = await drive(server.url);
    expect(result.errors).toEqual({ timeout: 0, reset: 0, refused: 0, closed: 0, other: 0 });
    expect(server.afterClose).toBe(0);
    expect(result.ok).toBe(REQUESTS);
    // every request the server read was answered, and every answer counted
    expect(server.read).toBe(REQUESTS);
    expect(server.answered).toBe(REQUESTS);
  });

  it("still counts as closed a request the server cut with no warning", async () => {
    await using server = await startConnectionCloseServer("cut", EVERY);
    const result = await drive(server.url);
    expect(server.cut).toBeGreaterThan(10);
    expect(result.errors.closed).toBe(server.cut);
    expect(result.ok).toBe(server.answered);
  });
});

describe("the Connection: close stand-in", () => {
  it("sees a request written after its Connection: close by a client that ignores the header", async () => {
    await using server = await startConnectionCloseServer("announce", 1);
    const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    const closed = once(socket, "close");
    socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await once(socket, "data");
    socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    await closed;
    const seen = await pollUntil(() => (server.read === 2 ? server : undefined), { timeoutMs: 2_000, intervalMs: 10 });
    expect({ read: seen?.read, answered: seen?.answered, afterClose: seen?.afterClose }).toEqual({ read: 2, answered: 1, afterClose: 1 });
  });
});
