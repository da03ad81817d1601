"""The seed deployment's gunicorn config: stock UvicornWorker, and its two hooks as the deployment writes them.

The hooks are in seed_hooks.py, which the Dockerfile copies next to this file. Under UvicornWorker neither hook
ever runs. gunicorn_dropin.conf.py, which the Dockerfile makes from this file plus the drop-in's two lines, is the
same config with them printing.
"""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '10000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
worker_class = "uvicorn.workers.UvicornWorker"

LOG_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"
LOG_DATEFMT = "%Y-%m-%d %H:%M:%S %z"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "generic": {"format": LOG_FORMAT, "datefmt": LOG_DATEFMT, "class": "logging.Formatter"},
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
        "access_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "WARNING", "handlers": ["access_console"], "propagate": False, "qualname": "gunicorn.access"},
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
}

# The deployment's worker_int and worker_abort (seed-hooks/, the one copy the demo's seed config imports too).
from seed_hooks import worker_abort, worker_int  # noqa: E402,F401
