"""Gunicorn settings shared by both config variants (gunicorn.conf.py and gunicorn_seed.conf.py).

They mirror the deployment our users run. Every number comes from the environment so that scenarios
can compress timings (GUNICORN_TIMEOUT=5 rather than waiting 60 s for a worker timeout).
"""
import os

from app.settings import env_number

bind = f"127.0.0.1:{env_number('PORT', 10000)}"
workers = env_number("WEB_CONCURRENCY", 4)
timeout = env_number("GUNICORN_TIMEOUT", 60)
graceful_timeout = env_number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = env_number("GUNICORN_KEEPALIVE", 5)
# uvicorn's UvicornWorker as the deployment runs it; "asgi" is gunicorn's own ASGI worker (gunicorn 24+), the harness's --worker asgi.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn.workers.UvicornWorker")
preload_app = False
max_requests = env_number("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = env_number("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Access lines (uvicorn logs them through gunicorn.access) are off unless asked for: under load they drown the rest.
ACCESS_LOG_LEVEL = "INFO" if os.environ.get("GUNICORN_ACCESS_LOG") == "1" else "WARNING"

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
        "gunicorn.access": {"level": ACCESS_LOG_LEVEL, "handlers": ["access_console"], "propagate": False, "qualname": "gunicorn.access"},
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
}
