"""The seed backend: FastAPI on an async Postgres pool (SQLAlchemy + asyncpg), shaped like the team's service."""
import asyncio
import logging
import os
import time

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

# Startup protection: each try to reach the database, and the whole wait, are bounded.
STARTUP_STEP_TIMEOUT_S = 5
STARTUP_TOTAL_TIMEOUT_S = 20

log = logging.getLogger("gunicorn.error")
database_url = make_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
engine = create_async_engine(database_url.set(drivername="postgresql+asyncpg"), pool_size=5, max_overflow=0, pool_timeout=2)
app = FastAPI(title="seed backend")


# on_event rather than lifespan: bookworm's FastAPI 0.92 predates lifespan handlers.
@app.on_event("startup")
async def wait_for_database() -> None:
    deadline = time.monotonic() + STARTUP_TOTAL_TIMEOUT_S
    attempts = 0
    last_error = "no attempt made"
    while (remaining := deadline - time.monotonic()) > 0:
        attempts += 1
        try:
            await asyncio.wait_for(ping_database(), timeout=min(STARTUP_STEP_TIMEOUT_S, remaining))
            log.info("Startup: database reachable after %d attempt(s)", attempts)
            return
        except Exception as exc:  # any failure to reach the database is retried until the deadline
            last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            log.warning("Startup: database not reachable (attempt %d): %s", attempts, last_error)
        await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    raise RuntimeError(
        f"Startup failed: database unreachable at {database_url.render_as_string(hide_password=True)} after "
        f"{attempts} attempt(s) in {STARTUP_TOTAL_TIMEOUT_S} s (each bounded by {STARTUP_STEP_TIMEOUT_S} s); last error: {last_error}"
    )


@app.on_event("shutdown")
async def close_pool() -> None:
    await engine.dispose()


async def ping_database() -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "pid": os.getpid()}


@app.get("/items")
async def items() -> dict:
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, name FROM items ORDER BY id"))).mappings().all()
    return {"items": [dict(row) for row in rows], "pid": os.getpid()}
