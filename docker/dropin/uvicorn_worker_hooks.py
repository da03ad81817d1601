"""Makes gunicorn's worker_int and worker_abort hooks run under uvicorn's UvicornWorker and gunicorn's own ASGI worker, and says why workers died.

Usage: copy this file next to your gunicorn.conf.py, and end gunicorn.conf.py (after your own hooks) with

    from uvicorn_worker_hooks import install
    install(globals())

gunicorn puts the directory it runs from on sys.path before it reads the config. If it runs from another
directory than this file's, add `import os, sys; sys.path.insert(0, os.path.dirname(__file__))` before them.
Nothing else changes: your worker_int, worker_abort, on_starting and child_exit stay as you wrote them.

Why: under uvicorn.workers.UvicornWorker gunicorn's worker_int and worker_abort never run. UvicornWorker
resets the worker's signal handlers and uvicorn installs its own, so SIGTERM/SIGINT/SIGQUIT never reach
gunicorn's handlers; and a worker the master aborts for exceeding `timeout` is stuck in a blocking call,
so it could not run Python code when SIGABRT arrives anyway. gunicorn 24+'s own ASGI worker (`-k asgi`)
fails differently: its SIGTERM handler does not call worker_int (only SIGINT/SIGQUIT do), and its SIGABRT
handler is an event-loop callback, which a blocked loop never runs: the master SIGKILLs the worker one
round later ("Perhaps out of memory?"), and worker_abort never runs.

What install(globals()) does (tested on gunicorn 20.1 + uvicorn 0.17, gunicorn 23 + uvicorn 0.32, and
gunicorn 26.2 + uvicorn 0.53 with both worker classes):
- worker_class becomes the hooked twin of the one you set: HookedUvicornWorker for
  uvicorn.workers.UvicornWorker (or none), HookedASGIWorker for "asgi". Each is the stock worker (same
  graceful shutdown, same signals, same exit codes, same master log lines) that calls your
  worker_int(worker) in the worker on its first SIGTERM/SIGINT/SIGQUIT, with worker.interrupt_signal set
  ("SIGTERM"...), and has faulthandler write every thread's stack to a file when SIGABRT arrives (in C: a
  blocked loop can't). Under the ASGI worker the SIGABRT then goes on to gunicorn's own handler, so a
  blocked worker still ends by the master's SIGKILL, as stock.
- on_starting also records, in the master, how each worker ends (the statuses gunicorn's own os.waitpid
  calls return, unchanged) and the memory cgroup's OOM-kill count.
- child_exit, in the master, after a worker is reaped and before your own child_exit:
  - aborted for exceeding `timeout`: prints the ABORT banner below, with the blocking call and the blocked
    thread's stack, then calls your worker_abort(worker);
  - killed by SIGKILL: prints the SIGKILL banner below, saying whether the memory cgroup shows an OOM kill;
  - crashed (SIGSEGV...): writes to stderr the report faulthandler left in the file.
- Your worker_int and worker_abort: what they print goes out in one write, so the banners of workers that
  stop together do not interleave; an exception in them is logged, never raised into uvicorn's shutdown
  or the master's loop.

Banners, one write each to stderr, their first lines stable for log searches and alerts:
  ==================== CRITICAL: WORKER ABORTED - PID <pid> ====================
    with a line "Blocking call: <function> at <file>:<line>"
  ==================== WORKER KILLED BY SIGKILL - PID <pid> ====================
    with a line "OOM confirmed: yes|no|unknown"
write_banner(title, lines) prints one the same way, for your own hooks.
"""
import contextlib
import faulthandler
import io
import os
import re
import signal
import sys
import tempfile

from gunicorn.config import validate_callable

# How gunicorn may be told each stock worker class (a string, or the class itself), and its hooked twin here.
STOCK_WORKER_CLASSES = {
    "uvicorn.workers.UvicornWorker": "HookedUvicornWorker",
    "asgi": "HookedASGIWorker",
    "gunicorn.workers.gasgi.ASGIWorker": "HookedASGIWorker",
    "egg:gunicorn#asgi": "HookedASGIWorker",
}
STOCK_WORKER_CLASS = "uvicorn.workers.UvicornWorker"

