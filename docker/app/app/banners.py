"""The banners: one block each, written to stderr in one write, first line stable for machines.

First lines (the harness matches these):
  ==================== WORKER INTERRUPT SIGNAL RECEIVED - PID <pid> ====================
  ==================== CRITICAL: WORKER ABORTED - PID <pid> ====================
  ==================== WORKER KILLED BY SIGKILL - PID <pid> ====================
"""
import os

RULE = "=" * 20
# One write below the pipe's atomic size, so workers writing at the same time cannot split a banner.
MAX_BYTES = 3800
MAX_FRAMES = 20


def _block(title, body):
    head = f"{RULE} {title} {RULE}"
    lines = [head, *body, "=" * len(head)]
    text = "\n".join(lines) + "\n"
    while len(text.encode()) > MAX_BYTES and len(lines) > 3:
        lines.pop(-2)
        text = "\n".join([*lines[:-1], "(banner truncated)", lines[-1]]) + "\n"
    return text


def emit(text):
    os.write(2, text.encode())


def interrupt(pid, signal_name):
    return _block(
        f"WORKER INTERRUPT SIGNAL RECEIVED - PID {pid}",
        [
            f"Signal: {signal_name or 'SIGTERM/SIGINT/SIGQUIT'}",
            "Normal during deploys, restarts, config reloads and scale-downs: the master stops workers this way,",
            'and logs "Handling signal: term|hup|ttou" (or a platform restarts the service) just before.',
            "If it happens outside them, investigate: find who sent the signal (a supervisor or orchestrator,",
            "a health check that restarts, a person or script with kill), and check the platform's event log",
            "for this time. A worker that keeps getting it outside deploys is being restarted by something.",
        ],
    )


def abort(pid, timeout, signal_name, frames, guilty):
    body = [
        f"The master aborted this worker ({signal_name or 'SIGABRT'}): it sent no heartbeat for more than the",
        f"configured timeout of {timeout} s, so its event loop was blocked.",
    ]
    if guilty:
        body.append(f"Blocking call: {guilty['func']} at {guilty['file']}:{guilty['line']}")
    body += [
        "Likely causes: synchronous work inside `async def` (time.sleep, requests, a synchronous DB driver,",
        "CPU-heavy loops), a deadlock, or an outbound call with no timeout. A plain `def` endpoint runs in a",
        "thread pool and cannot cause this.",
        "Next steps: move the blocking call off the event loop (asyncio.to_thread, run_in_threadpool) or use an",
        "async client; put timeouts on outbound calls; raise `timeout` only if the work is legitimately long.",
    ]
    if frames:
        body.append("Stack of the blocked event-loop thread (most recent call first):")
        body += [f'  File "{f["file"]}", line {f["line"]} in {f["func"]}' for f in frames[:MAX_FRAMES]]
        if len(frames) > MAX_FRAMES:
            body.append(f"  ... {len(frames) - MAX_FRAMES} outer frames (asyncio, uvicorn, gunicorn) not shown")
    else:
        body.append("No stack dump was left by this worker (faulthandler could not write one).")
    return _block(f"CRITICAL: WORKER ABORTED - PID {pid}", body)


def sigkill(pid, oom, graceful_timeout=None):
    """oom: None (cgroup unreadable) or a dict with before, after, limit_bytes, usage_bytes.
    graceful_timeout: set when the master itself sent the SIGKILL at the end of a shutdown."""
    body = ['gunicorn says "Perhaps out of memory?" for every SIGKILL. The container\'s memory cgroup says:']
    if graceful_timeout is not None and (oom is None or oom["after"] == oom["before"]):
        body += [
            "OOM confirmed: no (the master itself sent this SIGKILL while shutting down).",
            f"The worker was still running when graceful_timeout ({graceful_timeout} s) ran out, so its in-flight",
            "requests were cut. Next steps: find what it was still doing (long requests, a worker ignoring",
            "SIGQUIT/SIGINT as UvicornWorker does), shorten requests, or raise graceful_timeout to fit them.",
        ]
    elif oom is None:
        body += [
            "OOM confirmed: unknown (the memory cgroup's counters are not readable here).",
            "Check the platform's metrics and `dmesg` for an OOM-killer line naming this pid.",
        ]
    elif oom["after"] > oom["before"]:
        body += [
            f"OOM confirmed: yes (the cgroup's oom_kill counter went from {oom['before']} to {oom['after']}).",
            f"Memory limit: {_mib(oom['limit_bytes'])}; usage now: {_mib(oom['usage_bytes'])}.",
            "Likely causes: a leak (caches or lists that only grow), one request loading too much at once, or",
            "more workers than the memory limit fits. Next steps: measure per-worker memory under load, bound",
            "caches, stream large responses, set max_requests to recycle leaking workers, or raise the limit.",
        ]
    else:
        body += [
            f"OOM confirmed: no (the cgroup's oom_kill counter did not change: {oom['after']}).",
            "Something else sent SIGKILL: a person or script (kill -9), an orchestrator or supervisor stopping",
            "the process, or a platform's own memory watchdog. Check who had access at this time.",
        ]
    return _block(f"WORKER KILLED BY SIGKILL - PID {pid}", body)


def _mib(value):
    return "unlimited" if value is None else f"{value / 1048576:.0f} MiB"
