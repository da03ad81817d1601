import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import getPort from "get-port";
import { pollUntil } from "../core/poll-until.ts";
import { dockerClient } from "../engine/docker-client.ts";
import { liveContainerCount } from "./container-registry.ts";
import { currentOwner, OWNER_LABEL, ROLE_LABEL, RUN_LABEL } from "./run-context.ts";

/** `CHAOS_REAPER=off` switches the reaper off (the sweep at the next start still removes what a killed run left). */
const REAPER_ENV = "CHAOS_REAPER";
/** The sidecar waits this long for the harness's connection, and the harness as long for the sidecar. */
const READY_TIMEOUT_MS = 10_000;

/**
 * The sidecar, in Python (the base image has it; no registry, no extra image). It listens on a loopback port,
 * takes one connection from the harness, and when that connection ends without a goodbye (a crash, SIGKILL:
 * the kernel closes the socket), removes every container whose owner label is the harness process's, three
 * passes a second apart (a create in flight when the harness died lands late), then exits; AutoRemove
 * removes the sidecar itself. With no connection within 10 s it exits without removing anything (the
 * harness then runs without it, and removes it).
 */
const REAPER_PY = String.raw`
import http.client, json, socket, sys, time, urllib.parse
port, owner, docker_socket, role_label, owner_label, nonce = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]

class DockerApi(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(docker_socket)

def api(method, path):
    conn = DockerApi("docker", timeout=30)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()

def reap():
    filters = urllib.parse.quote(json.dumps({"label": [owner_label + "=" + owner]}))
    status, body = api("GET", "/containers/json?all=1&filters=" + filters)
    if status != 200:
        return 0
    removed = 0
    for container in json.loads(body):
        if container.get("Labels", {}).get(role_label) == "reaper":
            continue
        status, _ = api("DELETE", "/containers/" + container["Id"] + "?force=1&v=1")
        removed += status in (204, 404)
    return removed

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(1)
server.settimeout(10)
try:
    harness, _ = server.accept()
except socket.timeout:
    sys.exit(0)
server.close()
harness.settimeout(None)
harness.sendall(("watching " + nonce + "\n").encode())
while True:
    try:
        data = harness.recv(4096)
    except OSError:
        break
    if not data:
        break
    if b"bye" in data:
        sys.exit(0)
removed = 0
for _ in range(3):
    removed += reap()
    time.sleep(1)
print("reaper: harness %s gone, removed %d container(s)" % (owner, removed), flush=True)
`;

let reaper: Promise<void> | undefined;

/**
 * Starts, once per process, the sidecar that removes this process's containers if it dies without doing so
 * (SIGKILL, the OOM killer, a CI job cancelled hard). Call it before starting the first container. Off
 * with CHAOS_REAPER=off, and when the engine is not reached through a local unix socket (the sidecar
 * mounts it). A failure to start it is reported once and does not stop the run.
 */
export function ensureReaper(image: string, warn: (message: string) => void = () => {}): Promise<void> {
  reaper ??= startReaper(image).catch((error: Error) =>
    warn(`the reaper did not start (${error.message}); a killed run's containers are removed at the next start`),
  );
  return reaper;
}

async function startReaper(image: string): Promise<void> {
  if (process.env[REAPER_ENV] === "off") return;
  const socketPath = localDockerSocket();
  if (!socketPath) return;
  const owner = currentOwner();
  const port = await getPort({ host: "127.0.0.1" });
  const docker = dockerClient();
  // Whoever else may listen on that port (another harness's sidecar that took it first) does not answer this.
  const nonce = randomBytes(8).toString("hex");
  const container = await docker.createContainer({
    Image: image,
    name: `chaos-reaper-${process.pid}-${port}`,
    Cmd: ["python3", "-c", REAPER_PY, String(port), owner, "/var/run/docker.sock", ROLE_LABEL, OWNER_LABEL, nonce],
    Labels: { [RUN_LABEL]: `reaper-${process.pid}`, [OWNER_LABEL]: owner, [ROLE_LABEL]: "reaper" },
    HostConfig: { NetworkMode: "host", AutoRemove: true, Binds: [`${socketPath}:/var/run/docker.sock`] },
  });
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    throw error;
  }
  const socket = await pollUntil(() => watch(port, nonce), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 });
  if (!socket) {
    await container.remove({ force: true }).catch(() => {});
    throw new Error(`it did not answer on 127.0.0.1:${port} within ${READY_TIMEOUT_MS / 1000} s`);
  }
  // The connection alone is the contract: it must not keep this process alive, and it ends when the process does.
  // A clean exit says goodbye (its containers are gone by then), and the sidecar leaves at once.
  // A crash (an uncaught error also ends in "exit") with containers still up says nothing, and they are removed.
  socket.unref();
  process.once("exit", () => {
    if (liveContainerCount() === 0) socket.end("bye\n");
  });
}

/** Connects and waits (a second at most) for the sidecar's "watching <nonce>" line; undefined if it is not listening yet. */
function watch(port: number, nonce: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const fail = () => {
      socket.destroy();
      resolve(undefined);
    };
    socket.setTimeout(1_000, fail);
    socket.once("error", fail);
    socket.once("end", fail);
    socket.once("data", (chunk) => {
      if (chunk.toString().trim() !== `watching ${nonce}`) return fail();
      socket.setTimeout(0);
      socket.removeListener("error", fail).removeListener("end", fail).removeListener("timeout", fail);
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

/** The engine's unix socket on this machine, if that is how it is reached (the sidecar mounts it). */
function localDockerSocket(): string | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host) return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}