RULE = "=" * 20
# One write below the pipe's atomic size, so workers writing at the same time cannot split a banner.
MAX_BANNER_BYTES = 3800
MAX_FRAMES = 20

STACK_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>.+)$')
STACK_THREAD = re.compile(r"^(Current thread|Thread) 0x[0-9a-fA-F]+")
LIBRARY_DIRS = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")

# Master-side state: the exit status of each reaped worker, and the cgroup's OOM-kill count already explained.
_exit_statuses = {}
_oom_kills_seen = None
_recording = False


def install(config):
    """Call as `install(globals())` at the end of gunicorn.conf.py; see the module's docstring."""
    hooked = _hooked_twin(config.get("worker_class"))
    config["worker_class"] = f"{__name__}.{hooked}"
    own_on_starting = _own_hook(config, "on_starting", arity=1)
    own_child_exit = _own_hook(config, "child_exit", arity=2)

    def on_starting(server):
        if server.worker_class.__module__ != __name__:
            server.log.warning(
                "uvicorn_worker_hooks: the worker class is %s, not %s.%s (was it given with -k or --worker-class?): "
                "worker_int will not run in the workers",
                server.cfg.worker_class_str,
                __name__,
                hooked,
            )
        _start_recording_exits()
        if own_on_starting:
            own_on_starting(server)

    def child_exit(server, worker):
        try:
            _report_exit(server, worker)
        except Exception:
            server.log.exception("uvicorn_worker_hooks: could not report how worker %s ended", worker.pid)
        if own_child_exit:
            own_child_exit(server, worker)

    config["on_starting"] = on_starting
    config["child_exit"] = child_exit


def _hooked_twin(worker_class):
    """The name of the hooked class standing in for the stock worker class the config sets."""
    if worker_class is None:
        return "HookedUvicornWorker"
    if isinstance(worker_class, type):
        worker_class = f"{worker_class.__module__}.{worker_class.__qualname__}"
    if worker_class.startswith(f"{__name__}."):
        return worker_class.split(".")[-1]
    if worker_class not in STOCK_WORKER_CLASSES:
        raise ValueError(
            f"uvicorn_worker_hooks hooks {STOCK_WORKER_CLASS} and gunicorn's 'asgi' worker, but worker_class is {worker_class!r}. "
            f"Set worker_class to one of them (or remove it for {STOCK_WORKER_CLASS}) before install(globals())."
        )
    return STOCK_WORKER_CLASSES[worker_class]


def __getattr__(name):
    """The hooked worker classes are made when gunicorn asks for one, so only the stock worker in use is imported."""
    made = {"HookedUvicornWorker": _hooked_uvicorn_worker, "HookedASGIWorker": _hooked_asgi_worker}.get(name)
    if made is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    worker_class = made()
    globals()[name] = worker_class
    return worker_class


def _own_hook(config, name, arity):
    """The config's own hook, resolved as gunicorn resolves it (a function or a "module.function" string); None if absent."""
    hook = config.get(name)
    return validate_callable(arity)(hook) if hook else None


class _Announcing:
    """Runs worker_int once, on the first stop signal, with worker.interrupt_signal naming it."""

    interrupt_signal = None

    def announce_interrupt(self, sig):
        if self.interrupt_signal is None:
            self.interrupt_signal = signal.Signals(sig).name
            _run_own_hook(self.cfg.worker_int, self, self.log)


