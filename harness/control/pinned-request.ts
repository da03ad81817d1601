import { Agent, type ClientRequest, request } from "node:http";
import { assertLoopbackUrl } from "../core/loopback.ts";

export interface PinnedRequest {
  /** The worker that accepted the connection, as /health reported it. */
  pid: number;
  /** Settles when the request ends: its status, or the error that ended it (a killed worker drops the socket). */
  outcome: Promise<{ status?: number; error?: string }>;
}

/**
 * Sends a request to a known worker: the health path first (its JSON names the worker's pid), then `path` on the same keep-alive connection,
 * which the same worker accepted. Resolves once the second request is on its way, on that socket.
 */
export async function sendPinnedRequest(baseUrl: string, healthPath: string, path: string, timeoutMs: number): Promise<PinnedRequest> {
  const url = assertLoopbackUrl(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (target: string): { req: ClientRequest; response: Promise<{ status: number; body: string }> } => {
    const req = request({ host: url.hostname, port: url.port, path: target, agent, timeout: timeoutMs });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on("error", reject);
    });
    req.end();
    return { req, response };
  };
  try {
    const health = await get(healthPath).response;
    const pid = (JSON.parse(health.body) as { pid?: number }).pid;
    if (!pid)
      throw new Error(
        `${healthPath} did not name its worker ({"pid": N} in its JSON), so the request cannot be pinned: ${health.body.slice(0, 200)}`,
      );
    const pinned = get(path);
    // Handled from the start: if the socket wait below fails, the request's own error still settles this promise.
    const outcome = pinned.response.then(
      (r) => ({ status: r.status }),
      (error: Error) => ({ error: error.message }),
    );
    void outcome.finally(() => agent.destroy());
    await new Promise<void>((resolve, reject) => {
      pinned.req.once("socket", () =>
        pinned.req.reusedSocket ? resolve() : reject(new Error("the worker closed the /health connection; cannot pin the request")),
      );
      pinned.req.once("error", reject);
    });
    return { pid, outcome };
  } catch (error) {
    agent.destroy();
    throw error;
  }
}
