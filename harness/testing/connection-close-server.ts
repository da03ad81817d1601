import { once } from "node:events";
import { createServer, type Socket } from "node:net";

export interface ConnectionCloseServer extends AsyncDisposable {
  url: string;
  /** Requests read off the wire, whatever became of them. */
  readonly read: number;
  /** Requests answered with a whole response. */
  readonly answered: number;
  /** Requests that arrived on a connection after its `Connection: close` response: written by a client that ignored it. */
  readonly afterClose: number;
  /** Requests read and left unanswered as the connection closed ("cut" mode): the server's fault. */
  readonly cut: number;
}

/**
 * How the server ends every `every`-th request (counted over all connections):
 * - `announce`: answers it with `Connection: close`, then closes the connection at once, as gunicorn 26's asgi worker
 *   does once SIGTERM turned keep-alive off. A client that honours HTTP loses nothing.
 * - `cut`: reads it, then closes the connection with no answer and no warning (a worker exiting mid-request).
 */
export type CloseMode = "announce" | "cut";

const OK = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n";

/**
 * A loopback HTTP/1.1 server, over raw TCP so that what it does to each connection is exact: it answers every request
 * with 200 and keeps the connection alive, except every `every`-th one, which it ends as `mode` says. It reads
 * requests without a body only (what the load generators send here).
 */
export async function startConnectionCloseServer(mode: CloseMode, every: number): Promise<ConnectionCloseServer> {
  const counts = { read: 0, answered: 0, afterClose: 0, cut: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let pending = "";
    let closing = false;
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end !== -1; end = pending.indexOf("\r\n\r\n")) {
        pending = pending.slice(end + 4);
        counts.read++;
        if (closing) {
          counts.afterClose++;
          continue;
        }
        const last = counts.read % every === 0;
        if (last && mode === "cut") {
          counts.cut++;
          closing = true;
          socket.end();
        } else if (last) {
          counts.answered++;
          closing = true;
          socket.end(`${OK}connection: close\r\n\r\nok`);
        } else {
          counts.answered++;
          socket.write(`${OK}\r\nok`);
        }
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get read() {
      return counts.read;
    },
    get answered() {
      return counts.answered;
    },
    get afterClose() {
      return counts.afterClose;
    },
    get cut() {
      return counts.cut;
    },
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
