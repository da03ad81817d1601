"""The seed config: the two hooks exactly as such a deployment writes them, on the stock worker class.

The hooks live in seed_hooks.py (docker/seed-hooks/, which the Dockerfile copies next to this file), shared with the
seed backend (examples/seed-backend/).

The worker class is gunicorn_settings.py's: uvicorn's UvicornWorker, or gunicorn's own "asgi" worker. Neither
hook ever runs under UvicornWorker; under "asgi" only worker_int runs, and only on SIGINT/SIGQUIT. The harness
proves it with real signals.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn_settings import *  # noqa: E402,F401,F403
from seed_hooks import worker_abort, worker_int  # noqa: E402,F401
