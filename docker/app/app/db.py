"""The async connection pool (SQLAlchemy + asyncpg) and the deliberately synchronous twin (psycopg2)."""
import asyncio
import logging
import time

import psycopg2
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import settings

log = logging.getLogger("gunicorn.error")

__all__ = ["Database", "PoolTimeoutError"]

# Takes `s` seconds, and reads app_items, so a lock on that table makes it wait as long as the lock lasts.
SLEEP_QUERY = "SELECT pg_sleep(:s), (SELECT count(*) FROM app_items)"


def _async_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


class Database:
    def __init__(self) -> None:
        self.engine: AsyncEngine = create_async_engine(
            _async_url(settings.DATABASE_URL),
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_MAX_OVERFLOW,
            pool_timeout=settings.DB_POOL_TIMEOUT,
            connect_args={"timeout": settings.DB_CONNECT_TIMEOUT},
        )

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def sleep_query(self, ms: int) -> float:
        """Runs a query that takes `ms` in Postgres, holding one pooled connection meanwhile."""
        started = time.monotonic()
        async with self.engine.connect() as conn:
            await conn.execute(text(SLEEP_QUERY), {"s": ms / 1000})
        return time.monotonic() - started

    def pool_status(self) -> str:
        return self.engine.pool.status()

    async def dispose(self) -> None:
        await self.engine.dispose()


def query_db_synchronously(ms: int) -> None:
    """The classic loop-blocker: a blocking driver called from async code stalls every request."""
    conn = psycopg2.connect(settings.DATABASE_URL, connect_timeout=int(settings.DB_CONNECT_TIMEOUT) or 1)
    try:
        with conn.cursor() as cur:
            cur.execute(SLEEP_QUERY.replace(":s", "%s"), (ms / 1000,))
    finally:
        conn.close()


async def wait_for_database(db: Database) -> None:
    """Startup protection: retry the DB ping, each try bounded, the whole wait bounded."""
    deadline = time.monotonic() + settings.STARTUP_TOTAL_TIMEOUT
    attempts = 0
    last_error = "no attempt made"
    while (remaining := deadline - time.monotonic()) > 0:
        attempts += 1
        try:
            await asyncio.wait_for(db.ping(), timeout=min(settings.STARTUP_STEP_TIMEOUT, remaining))
            log.info("Startup: database reachable after %d attempt(s)", attempts)
            return
        except Exception as exc:  # any failure to reach the DB is retried until the deadline
            last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            log.warning("Startup: database not reachable (attempt %d): %s", attempts, last_error)
        await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    raise RuntimeError(
        f"Startup failed: database unreachable at {settings.DATABASE_URL} after {attempts} attempt(s) "
        f"in {settings.STARTUP_TOTAL_TIMEOUT:g} s (each bounded by {settings.STARTUP_STEP_TIMEOUT:g} s); "
        f"last error: {last_error}"
    )
