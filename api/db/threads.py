"""Running database work off the event loop.

Every resolver that touches the database is ``async`` and hands the work to a
worker thread with :func:`run_db`, once per list (never once per row), so one
slow query never stalls the other requests.  The thread gets a pooled
connection for exactly that unit of work, whose statements the database stops
after ``PAYROLL_STATEMENT_TIMEOUT_MS`` (LIMIT_EXCEEDED) — except in work long
by nature (:func:`run_long_db`).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import anyio
import anyio.to_thread
import peewee as pw

from api.db.database import connection, primary_of_replica, read_only, statement_timed_out, statement_timeout_ms
from api.errors import DatabaseBusy, LimitExceeded, ReadOnlyDatabase

T = TypeVar("T")

_limiter: anyio.CapacityLimiter | None = None


def set_thread_capacity(threads: int) -> None:
    """At most ``threads`` units of database work at once (the pool size)."""
    global _limiter
    _limiter = anyio.CapacityLimiter(threads)


def _in_connection(statement_limit: bool, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        with connection(statement_limit):
            return fn(*args, **kwargs)
    except Exception as exc:
        if isinstance(exc, pw.InternalError) and read_only(exc):
            raise ReadOnlyDatabase(
                f"本实例连接的是只读副本，不能写入：请把写操作发往主库 {primary_of_replica() or '（见 docs/deploy.md）'} / this "
                f"instance reads a read-only replica; send writes to the primary "
                f"{primary_of_replica() or '(see docs/deploy.md)'}"
            ) from exc
        if statement_timed_out(exc):
            raise LimitExceeded(
                f"数据库查询超过 {statement_timeout_ms()} 毫秒的时限，已中止，未写入任何数据；请缩小查询范围（筛选、分页）后再试"
                f" / the database stopped a statement after the limit of {statement_timeout_ms()} ms; nothing was "
                "written — narrow the request (filters, smaller pages) and try again"
            ) from exc
        if isinstance(exc, (pw.OperationalError, pw.InterfaceError)) and _is_busy(exc):
            raise DatabaseBusy(
                "数据库正忙于其他修改，等待超时，未写入任何数据，请稍后再试 / the database is busy with other changes and "
                "the wait timed out; nothing was written — try again in a moment"
            ) from exc
        raise


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "lock timeout" in text or "pool" in text and "exceed" in text


async def run_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` in a worker thread with a database connection,
    each statement limited to ``PAYROLL_STATEMENT_TIMEOUT_MS`` (LIMIT_EXCEEDED)."""
    return await anyio.to_thread.run_sync(functools.partial(_in_connection, True, fn, *args, **kwargs),
                                          limiter=_limiter)


async def run_long_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """:func:`run_db` for work that is long by nature and bounded by its input
    rather than by the shape of a query — a payroll run, deleting a draft run,
    an import, an export — whose statements are not limited."""
    return await anyio.to_thread.run_sync(functools.partial(_in_connection, False, fn, *args, **kwargs),
                                          limiter=_limiter)
