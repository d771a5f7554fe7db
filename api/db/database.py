"""The database: SQLite by default, PostgreSQL when ``DATABASE_URL`` says so.

Models bind to :data:`database`, a proxy initialised once per process by
:func:`configure`.  Both backends use a connection pool: requests are served
from worker threads, and peewee keeps one connection per thread, so every
unit of work opens a connection from the pool and gives it back
(:func:`connection`), never holding one across requests.

SQLite runs in WAL mode (readers are not blocked by a writer) with foreign keys
on, a busy timeout, and write transactions that begin IMMEDIATE, so concurrent
writers wait their turn instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from payroll.texts import BilingualError

#: Every model binds to this proxy; :func:`configure` points it at a database.
database = peewee.DatabaseProxy()

DEFAULT_URL = "sqlite:///community-payroll.db"


class DatabaseUrlError(BilingualError, ValueError):
    """A DATABASE_URL the service cannot use; the message says which to give."""


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def is_postgres(db: peewee.Database | None = None) -> bool:
    target = db if db is not None else database.obj
    return isinstance(target, peewee.PostgresqlDatabase)


class WriterQueueSqliteDatabase(PooledSqliteDatabase):
    """SQLite with this process's write transactions queued on a lock.

    SQLite has one writer at a time.  Left to its busy handler, a waiting
    writer sleeps and retries with growing pauses (up to 100 ms each), so
    under steady concurrent writes some unlucky requests waited seconds.  A
    lock held from ``BEGIN`` to ``COMMIT``/``ROLLBACK`` makes the writers of
    this process wait their turn and start the moment the previous one ends;
    the busy handler is left for writers in other processes.
    """

    def __init__(self, *args: Any, statement_timeout_ms: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer = threading.Lock()
        self._holding = threading.local()
        self.statement_timeout_ms = statement_timeout_ms or None

    @contextlib.contextmanager
    def statement_limit(self) -> Iterator[None]:
        """Interrupt any statement of this thread's connection that runs longer
        than ``statement_timeout_ms`` (SQLite has no statement timeout of its
        own): each statement's start sets a deadline, and SQLite's progress
        handler, called every few thousand virtual-machine steps, stops the
        statement once it has passed ("interrupted")."""
        if not self.statement_timeout_ms:
            yield
            return
        raw = self.connection()
        seconds = self.statement_timeout_ms / 1000
        deadline = time.monotonic() + seconds

        def started(_statement: str) -> None:
            nonlocal deadline
            deadline = time.monotonic() + seconds

        raw.set_trace_callback(started)
        raw.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        try:
            yield
        finally:
            raw.set_progress_handler(None, _PROGRESS_STEPS)
            raw.set_trace_callback(None)

    def begin(self, lock_type: str | None = None) -> None:
        if not self._writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise peewee.OperationalError("database is locked (waited for other writers of this process)")
        try:
            super().begin(lock_type)
        except BaseException:
            self._writer.release()
            raise
        self._holding.writer = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        if getattr(self._holding, "writer", False):
            self._holding.writer = False
            self._writer.release()


#: How long a write transaction waits for the others of this process (the
#: same as SQLite's busy timeout for other processes).
WRITER_WAIT_SECONDS = 30
#: SQLite virtual-machine steps between two looks at the clock (a few
#: microseconds of work; the look costs well under 1 % of it).
_PROGRESS_STEPS = 10_000


def make_database(url: str, max_connections: int | None = None, statement_timeout_ms: int | None = None,
                  random_page_cost: float | None = None) -> peewee.Database:
    """A pooled peewee database for ``sqlite:///path`` or ``postgresql://…``.

    ``statement_timeout_ms``: the longest a statement may run (see
    :func:`connection`); None or 0, no limit.  ``random_page_cost``
    (PostgreSQL): the planner's cost of reading a page out of order, for this
    service's sessions; None, the database's own."""
    parsed = urlparse(url)
    options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    if parsed.scheme in ("postgresql", "postgres"):
        # Session defaults, set when a pooled connection opens: no round trip
        # per unit of work.
        settings = []
        if statement_timeout_ms:
            settings.append(f"-c statement_timeout={int(statement_timeout_ms)}")
        if random_page_cost is not None:
            settings.append(f"-c random_page_cost={float(random_page_cost)}")
        session = {"options": " ".join(settings)} if settings else {}
        postgres = PooledPostgresqlDatabase(
            unquote(parsed.path.lstrip("/")) or "postgres",
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            max_connections=max_connections or int(options.get("pool_size", 20)),
            stale_timeout=300,
            timeout=int(options.get("pool_timeout", 30)),
            connect_timeout=int(options.get("connect_timeout", 10)),
            autoconnect=False,
            **session,
        )
        postgres.statement_timeout_ms = statement_timeout_ms or None
        return postgres
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path, sqlite:////absolute/path, sqlite:///:memory: is refused:
        # an in-memory database is private to one thread.
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        if not path or path == ":memory:":
            raise DatabaseUrlError("内存中的 SQLite 数据库不能在线程间共享，请给出文件路径",
                                   "an in-memory SQLite database cannot be shared by threads; give a file path")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return WriterQueueSqliteDatabase(
            path,
            statement_timeout_ms=statement_timeout_ms,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 30_000,
                "synchronous": "normal",
                # 16 MB of page cache per pooled connection (up to 32 of them;
                # the operating system caches the file once for all).  No
                # memory map: it would count the file's pages in the process's
                # resident memory and hide what the process itself holds.
                "cache_size": -16_000,
            },
            max_connections=max_connections or 32,
            stale_timeout=300,
            timeout=30,
            check_same_thread=False,
            autoconnect=False,
            # Write transactions take the write lock when they begin, so a
            # concurrent writer waits (busy_timeout) instead of failing when a
            # deferred transaction tries to upgrade its read lock.
            lock_type="IMMEDIATE",
        )
    raise DatabaseUrlError(f"不能使用数据库地址 DATABASE_URL “{url}”：请用 sqlite:///路径/文件.db 或 "
                           "postgresql://用户@主机/库名",
                           f"DATABASE_URL {url!r}: use sqlite:///path/to/file.db or postgresql://user@host/dbname")


def configure(url: str | None = None, max_connections: int | None = None, statement_timeout_ms: int | None = None,
              random_page_cost: float | None = None) -> peewee.Database:
    """Point :data:`database` at the database of ``url`` (default: ``DATABASE_URL``).
    The service limits its statements (``PAYROLL_STATEMENT_TIMEOUT_MS``) and
    sets the planner's page cost (``PAYROLL_PG_RANDOM_PAGE_COST``); the
    command line's own work does neither."""
    db = make_database(url or database_url(), max_connections, statement_timeout_ms, random_page_cost)
    if database.obj is not None and database.obj is not db:
        # Only the idle connections: a worker thread may still be finishing
        # with one (closing it under the thread crashes the SQLite driver);
        # it is closed when that thread lets it go.
        with contextlib.suppress(Exception):
            database.obj.close_idle()
    database.initialize(db)
    return db


