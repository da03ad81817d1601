"""Prints, as JSON, the settings the running gunicorn master really has.

Run inside the app container by the harness (harness/stack/gunicorn-config.ts) once the app is up. It finds the
master in /proc (a gunicorn process whose parent is not one), takes its argv, environment and working directory,
and lets gunicorn's own loader resolve them as the master did: defaults, then the config file, then
GUNICORN_CMD_ARGS, then the command line. The app itself is not imported.
"""
import json
import os
import sys

SETTINGS = ("bind", "workers", "timeout", "graceful_timeout", "keepalive", "max_requests", "max_requests_jitter", "worker_class")


def read_argv(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [part.decode(errors="replace") for part in f.read().split(b"\0")[:-1]]


def parent_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def gunicorn_args(argv):
    """gunicorn's own arguments in a command line (`gunicorn ...`, `python3 /usr/bin/gunicorn ...`, `python -m gunicorn ...`)."""
    for i, part in enumerate(argv):
        if os.path.basename(part) == "gunicorn":
            return argv[i + 1:]
        if part == "-m" and i + 1 < len(argv) and argv[i + 1] == "gunicorn":
            return argv[i + 2:]
    return None


def find_master():
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    gunicorns = {}
    for pid in pids:
        try:
            args = gunicorn_args(read_argv(pid))
            if args is not None:
                gunicorns[pid] = args
        except OSError:
            pass
    for pid, args in gunicorns.items():
        try:
            if parent_of(pid) not in gunicorns:
                return pid, args
        except OSError:
            pass
    return None, None


def main():
    pid, args = find_master()
    if pid is None:
        print(json.dumps({"error": "no gunicorn master found in /proc (its command line does not name gunicorn)"}))
        return
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(entry.decode(errors="replace").split("=", 1) for entry in f.read().split(b"\0") if b"=" in entry)
    os.chdir(os.readlink(f"/proc/{pid}/cwd"))
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, os.getcwd())
    sys.argv = ["gunicorn", *args]
    from gunicorn.app.wsgiapp import WSGIApplication

    cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    settings = {}
    for name in SETTINGS:
        value = cfg.settings[name].get() if name in cfg.settings else None
        settings[name] = value if isinstance(value, (int, float, str, list)) or value is None else str(value)
    print(json.dumps({"pid": pid, "argv": args, "cmdArgsEnv": env.get("GUNICORN_CMD_ARGS", ""), "settings": settings}))


if __name__ == "__main__":
    main()