def _hooked_uvicorn_worker():
    import uvicorn.workers
    from uvicorn.workers import UvicornWorker

    class HookedUvicornWorker(_Announcing, UvicornWorker):
        """Stock UvicornWorker that runs worker_int on the first stop signal and leaves a stack dump when aborted."""

        def init_process(self):
            worker = self
            stock_server = uvicorn.workers.Server

            class Server(stock_server):
                def handle_exit(self, sig, frame):
                    worker.announce_interrupt(sig)
                    super().handle_exit(sig, frame)

            # Patched in this worker process only (after the fork); the master's module is untouched.
            uvicorn.workers.Server = Server
            super().init_process()

        def init_signals(self):
            super().init_signals()
            # After the reset above, which would otherwise undo faulthandler's SIGABRT handler.
            self._stack_dump_file = _start_stack_dump(os.getpid())
            # uvicorn < 0.29 leaves SIGQUIT at its default action: announce it, then die by it as stock does.
            # uvicorn 0.29+ replaces this handler with its own, which calls handle_exit below.
            signal.signal(signal.SIGQUIT, self._announce_and_die_by_sigquit)

        def handle_exit(self, sig, frame):
            self.announce_interrupt(sig)
            super().handle_exit(sig, frame)

        def _announce_and_die_by_sigquit(self, sig, frame):
            self.announce_interrupt(sig)
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGQUIT)

    HookedUvicornWorker.__module__ = __name__
    return HookedUvicornWorker


def _hooked_asgi_worker():
    from gunicorn.workers.gasgi import ASGIWorker

    class HookedASGIWorker(_Announcing, ASGIWorker):
        """Stock gunicorn ASGIWorker that runs worker_int on every first stop signal (stock: SIGINT/SIGQUIT only) and leaves a stack dump when aborted."""

        def init_signals(self):
            super().init_signals()
            # The stock handlers, after worker_int: SIGTERM graceful, SIGINT/SIGQUIT quick (stock calls worker_int there itself).
            self.loop.add_signal_handler(signal.SIGTERM, self._on_stop_signal, signal.SIGTERM)
            self.loop.add_signal_handler(signal.SIGINT, self._on_stop_signal, signal.SIGINT)
            self.loop.add_signal_handler(signal.SIGQUIT, self._on_stop_signal, signal.SIGQUIT)
            # faulthandler's C handler runs first, even while the loop is blocked, then hands SIGABRT on to the
            # loop's handler it replaced: stock behaviour (a blocked worker waits for the master's SIGKILL), plus a dump.
            self._stack_dump_file = _start_stack_dump(os.getpid())

        def _on_stop_signal(self, sig):
            self.announce_interrupt(sig)
            if sig == signal.SIGTERM:
                self.handle_exit_signal()
            else:
                self._quick_shutdown = True
                self.alive = False

    HookedASGIWorker.__module__ = __name__
    return HookedASGIWorker


def write_banner(title, lines):
    """Writes a banner to stderr in one write: a titled rule, the lines, a closing rule."""
    head = f"{RULE} {title} {RULE}"
    block = [head, *lines, "=" * len(head)]
    text = "\n".join(block) + "\n"
    while len(text.encode()) > MAX_BANNER_BYTES and len(block) > 3:
        block.pop(-2)
        text = "\n".join([*block[:-1], "(banner truncated)", block[-1]]) + "\n"
    _write_all(2, text)


def _run_own_hook(hook, worker, log):
    """Runs one of the config's hooks: its printed output in one write, an exception logged rather than raised."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            hook(worker)
    except Exception:
        log.exception("Exception in %s for worker %s", getattr(hook, "__name__", "hook"), worker.pid)
    finally:
        if printed.getvalue():
            sys.stdout.write(printed.getvalue())
            # A block-buffered stdout (no PYTHONUNBUFFERED) would hold it until the process exits, or lose it.
            sys.stdout.flush()


def _write_all(fd, text):
    data = text.encode()
    while data:
        data = data[os.write(fd, data) :]


def _start_recording_exits():
    """Records the statuses the arbiter's own os.waitpid calls return, so child_exit knows how a worker ended."""
    global _oom_kills_seen, _recording
    if _recording:
        return
    _recording = True
    stock_waitpid = os.waitpid

    def recording_waitpid(pid, options):
        wpid, status = stock_waitpid(pid, options)
        if wpid:
            if len(_exit_statuses) > 1000:
                _exit_statuses.clear()
            _exit_statuses[wpid] = status
        return wpid, status

    os.waitpid = recording_waitpid
    _oom_kills_seen = (_read_memory_cgroup() or {}).get("oom_kill")


