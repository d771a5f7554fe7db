"""The migrations: the migrated schema is the models' (columns, types, nulls,
keys, indexes) on both databases; 0002 rebuilds SQLite's tables with
AUTOINCREMENT keeping every row, index, foreign key and trigger; and on both
databases an id, once given, is never given again."""

from __future__ import annotations

import sqlite3

import peewee as pw
import pytest

from api.db.database import configure, connection, database, is_postgres
from api.db.migrate import applied, migrate
from api.db.models import ALL_MODELS

from .conftest import postgresql_only
from .test_payroll_runs import CREATE_RUN, DELETE

TABLES = [model._meta.table_name for model in ALL_MODELS]


def create_model_tables(db: pw.Database) -> None:
    """The tables and indexes the models describe, created by peewee in ``db``
    (PostgreSQL: in the schema first on the search path)."""
    with db.bind_ctx(ALL_MODELS):
        db.create_tables(ALL_MODELS, safe=False)


def _columns(db: pw.Database, table: str, schema: str | None = None) -> list[tuple]:
    """(name, type, null, primary key) of each column; PostgreSQL's types with their lengths."""
    columns = {c.name: (c.name, c.data_type.lower(), c.null, c.primary_key) for c in db.get_columns(table, schema)}
    if schema is not None:
        lengths = db.execute_sql("SELECT column_name, character_maximum_length FROM information_schema.columns "
                                 "WHERE table_schema = %s AND table_name = %s", (schema, table)).fetchall()
        for name, length in lengths:
            columns[name] = (*columns[name][:1], f"{columns[name][1]}({length})", *columns[name][2:])
    return sorted(columns.values())


#: Indexes the models cannot declare: PostgreSQL's worker search indexes (migration 0004).
POSTGRESQL_ONLY = {"worker_search_trgm", "worker_search_characters"}


def _indexes(db: pw.Database, table: str, schema: str | None = None) -> list[tuple]:
    return sorted((i.name, tuple(i.columns), i.unique) for i in db.get_indexes(table, schema)
                  if not i.name.endswith("_pkey") and not i.name.startswith("sqlite_autoindex")
                  and i.name not in POSTGRESQL_ONLY)


def test_the_migrated_schema_is_the_models(app):
    """What the models would create and what the migrations created agree."""
    with connection() as db:
        if is_postgres(db):
            db.execute_sql("DROP SCHEMA IF EXISTS models_check CASCADE; CREATE SCHEMA models_check")
            try:
                db.execute_sql("SET search_path TO models_check")
                create_model_tables(db)
                db.execute_sql("SET search_path TO public")
                expected = {t: (_columns(db, t, "models_check"), _indexes(db, t, "models_check")) for t in TABLES}
            finally:
                db.execute_sql("SET search_path TO public; DROP SCHEMA models_check CASCADE")
        else:
            scratch = pw.SqliteDatabase(":memory:")
            create_model_tables(scratch)
            expected = {t: (_columns(scratch, t), _indexes(scratch, t)) for t in TABLES}
        migrated = {t: (_columns(db, t, "public" if is_postgres(db) else None),
                        _indexes(db, t, "public" if is_postgres(db) else None)) for t in TABLES}
    for table in TABLES:
        assert migrated[table] == expected[table], table


@postgresql_only
@pytest.mark.parametrize(("term", "index"), [("张", "worker_search_characters"), ("张敏", "worker_search_characters"),
                                             ("W00012", "worker_search_trgm"), ("w00012", "worker_search_trgm")])
def test_postgresql_searches_workers_through_an_index(app, term, index):
    """The search the read layer writes (its expressions must be the indexes' own) can use the index."""
    from api.access.principal import SYSTEM
    from api.reads import records

    with connection() as db:
        assert sorted(i.name for i in db.get_indexes("worker") if i.name in POSTGRESQL_ONLY) == sorted(POSTGRESQL_ONLY)
        listing = records.workers(SYSTEM, search=term)
        sql, params = listing.view.model.select(listing.view.model.id).where(*listing.conditions).sql()
        with db.atomic():  # the table is nearly empty: make the planner show it would use the index
            db.execute_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall())
    assert index in plan, plan


# --- 0002 on SQLite: a 0001 database with data -----------------------------------------------


