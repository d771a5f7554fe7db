"""Schema migrations: numbered SQL files per dialect, applied once each.

``api/db/migrations/NNNN_name.sqlite.sql`` and ``NNNN_name.postgresql.sql``
hold each step for each database.  :func:`migrate` applies, in order and each
in its own transaction, the steps not yet recorded in ``schema_migration``.
Several processes may start at once: on PostgreSQL an advisory lock, on
SQLite an immediate transaction, lets one migrate while the others wait.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from importlib import resources

import peewee as pw

from api.db.database import connection, database, is_postgres

#: Any constant; identifies the migration lock among PostgreSQL advisory locks.
_ADVISORY_LOCK = 0x636F_6D70_6179


@dataclass(frozen=True)
class Migration:
    number: str
    name: str
    sql: str


def available(dialect: str) -> list[Migration]:
    folder = resources.files("api.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        parts = entry.name.split(".")
        if len(parts) == 3 and parts[1] == dialect and parts[2] == "sql":
            number, _, name = parts[0].partition("_")
            found.append(Migration(number, name, entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.number)


def _dialect() -> str:
    return "postgresql" if is_postgres() else "sqlite"


def applied() -> list[str]:
    with connection() as db:
        if not db.table_exists("schema_migration"):
            return []
        cursor = db.execute_sql('SELECT "number" FROM "schema_migration" ORDER BY "number"')
        return [row[0] for row in cursor.fetchall()]


def pending() -> list[Migration]:
    done = set(applied())
    return [m for m in available(_dialect()) if m.number not in done]


def migrate(up_to: str | None = None) -> list[str]:
    """Apply the pending migrations (those numbered up to ``up_to``, if given:
    a test builds an older schema); return the numbers applied."""
    done: list[str] = []
    with connection() as db:
        if is_postgres(db):
            _migrate_postgres(db, done, up_to)
        else:
            _migrate_sqlite(db, done, up_to)
    return done


def _wanted(dialect: str, up_to: str | None) -> list[Migration]:
    return [m for m in available(dialect) if up_to is None or m.number <= up_to]


_CREATE_LEDGER = (
    'CREATE TABLE IF NOT EXISTS "schema_migration" ("number" VARCHAR(8) NOT NULL PRIMARY KEY, '
    '"name" VARCHAR(100) NOT NULL, "applied_at" VARCHAR(32) NOT NULL)'
)


def _record(cursor, migration: Migration, placeholder: str) -> None:
    cursor.execute(
        f'INSERT INTO "schema_migration" ("number", "name", "applied_at") VALUES ({placeholder}, {placeholder}, {placeholder})',
        (migration.number, migration.name, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
    )


def _migrate_postgres(db: pw.PostgresqlDatabase, done: list[str], up_to: str | None) -> None:
    with db.atomic():
        cursor = db.cursor()
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK,))
        cursor.execute(_CREATE_LEDGER)
        cursor.execute('SELECT "number" FROM "schema_migration"')
        already = {row[0] for row in cursor.fetchall()}
        for migration in _wanted("postgresql", up_to):
            if migration.number in already:
                continue
            cursor.execute(migration.sql)
            _record(cursor, migration, "%s")
            done.append(migration.number)


def _migrate_sqlite(db: pw.SqliteDatabase, done: list[str], up_to: str | None) -> None:
    raw = db.connection()
    # A step may rebuild a table (create, copy, drop, rename: SQLite's way of
    # changing one): with foreign keys on, dropping the old table would delete
    # or refuse its children's rows.  They are switched off around the
    # transaction (inside one the pragma does nothing) and the whole schema is
    # checked before committing.
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        # Serialise concurrent starts: the first takes the write lock, the
        # others wait (busy_timeout) and then find nothing left to do.
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute(_CREATE_LEDGER)
            already = {row[0] for row in raw.execute('SELECT "number" FROM "schema_migration"')}
            todo = [m for m in _wanted("sqlite", up_to) if m.number not in already]
            for migration in todo:
                for statement in _sqlite_statements(migration.sql):
                    raw.execute(statement)
                _record(raw, migration, "?")
                done.append(migration.number)
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(f"foreign keys broken after migrations {', '.join(done)}: {broken[:5]}")
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


class MigrationError(RuntimeError):
    """A migration left the schema inconsistent; it was rolled back."""


def _sqlite_statements(script: str) -> list[str]:
    """Split a script into statements (triggers keep their BEGIN … END body)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if not current and line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def reset_for_tests() -> None:  # pragma: no cover - used by the test fixtures only
    """Drop every table (PostgreSQL test databases are reused between runs)."""
    with connection() as db:
        if is_postgres(db):
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        else:
            db.execute_sql("PRAGMA foreign_keys = OFF")
            for table in db.get_tables():
                if not table.startswith("sqlite_"):  # sqlite_sequence (AUTOINCREMENT) belongs to SQLite
                    db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
            db.execute_sql("PRAGMA foreign_keys = ON")


__all__ = ["Migration", "MigrationError", "applied", "available", "database", "migrate", "pending"]
