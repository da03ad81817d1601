"""A small ledger service, written for the harness's tests: not the demo, nothing in it knows the harness."""
import asyncio
import os

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse

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
    state["pool"] = await asyncio.wait_for(asyncpg.create_pool(DSN, min_size=1, max_size=POOL_MAX), timeout=10)


@api.on_event("shutdown")
async def close_pool() -> None:
    pool = state.get("pool")
    if pool is not None:
        await pool.close()


@api.get("/healthz")
async def healthz() -> dict:
    return {"ok": True}


@api.get("/entries")
async def entries() -> JSONResponse:
    if "pool" not in state:
        return JSONResponse({"failure": "no database configured (LEDGER_DB_URL)"}, status_code=503)
    try:
        async with state["pool"].acquire(timeout=QUERY_TIMEOUT_S) as connection:
            total = await connection.fetchval("SELECT sum(amount_cents)::bigint FROM ledger_entries", timeout=QUERY_TIMEOUT_S)
    except (asyncio.TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return JSONResponse({"failure": type(exc).__name__}, status_code=503)
    return JSONResponse({"total_cents": total})
