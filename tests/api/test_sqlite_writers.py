"""SQLite write transactions of one process queue on a lock instead of
sleeping in SQLite's busy handler (api.db.database.WriterQueueSqliteDatabase)."""

from __future__ import annotations

import threading
import time

import peewee as pw
import pytest

from api.db import database as database_module
from api.db.database import configure, connection
from api.db.migrate import migrate
from api.db.models import Street


@pytest.fixture
def sqlite_db(tmp_path):
    db = configure(f"sqlite:///{tmp_path}/writers.db")
    with connection():
        migrate()
    return db


def test_concurrent_writers_all_commit_and_wait_their_turn(sqlite_db):
    errors: list[BaseException] = []
    waits: list[float] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with connection() as db:
                    started = time.perf_counter()
                    with db.atomic():
                        waits.append(time.perf_counter() - started)
                        Street.create(code=f"S{n}-{i}", name="街道")
                        time.sleep(0.005)  # hold the write lock a moment, as real transactions do
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connection():
        assert Street.select().count() == 120
    # Queued writers start when the previous one commits: at most the other
    # seven transactions (~6 ms each) ahead.  SQLite's busy handler sleeps in
    # growing steps instead; without the queue the longest wait here was ~0.7 s.
    assert max(waits) < 0.4


def test_the_writer_lock_is_released_after_a_rollback_and_a_failed_begin(sqlite_db, monkeypatch):
    with connection() as db:
        with pytest.raises(pw.IntegrityError):
            with db.atomic():
                Street.create(code="S1", name="一")
                Street.create(code="S1", name="重复")  # unique code
        assert not db._writer.locked()
        monkeypatch.setattr(pw.SqliteDatabase, "begin", lambda self, lock_type=None: (_ for _ in ()).throw(
            pw.OperationalError("disk I/O error")))
        with pytest.raises(pw.OperationalError):
            with db.atomic():
                pass
        assert not db._writer.locked()


def test_a_writer_that_waits_too_long_gets_database_busy(sqlite_db, monkeypatch):
    monkeypatch.setattr(database_module, "WRITER_WAIT_SECONDS", 0.2)
    sqlite_db._writer.acquire()  # another writer of this process holds it
    try:
        with connection() as db:
            with pytest.raises(pw.OperationalError, match="database is locked"):
                with db.atomic():
                    pass
    finally:
        sqlite_db._writer.release()
