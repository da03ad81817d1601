"""The default config: the deployment's banners, made to print for real under UvicornWorker.

Under stock UvicornWorker gunicorn's worker_int and worker_abort hooks never run (it resets the
worker's signal handlers). Here:
- worker_int runs in the worker on SIGTERM/SIGINT/SIGQUIT (app.workers.HookedUvicornWorker calls it);
- the ABORT and SIGKILL banners come from the master (child_exit), which knows how each worker ended,
  since a worker stuck in a blocking call cannot run Python code when SIGABRT arrives.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn_settings import *  # noqa: E402,F401,F403
from app import banners, master_watch  # noqa: E402

worker_class = "app.workers.HookedUvicornWorker"


def on_starting(server):
    master_watch.install()


def worker_int(worker):
    banners.emit(banners.interrupt(worker.pid, getattr(worker, "interrupt_signal", None)))


def child_exit(server, worker):
    master_watch.on_child_exit(server, worker)
