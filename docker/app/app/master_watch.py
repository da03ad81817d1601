"""Master-side evidence for the banners: how each worker really ended, and whether the kernel OOM-killed it.

gunicorn's child_exit(server, worker) hook runs in the master after it reaps a worker, but it is not
told the exit status. install() records the statuses that the arbiter's own os.waitpid calls return,
without changing them, so that child_exit can tell an abort from a SIGKILL.
"""
import os
import signal

from . import banners
from .stack_dump import blocked_thread_frames, guilty_frame, take_stack_dump

_statuses = {}
_oom_kills_seen = None


def install():
    global _oom_kills_seen
    waitpid = os.waitpid

    def recording_waitpid(pid, options):
        wpid, status = waitpid(pid, options)
        if wpid:
            if len(_statuses) > 1000:
                _statuses.clear()
            _statuses[wpid] = status
        return wpid, status

    os.waitpid = recording_waitpid
    _oom_kills_seen = (read_memory_cgroup() or {}).get("oom_kill")


def on_child_exit(server, worker):
    status = _statuses.pop(worker.pid, None)
    killed_by = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
    dump = take_stack_dump(worker.pid)
    if worker.aborted:  # set by the arbiter when it aborts a worker for exceeding the timeout
        frames = blocked_thread_frames(dump) if dump else []
        name = signal.Signals(killed_by).name if killed_by else None
        banners.emit(banners.abort(worker.pid, server.cfg.timeout, name, frames, guilty_frame(frames)))
    elif killed_by == signal.SIGKILL:
        # The arbiter closes its listeners when it starts stopping; its last act is SIGKILL to any worker left.
        by_master = None if server.LISTENERS else server.cfg.graceful_timeout
        banners.emit(banners.sigkill(worker.pid, _oom_evidence(), by_master))


def _oom_evidence():
    global _oom_kills_seen
    cgroup = read_memory_cgroup()
    if cgroup is None or cgroup.get("oom_kill") is None or _oom_kills_seen is None:
        return None
    before, _oom_kills_seen = _oom_kills_seen, cgroup["oom_kill"]
    return {"before": before, "after": cgroup["oom_kill"], "limit_bytes": cgroup.get("limit"), "usage_bytes": cgroup.get("usage")}


def read_memory_cgroup():
    """This container's memory cgroup (v2 or v1): oom_kill count, limit and usage in bytes; None if unreadable."""
    layouts = [
        ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ]
    for events, limit, usage in layouts:
        try:
            with open(events) as f:
                fields = dict(line.split() for line in f if len(line.split()) == 2)
        except OSError:
            continue
        result = {"oom_kill": int(fields["oom_kill"]) if "oom_kill" in fields else None}
        result["limit"] = _read_number(limit)
        result["usage"] = _read_number(usage)
        if result["limit"] is not None and result["limit"] >= 2**60:
            result["limit"] = None
        return result
    return None


def _read_number(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None
