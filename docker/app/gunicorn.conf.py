"""The default config: the deployment's banners, made to print for real under UvicornWorker.

Under stock UvicornWorker gunicorn's worker_int and worker_abort hooks never run (it resets the
worker's signal handlers). The drop-in uvicorn_worker_hooks.py (docker/dropin/, which the Dockerfile
copies next to this file) changes that with install(globals()), the last line:
- worker_int below runs in the worker on SIGTERM/SIGINT/SIGQUIT;
- the ABORT and SIGKILL banners come from the master (child_exit), which knows how each worker ended,
  since a worker stuck in a blocking call cannot run Python code when SIGABRT arrives.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn_settings import *  # noqa: E402,F401,F403
from uvicorn_worker_hooks import install, write_banner  # noqa: E402


def worker_int(worker):
    write_banner(
        f"WORKER INTERRUPT SIGNAL RECEIVED - PID {worker.pid}",
        [
            f"Signal: {getattr(worker, 'interrupt_signal', None) or 'SIGTERM/SIGINT/SIGQUIT'}",
            "Normal during deploys, restarts, config reloads and scale-downs: the master stops workers this way,",
            'and logs "Handling signal: term|hup|ttou" (or a platform restarts the service) just before.',
            "If it happens outside them, investigate: find who sent the signal (a supervisor or orchestrator,",
            "a health check that restarts, a person or script with kill), and check the platform's event log",
            "for this time. A worker that keeps getting it outside deploys is being restarted by something.",
        ],
    )


install(globals())
