"""The ledger's gunicorn settings: its own variable names, hooks that print its own banners, and JSON logs."""
import json
import logging
import os

bind = f"127.0.0.1:{os.environ.get('APP_PORT', '8080')}"
workers = int(os.environ.get("APP_WORKERS", "2"))
timeout = int(os.environ.get("APP_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("APP_GRACEFUL", "10"))
worker_class = "uvicorn.workers.UvicornWorker"
keepalive = 5
max_requests = int(os.environ.get("LEDGER_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("LEDGER_MAX_REQUESTS_JITTER", "0"))


def worker_int(worker):
    print(f"*** LEDGER WORKER STOPPING pid={worker.pid} ***", flush=True)


def worker_abort(worker):
    print(f"*** LEDGER WORKER ABORTED pid={worker.pid} after {worker.cfg.timeout}s ***", flush=True)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with python-json-logger's keys: the ledger logs as structured-logging teams do."""

    def format(self, record):
        out = {
            "asctime": self.formatTime(record, "%Y-%m-%d %H:%M:%S %z"),
            "process": record.process,
            "levelname": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out)


# gunicorn merges this over its own defaults: its loggers (gunicorn.error, gunicorn.access) keep their names and
# write through these handlers; UvicornWorker hands uvicorn's loggers gunicorn's error handlers.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False, "qualname": "gunicorn.access"},
    },
}
