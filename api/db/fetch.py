"""Reading many rows from SQLite without a thread convoy.

Python's ``sqlite3`` releases the GIL around every step of a statement, that
is once per row.  When other threads want the GIL (the event loop, other
requests' worker threads), each release hands it over and the reading thread
waits up to a switch interval (5 ms) to get it back: a page of 100 rows read
next to one busy thread took 113 ms instead of 0.12 ms.  Asking SQLite for the
whole result as one JSON array is one step — one release — and ``orjson``
decodes it in microseconds; the values are the same (our tables hold integers,
text and NULL, which JSON keeps exactly).

PostgreSQL's driver fetches the whole result in one call already, so there the
statement runs as it is.
"""

from __future__ import annotations

from typing import Any, Sequence

import orjson
import peewee as pw


def is_sqlite(database: pw.Database) -> bool:
    if isinstance(database, pw.DatabaseProxy):
        database = database.obj
    return isinstance(database, pw.SqliteDatabase)


def fetch_all(database: pw.Database, sql: str, params: Sequence[Any], columns: Sequence[str]) -> list[Sequence[Any]]:
    """The rows of ``sql``, whose result columns are named ``columns``, in order."""
    if not is_sqlite(database):
        return database.execute_sql(sql, params).fetchall()
    # The inner statement is not flattened into the aggregate (it is ordered
    # and limited), so the array keeps the rows in the statement's order.
    items = ", ".join(f'"inner"."{name}"' for name in columns)
    wrapped = f'SELECT json_group_array(json_array({items})) FROM ({sql}) AS "inner"'
    (text,) = database.execute_sql(wrapped, params).fetchone()
    return orjson.loads(text)
