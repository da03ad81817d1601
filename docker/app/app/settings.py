"""Environment-driven settings, read once per worker process."""
import os


def env_number(name: str, default, cast=int):
    """The variable as a number (int by default, or float); the default when unset or empty; a clear exit when not a number."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return cast(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not {'an integer' if cast is int else 'a number'}") from exc


DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/postgres")
DB_POOL_SIZE = env_number("DB_POOL_SIZE", 5)
DB_MAX_OVERFLOW = env_number("DB_MAX_OVERFLOW", 0)
DB_POOL_TIMEOUT = env_number("DB_POOL_TIMEOUT", 2.0, float)
DB_CONNECT_TIMEOUT = env_number("DB_CONNECT_TIMEOUT", 3.0, float)

# Startup protection: each startup operation and the whole startup are bounded.
STARTUP_STEP_TIMEOUT = env_number("STARTUP_STEP_TIMEOUT", 5.0, float)
STARTUP_TOTAL_TIMEOUT = env_number("STARTUP_TOTAL_TIMEOUT", 20.0, float)

# Upper bounds for the fault endpoints' parameters: a bad value is a 422, never a crash.
MAX_DURATION_MS = env_number("MAX_DURATION_MS", 600_000)
MAX_ALLOC_MB = env_number("MAX_ALLOC_MB", 4096)