def _report_exit(server, worker):
    status = _exit_statuses.pop(worker.pid, None)
    killed_by = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
    stack_dump = _take_stack_dump(worker.pid)
    if worker.aborted:  # set by the arbiter when it aborts a worker for exceeding the timeout
        frames = _blocked_thread_frames(stack_dump) if stack_dump else []
        signal_name = signal.Signals(killed_by).name if killed_by else None
        blocking_call = _blocking_frame(frames, server.cfg.chdir)
        write_banner(*_abort_banner(worker.pid, server.cfg.timeout, signal_name, frames, blocking_call))
        _run_own_hook(server.cfg.worker_abort, worker, server.log)
    elif killed_by == signal.SIGKILL:
        # The arbiter closes its listeners when it starts stopping; its last act is SIGKILL to any worker left.
        by_master = None if server.LISTENERS else server.cfg.graceful_timeout
        write_banner(*_sigkill_banner(worker.pid, _oom_evidence(), by_master))
    elif stack_dump:
        # A crash (SIGSEGV, a stray SIGABRT): faulthandler wrote its report to the file rather than to stderr.
        _write_all(2, stack_dump)


def _abort_banner(pid, timeout, signal_name, frames, blocking_call):
    lines = [
        f"The master aborted this worker ({signal_name or 'SIGABRT'}): it sent no heartbeat for more than the",
        f"configured timeout of {timeout} s, so its event loop was blocked.",
    ]
    if blocking_call:
        lines.append(f"Blocking call: {blocking_call['func']} at {blocking_call['file']}:{blocking_call['line']}")
    lines += [
        "Likely causes: synchronous work inside `async def` (time.sleep, requests, a synchronous DB driver,",
        "CPU-heavy loops), a deadlock, or an outbound call with no timeout. A plain `def` endpoint runs in a",
        "thread pool and cannot cause this.",
        "Next steps: move the blocking call off the event loop (asyncio.to_thread, run_in_threadpool) or use an",
        "async client; put timeouts on outbound calls; raise `timeout` only if the work is legitimately long.",
    ]
    if frames:
        lines.append("Stack of the blocked event-loop thread (most recent call first):")
        lines += [f'  File "{f["file"]}", line {f["line"]} in {f["func"]}' for f in frames[:MAX_FRAMES]]
        if len(frames) > MAX_FRAMES:
            lines.append(f"  ... {len(frames) - MAX_FRAMES} outer frames (asyncio, uvicorn, gunicorn) not shown")
    else:
        lines.append("No stack dump was left by this worker (faulthandler could not write one).")
    return f"CRITICAL: WORKER ABORTED - PID {pid}", lines


