"""Environment-driven settings, read once per worker process."""
import os


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not an integer") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not a number") from exc


DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app@127.0.0.1:5432/postgres")
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 5)
DB_MAX_OVERFLOW = env_int("DB_MAX_OVERFLOW", 0)
DB_POOL_TIMEOUT = env_float("DB_POOL_TIMEOUT", 2.0)
DB_CONNECT_TIMEOUT = env_float("DB_CONNECT_TIMEOUT", 3.0)

# Startup protection: each startup operation and the whole startup are bounded.
STARTUP_STEP_TIMEOUT = env_float("STARTUP_STEP_TIMEOUT", 5.0)
STARTUP_TOTAL_TIMEOUT = env_float("STARTUP_TOTAL_TIMEOUT", 20.0)

# Upper bounds for the fault endpoints' parameters: a bad value is a 422, never a crash.
MAX_DURATION_MS = env_int("MAX_DURATION_MS", 600_000)
MAX_ALLOC_MB = env_int("MAX_ALLOC_MB", 4096)