@contextlib.contextmanager
def connection(statement_limit: bool = True) -> Iterator[peewee.Database]:
    """A pooled connection for one unit of work in the current thread.

    Its statements are limited to the database's statement timeout, if it was
    configured with one; ``statement_limit=False`` lifts the limit for work
    that is long by nature and bounded by its input (a payroll run, an
    import, an export).  A nested unit of work keeps the outer one's limit."""
    db = database.obj
    if db is None:
        raise RuntimeError("the database is not configured; call api.db.database.configure() first")
    if not db.is_closed():  # nested unit of work in the same thread
        yield db
        return
    db.connect()
    try:
        with _statement_limit(db, statement_limit):
            yield db
    finally:
        db.close()


#: PostgreSQL's SQLSTATE for a write in a read-only transaction (a hot standby).
READ_ONLY_SQLSTATE = "25006"


def read_only(exc: BaseException) -> bool:
    """Whether ``exc`` (peewee's, wrapping the driver's) is a write refused by
    a read-only database: a streaming replica."""
    seen = exc
    while seen is not None:
        if getattr(seen, "pgcode", None) == READ_ONLY_SQLSTATE:
            return True
        inner = next((a for a in getattr(seen, "args", ()) if isinstance(a, BaseException)), None)
        seen = inner or seen.__cause__ or seen.__context__
    return False


def primary_of_replica() -> str | None:
    """``host:port`` of the primary a replica streams from, or None (not a
    replica, or not known).  Asked of the replica itself."""
    try:
        with connection() as db:
            row = db.execute_sql("SELECT sender_host, sender_port FROM pg_stat_wal_receiver").fetchone()
    except peewee.DatabaseError:
        return None
    return f"{row[0]}:{row[1]}" if row and row[0] else None


@contextlib.contextmanager
def _statement_limit(db: peewee.Database, limited: bool) -> Iterator[None]:
    if isinstance(db, WriterQueueSqliteDatabase):
        if limited:
            with db.statement_limit():
                yield
        else:
            yield
        return
    if limited or not statement_timeout_ms(db):
        yield  # PostgreSQL: the connection's default (or no limit at all)
        return
    db.execute_sql("SET statement_timeout = 0")
    try:
        yield
    finally:
        try:
            db.execute_sql("RESET statement_timeout")
        except peewee.DatabaseError:
            # The connection is in a failed transaction (its work raised):
            # let it go rather than hand it back to the pool without its limit.
            db.manual_close()


def statement_timeout_ms(db: peewee.Database | None = None) -> int | None:
    """The statement timeout the database was configured with (None: no limit)."""
    return getattr(db if db is not None else database.obj, "statement_timeout_ms", None)


#: SQLSTATE 57014 (query_canceled): PostgreSQL stopped a statement at its timeout.
_QUERY_CANCELED = "57014"


def statement_timed_out(exc: BaseException) -> bool:
    """Whether ``exc`` is a statement stopped by the statement timeout (either database)."""
    for error in (exc, exc.__cause__, exc.__context__, *exc.args[:1]):
        if isinstance(error, BaseException):
            if getattr(error, "pgcode", None) == _QUERY_CANCELED:
                return True
            if isinstance(error, (sqlite3.OperationalError, peewee.OperationalError)) and str(error) == "interrupted":
                return True
    return False
