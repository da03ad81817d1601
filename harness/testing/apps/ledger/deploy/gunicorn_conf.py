"""The ledger's gunicorn settings: its own variable names, and hooks that print its own banners."""
import os

bind = f"127.0.0.1:{os.environ.get('APP_PORT', '8080')}"
workers = int(os.environ.get("APP_WORKERS", "2"))
timeout = int(os.environ.get("APP_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("APP_GRACEFUL", "10"))
worker_class = "uvicorn.workers.UvicornWorker"
keepalive = 5


def worker_int(worker):
    print(f"*** LEDGER WORKER STOPPING pid={worker.pid} ***", flush=True)


def worker_abort(worker):
    print(f"*** LEDGER WORKER ABORTED pid={worker.pid} after {worker.cfg.timeout}s ***", flush=True)
