import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfileSchema } from "./load-profile.ts";
import { runLoad } from "./run-load.ts";

/** A server that misbehaves on purpose: errors, hangs, and resets, so every counter can be seen to move. */
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/ok") return res.end("ok");
    if (req.url === "/fail") return res.writeHead(503).end("no");
    if (req.url === "/reset") return req.socket.destroy();
    if (req.url === "/hang") return; // never answers
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const profile = (input: object) => loadProfileSchema.parse({ durationS: 1, connections: 2, ...input });

describe("runLoad", () => {
  it("counts responses by status, and times them", async () => {
    const result = await runLoad(url, profile({ requests: [{ path: "/ok", weight: 3 }, { path: "/fail" }] }));
    expect(result.completed).toBeGreaterThan(20);
    expect(result.ok + result.non2xx).toBe(result.completed);
    // /fail answers 503, /ok 200: the mix is 3:1
    expect(result.status["503"]).toBe(result.non2xx);
    expect(result.status["200"]).toBe(result.ok);
    expect(result.ok / result.non2xx).toBeCloseTo(3, 0);
    expect(result.latencyMs.p99).toBeGreaterThan(0);
    expect(result.timeline.length).toBeGreaterThanOrEqual(1);
    expect(result.timeline.reduce((n, p) => n + p.completed, 0)).toBe(result.completed);
  });

  it("counts a request with no answer as a timeout", async () => {
    const result = await runLoad(url, profile({ durationS: 2.5, timeoutS: 1, requests: [{ path: "/hang" }] }));
    expect(result.completed).toBe(0);
    expect(result.errors.timeout).toBeGreaterThanOrEqual(2);
  });

  it("counts a connection the server closed mid-request as closed, and keeps later latencies honest", async () => {
    const result = await runLoad(url, profile({ requests: [{ path: "/reset" }, { path: "/ok" }] }));
    expect(result.errors.closed).toBeGreaterThan(10);
    // only /ok answers: every response is one
    expect(result.status).toEqual({ 200: result.completed });
    expect(result.completed).toBeGreaterThan(10);
    // each /ok is timed from its own start, not from the lost /reset before it
    expect(result.latencyMs.p50).toBeLessThan(50);
  });

  it("counts refused connections when nothing listens", async () => {
    const idle = createServer();
    await new Promise<void>((resolve) => idle.listen(0, "127.0.0.1", resolve));
    const port = (idle.address() as AddressInfo).port;
    await new Promise<void>((resolve) => idle.close(() => resolve()));
    const result = await runLoad(`http://127.0.0.1:${port}`, profile({ durationS: 1, requests: [{ path: "/health" }] }));
    expect(result.errors.refused).toBeGreaterThan(0);
  });

  it("stops by itself at the request bound", async () => {
    const result = await runLoad(url, profile({ durationS: 30, maxRequests: 50, requests: [{ path: "/ok" }] }));
    expect(result.stoppedBy).toBe("max-requests");
    expect(result.endedAt - result.startedAt).toBeLessThan(5_000);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await runLoad(url, profile({ durationS: 30, requests: [{ path: "/ok" }] }), { signal: controller.signal });
    expect(result.stoppedBy).toBe("aborted");
    expect(result.endedAt - result.startedAt).toBeLessThan(5_000);
  });

  it("refuses any target that is not loopback, before sending anything", async () => {
    await expect(runLoad("http://10.1.2.3:8080", profile({}))).rejects.toThrow(/only targets loopback/);
    await expect(runLoad("http://example.com", profile({}))).rejects.toThrow(/only targets loopback/);
  });
});
