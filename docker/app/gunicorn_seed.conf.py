"""The seed config: the two hooks exactly as such a deployment writes them, on the stock worker class.

The worker class is gunicorn_settings.py's: uvicorn's UvicornWorker, or gunicorn's own "asgi" worker. Neither
hook ever runs under UvicornWorker; under "asgi" only worker_int runs, and only on SIGINT/SIGQUIT. The harness
proves it with real signals.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn_settings import *  # noqa: E402,F401,F403



def worker_int(worker):
    print("=" * 80)
    print(f"WORKER INTERRUPT SIGNAL RECEIVED - PID {worker.pid}")
    print("This is normal during deploys, restarts, and config reloads.")
    print("Investigate only if this happens frequently outside of deployments.")
    print("=" * 80)


def worker_abort(worker):
    print("=" * 80)
    print(f"CRITICAL: WORKER ABORTED - PID {worker.pid}")
    print(f"The worker exceeded the {worker.cfg.timeout}s timeout and was aborted.")
    print("Check for slow database queries, blocking I/O in async code, or infinite loops.")
    print("=" * 80)
