"""A small ledger service, written for the harness's tests: not the demo, nothing in it knows the harness.

Its database is SQLAlchemy's async engine on asyncpg, as public FastAPI apps write it: the URL must say
`postgresql+asyncpg://` (a plain `postgresql://` is refused by SQLAlchemy: "The asyncio extension requires an async driver").
"""
import asyncio
import os

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

# Without a database the ledger still serves its health path: a target of build and health alone runs it.
DSN = os.environ.get("LEDGER_DB_URL")
POOL_MAX = int(os.environ.get("LEDGER_POOL_MAX", "4"))
QUERY_TIMEOUT_S = float(os.environ.get("LEDGER_QUERY_TIMEOUT", "2"))

api = FastAPI(title="ledger")
state = {}


@api.on_event("startup")
async def open_pool() -> None:
    if DSN is None:
        return
    engine = create_async_engine(
        DSN,
        pool_size=POOL_MAX,
        max_overflow=0,
        pool_timeout=QUERY_TIMEOUT_S,
        connect_args={"timeout": QUERY_TIMEOUT_S, "command_timeout": QUERY_TIMEOUT_S},
    )
    # Fail at boot, as the ledger always did, when the database does not answer.
    async with engine.connect() as connection:
        await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=10)
    state["engine"] = engine


@api.on_event("shutdown")
async def close_pool() -> None:
    engine = state.get("engine")
    if engine is not None:
        await engine.dispose()


@api.get("/healthz")
async def healthz() -> dict:
    return {"ok": True}


@api.get("/entries")
async def entries() -> JSONResponse:
    if "engine" not in state:
        return JSONResponse({"failure": "no database configured (LEDGER_DB_URL)"}, status_code=503)
    try:
        async with state["engine"].connect() as connection:
            result = await connection.execute(text("SELECT sum(amount_cents)::bigint FROM ledger_entries"))
            total = result.scalar()
    except Exception as exc:  # pool timeout, connection lost, query timeout: the user sees a 503 either way
        return JSONResponse({"failure": type(exc).__name__}, status_code=503)
    return JSONResponse({"total_cents": total})
