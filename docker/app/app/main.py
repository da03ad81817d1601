"""The backend under test: a FastAPI app whose endpoints let a scenario cause every fault from inside."""
import asyncio
import logging
import os
import time

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from . import settings
from .db import Database, PoolTimeoutError, query_db_synchronously, wait_for_database

log = logging.getLogger("gunicorn.error")
app = FastAPI(title="chaos-harness backend")
db = Database()
RETAINED: list[bytes] = []  # what /alloc keeps alive until the worker dies

def Duration():  # noqa: N802 - a fresh Query per endpoint
    return Query(..., ge=0, le=settings.MAX_DURATION_MS, description="milliseconds")


# on_event rather than lifespan: the bookworm stack's FastAPI 0.92 predates lifespan handlers.
@app.on_event("startup")
async def startup() -> None:
    await wait_for_database(db)


@app.on_event("shutdown")
async def shutdown() -> None:
    await db.dispose()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "pid": os.getpid()}


@app.get("/slow")
async def slow(ms: int = Duration()) -> dict:
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms, "pid": os.getpid()}


def block_event_loop(ms: int) -> None:
    """Synchronous work inside async code: nothing else on this worker runs meanwhile."""
    time.sleep(ms / 1000)


@app.get("/block")
async def block(ms: int = Duration()) -> dict:
    block_event_loop(ms)
    return {"blocked_ms": ms, "pid": os.getpid()}


@app.get("/cpu")
async def cpu(ms: int = Duration()) -> dict:
    """CPU-bound work on the event loop (a busy loop, as JSON encoding or hashing a big payload is): it costs a core for `ms`."""
    until = time.process_time() + ms / 1000
    spins = 0
    while time.process_time() < until:
        spins += 1
    return {"cpu_ms": ms, "spins": spins, "pid": os.getpid()}


@app.get("/alloc")
async def alloc(mb: int = Query(..., ge=1, le=settings.MAX_ALLOC_MB), chunk_mb: int = Query(16, ge=1, le=256)) -> dict:
    """Retains `mb` MiB, written page by page (so it is resident), in chunks as a real leak grows."""
    left = mb
    while left > 0:
        size = min(chunk_mb, left)
        RETAINED.append(b"\x01" * (size * 1024 * 1024))
        left -= size
        await asyncio.sleep(0)
    return {"retained_mb": sum(len(b) for b in RETAINED) // (1024 * 1024), "pid": os.getpid()}


@app.get("/db")
async def db_query(ms: int = Duration()) -> JSONResponse:
    try:
        took = await db.sleep_query(ms)
    except PoolTimeoutError:
        return _db_error(503, "db-pool-timeout")
    except (OSError, asyncio.TimeoutError) as exc:
        return _db_error(503, "db-unavailable", exc)
    return JSONResponse({"query_ms": ms, "took_ms": round(took * 1000), "pid": os.getpid()})


@app.get("/db/sync")
async def db_sync(ms: int = Duration()) -> dict:
    query_db_synchronously(ms)
    return {"query_ms": ms, "pid": os.getpid()}


def _db_error(status: int, kind: str, exc: Exception | None = None) -> JSONResponse:
    # One log line per failure: a driver's message spans lines (its SQL, a DETAIL line).
    detail = " | ".join(f"{type(exc).__name__}: {exc}".splitlines()) if exc else db.pool_status()
    log.warning("%s on %s: %s", kind, "/db", detail)
    return JSONResponse({"error": kind, "detail": detail, "pid": os.getpid()}, status_code=status)
