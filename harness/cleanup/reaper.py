"""The reaper sidecar (harness/cleanup/reaper.ts starts it with the base image's Python: no registry, no extra image).

It listens on a loopback port and takes one connection from the harness. When that connection ends without a
goodbye (a crash, SIGKILL: the kernel closes the socket), it removes every container whose owner label is the
harness process's, three passes a second apart (a create in flight when the harness died lands late), then exits;
AutoRemove removes the sidecar itself. With no connection within 10 s it exits without removing anything.

Arguments: port, owner, docker socket path, role label, owner label, nonce (sent back so the harness knows it is us).
"""
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
