// A server with a known capacity, for the load generator's and the capacity search's tests: it serves one
// request at a time, each for exactly SERVICE_MS (on a virtual clock, so timer jitter does not change the
// rate), so its capacity is 1000 / SERVICE_MS requests per second. Prints its port, then serves until killed.
import { createServer } from "node:http";

const serviceMs = Number(process.env.SERVICE_MS ?? "5");
let busyUntil = 0;
const server = createServer((_request, response) => {
  const now = performance.now();
  busyUntil = Math.max(now, busyUntil) + serviceMs;
  setTimeout(() => response.end("ok\n"), busyUntil - now);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
