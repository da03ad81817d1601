import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendPinnedRequest } from "./pinned-request.ts";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A fake worker: /health names pid 4242 (`closeAfterHealth` ends that connection); /drop drops the socket. */
async function startWorker(options: { closeAfterHealth: boolean }): Promise<string> {
  server = createServer((req, res) => {
    if (req.url === "/health") {
      if (options.closeAfterHealth) res.setHeader("connection", "close");
      res.end(JSON.stringify({ pid: 4242 }));
      return;
    }
    if (req.url === "/drop") {
      req.socket.destroy();
      return;
    }
    res.end("ok");
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Collects the process's unhandled rejections while `body` runs, and a little after (a socket error lands a tick later). */
async function unhandledRejectionsDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

describe("sendPinnedRequest", () => {
  it("pins the request to the worker that answered /health and reports its status", async () => {
    const baseUrl = await startWorker({ closeAfterHealth: false });
    const pinned = await sendPinnedRequest(baseUrl, "/health", "/work", 2_000);
    expect(pinned.pid).toBe(4242);
    expect(await pinned.outcome).toEqual({ status: 200 });
  });

  it("reports a dropped socket as the request's outcome", async () => {
    const baseUrl = await startWorker({ closeAfterHealth: false });
    const pinned = await sendPinnedRequest(baseUrl, "/health", "/drop", 2_000);
    expect((await pinned.outcome).error).toMatch(/socket hang up|ECONNRESET/);
  });

  it("refuses to pin when the worker closed the /health connection, leaving no unhandled rejection behind", async () => {
    const baseUrl = await startWorker({ closeAfterHealth: true });
    const unhandled = await unhandledRejectionsDuring(async () => {
      await expect(sendPinnedRequest(baseUrl, "/health", "/work", 2_000)).rejects.toThrow(/closed the \/health connection/);
    });
    expect(unhandled).toEqual([]);
  });
});
