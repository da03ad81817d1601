import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("apps/synthetic/server.mjs", import.meta.url));

export interface SyntheticServer extends AsyncDisposable {
  url: string;
  /** Requests per second it can serve: 1000 / service time. */
  capacityRps: number;
}

/** Starts, in its own process, a loopback server that serves one request at a time for exactly `serviceMs`. */
export async function startSyntheticServer(serviceMs: number): Promise<SyntheticServer> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, SERVICE_MS: String(serviceMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number.parseInt(chunk.toString(), 10);
  if (!Number.isInteger(port)) throw new Error(`the synthetic server printed no port: ${chunk.toString()}`);
  return {
    url: `http://127.0.0.1:${port}`,
    capacityRps: 1000 / serviceMs,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) {
        child.kill();
        await once(child, "exit");
      }
    },
  };
}