def _fill(raw: sqlite3.Connection, table: str, i: int, parent: int | None = None) -> int:
    """A row of ``table`` made from its column types; foreign keys point at row ``parent`` (default ``i``)."""
    names, values = [], []
    for _, name, kind, _, _, primary_key in raw.execute(f'PRAGMA table_info("{table}")').fetchall():
        if primary_key:
            continue
        kind = kind.upper()
        if name.endswith("_id") and name not in ("record_id", "request_id"):
            value: object = parent or i
        elif name == "status":
            value = "DRAFT"
        elif kind.startswith("INTEGER"):
            value = i
        elif kind == "DATE":
            value = f"2026-0{i}-01"
        elif kind == "DATETIME":
            value = f"2026-0{i}-01 08:00:00"
        else:
            value = f"{name[:6]}{i}"
        names.append(f'"{name}"')
        values.append(value)
    cursor = raw.execute(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join("?" * len(values))})', values)
    return cursor.lastrowid


def _rows(raw: sqlite3.Connection, table: str) -> list[dict]:
    cursor = raw.execute(f'SELECT * FROM "{table}" ORDER BY "id"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _schema(raw: sqlite3.Connection, kind: str) -> dict[str, str]:
    return dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL", (kind,)).fetchall())


def test_0002_rebuilds_sqlite_tables_keeping_rows_indexes_keys_and_triggers(tmp_path):
    path = tmp_path / "old.db"
    configure(f"sqlite:///{path}")
    assert migrate(up_to="0001") == ["0001"]
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    tables = [t for t in TABLES if t in _schema(raw, "table")]  # those of 0001, in the models' order
    for i in (1, 2, 3):
        for table in tables:
            _fill(raw, table, i)
    raw.execute("UPDATE payroll_run SET status = 'APPROVED' WHERE id = 1")
    before = {table: _rows(raw, table) for table in tables}
    indexes, triggers = _schema(raw, "index"), _schema(raw, "trigger")
    raw.close()

    assert migrate(up_to="0002") == ["0002"]
    assert applied() == ["0001", "0002"]
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    for table in tables:
        after = _rows(raw, table)
        assert [{k: row[k] for k in before[table][0]} for row in after] == before[table], table
    created = _schema(raw, "table")
    assert all("AUTOINCREMENT" in created[t] for t in tables), [t for t in tables if "AUTOINCREMENT" not in created[t]]
    assert {k: v for k, v in _schema(raw, "index").items() if k in indexes} == indexes
    assert _schema(raw, "trigger") == triggers
    assert not any(name.endswith("_0002") for name in created)
    # The foreign keys are enforced again, with their actions …
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        raw.execute("INSERT INTO community (version, created_at, updated_at, code, name, street_id, households, "
                    "population) VALUES (1, '2026-01-01', '2026-01-01', 'CX', 'x', 99, 0, 0)")
    # … and so are the triggers: an approved run's payslips never change.
    with pytest.raises(sqlite3.IntegrityError, match="LOCKED"):
        raw.execute("UPDATE payslip SET net = 0 WHERE run_id = 1")
    # The newest row of every table deleted (children first), a new row gets a new id.
    for table in reversed(tables):
        raw.execute(f'DELETE FROM "{table}" WHERE id = 3')
    for table in tables:
        assert _fill(raw, table, 4, parent=2) == 4, table
    raw.close()
    assert "0006" in migrate()  # the later steps apply to the rebuilt tables
    raw = sqlite3.connect(path, isolation_level=None)
    created = _schema(raw, "table")
    raw.close()
    # Tables of later migrations never reuse ids either.
    assert all("AUTOINCREMENT" in created[t] for t in TABLES), [t for t in TABLES if "AUTOINCREMENT" not in created[t]]
    with connection():  # the pooled connection has its foreign keys on again
        assert database.execute_sql("PRAGMA foreign_keys").fetchone() == (1,)


# --- both databases ----------------------------------------------------------------------------


def test_a_deleted_draft_runs_id_is_never_given_again(gql, city):
    first = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})["payrollRun"]
    payslips = gql.data('query($id: ID!) { payrollRun(id: $id) { payslips(first: 10) { nodes { id } } } }',
                        {"id": first["id"]})["payrollRun"]["payslips"]["nodes"]
    gql.mutate(DELETE, {"id": first["id"]})
    second = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})["payrollRun"]
    assert int(second["id"].split(":")[1]) > int(first["id"].split(":")[1])
    again = gql.data('query($id: ID!) { payrollRun(id: $id) { payslips(first: 10) { nodes { id } } } }',
                     {"id": second["id"]})["payrollRun"]["payslips"]["nodes"]
    assert min(int(p["id"].split(":")[1]) for p in again) > max(int(p["id"].split(":")[1]) for p in payslips)
    # The old run's id names nothing now, in GraphQL and in its export URL.
    assert gql.data("query($id: ID!) { payrollRun(id: $id) { id } }", {"id": first["id"]}) == {"payrollRun": None}
    response = gql.http.get(f"/exports/payroll-runs/{first['id'].split(':')[1]}.csv",
                            headers={"Authorization": f"Bearer {gql.token}"})
    assert response.status_code == 404