def _sigkill_banner(pid, oom, graceful_timeout=None):
    """oom: None (cgroup unreadable) or a dict with before, after, limit_bytes, usage_bytes.
    graceful_timeout: set when the master itself sent the SIGKILL at the end of a shutdown."""
    lines = ['gunicorn says "Perhaps out of memory?" for every SIGKILL. The container\'s memory cgroup says:']
    if graceful_timeout is not None and (oom is None or oom["after"] == oom["before"]):
        lines += [
            "OOM confirmed: no (the master itself sent this SIGKILL while shutting down).",
            f"The worker was still running when graceful_timeout ({graceful_timeout} s) ran out, so its in-flight",
            "requests were cut. Next steps: find what it was still doing (long requests, a worker ignoring",
            "SIGQUIT/SIGINT as UvicornWorker does), shorten requests, or raise graceful_timeout to fit them.",
        ]
    elif oom is None:
        lines += [
            "OOM confirmed: unknown (the memory cgroup's counters are not readable here).",
            "Check the platform's metrics and `dmesg` for an OOM-killer line naming this pid.",
        ]
    elif oom["after"] > oom["before"]:
        lines += [
            f"OOM confirmed: yes (the cgroup's oom_kill counter went from {oom['before']} to {oom['after']}).",
            f"Memory limit: {_mib(oom['limit_bytes'])}; usage now: {_mib(oom['usage_bytes'])}.",
            "Likely causes: a leak (caches or lists that only grow), one request loading too much at once, or",
            "more workers than the memory limit fits. Next steps: measure per-worker memory under load, bound",
            "caches, stream large responses, set max_requests to recycle leaking workers, or raise the limit.",
        ]
    else:
        lines += [
            f"OOM confirmed: no (the cgroup's oom_kill counter did not change: {oom['after']}).",
            "Something else sent SIGKILL: a person or script (kill -9), an orchestrator or supervisor stopping",
            "the process, or a platform's own memory watchdog. Check who had access at this time.",
        ]
    return f"WORKER KILLED BY SIGKILL - PID {pid}", lines


def _mib(value):
    return "unlimited" if value is None else f"{value / 1048576:.0f} MiB"


def _stack_dump_path(pid):
    return os.path.join(tempfile.gettempdir(), f"gunicorn-worker-{pid}.stack")


def _start_stack_dump(pid):
    """faulthandler dumps every thread in C, so it works even while the event loop is blocked in a C call."""
    dump_file = open(_stack_dump_path(pid), "w")  # noqa: SIM115 - faulthandler needs the file kept open
    faulthandler.disable()  # it may already be on in the master (PYTHONFAULTHANDLER, -X faulthandler)
    faulthandler.enable(file=dump_file, all_threads=True)
    return dump_file


def _take_stack_dump(pid):
    """Reads and removes a worker's dump; None if it wrote nothing (it was neither aborted nor crashed)."""
    path = _stack_dump_path(pid)
    try:
        with open(path) as dump_file:
            text = dump_file.read()
        os.remove(path)
    except OSError:
        return None
    return text if text.strip() else None


def _blocked_thread_frames(stack_dump):
    """The frames (innermost first) of the event-loop thread: the main thread, whose outermost frame is gunicorn's entry point."""
    threads = []
    for line in stack_dump.splitlines():
        if STACK_THREAD.match(line):
            threads.append([])
        else:
            frame = STACK_FRAME.match(line)
            if frame and threads:
                threads[-1].append(frame.groupdict())
    if not threads:
        return []
    for frames in threads:
        if frames and "gunicorn" in os.path.basename(frames[-1]["file"]):
            return frames
    return threads[0]


def _blocking_frame(frames, project_dir):
    """The innermost frame in the project's own code (under gunicorn's chdir, not a library, not this file); else the innermost."""
    this_file = os.path.abspath(__file__)
    for frame in frames:
        in_project = frame["file"].startswith(os.path.join(project_dir, ""))
        if in_project and frame["file"] != this_file and not any(d in frame["file"] for d in LIBRARY_DIRS):
            return frame
    return frames[0] if frames else None


def _oom_evidence():
    global _oom_kills_seen
    cgroup = _read_memory_cgroup()
    if cgroup is None or cgroup.get("oom_kill") is None or _oom_kills_seen is None:
        return None
    before, _oom_kills_seen = _oom_kills_seen, cgroup["oom_kill"]
    return {"before": before, "after": cgroup["oom_kill"], "limit_bytes": cgroup.get("limit"), "usage_bytes": cgroup.get("usage")}


def _read_memory_cgroup():
    """This container's memory cgroup (v2 or v1): oom_kill count, limit and usage in bytes; None if unreadable."""
    layouts = [
        ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ]
    for events, limit, usage in layouts:
        try:
            with open(events) as events_file:
                fields = dict(line.split() for line in events_file if len(line.split()) == 2)
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
        with open(path) as number_file:
            return int(number_file.read().strip())
    except (OSError, ValueError):
        return None
