"""A payslip's references hold on both databases: SQLite by its foreign keys,
PostgreSQL by the statement trigger and the guards of migration 0009.  A
payslip never points at a run, worker, community or street that is not there;
what payslips refer to cannot be deleted; a deleted draft run takes its
payslips with it; and on PostgreSQL a worker's deletion waits for a run still
inserting that worker's payslip, then is refused."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import peewee as pw
import pytest

from api.db.database import connection, database
from api.db.models import Payslip, Street

from .conftest import City, postgresql_only
from .test_payroll_runs import run_year

COLUMNS = [f.column_name for f in Payslip._meta.sorted_fields if f.name != "id"]
QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)


def copy_of_a_payslip(**changed: object) -> tuple[str, list]:
    """An INSERT of the first payslip again, as 2027-01, with ``changed`` columns."""
    values = ", ".join("%s" if c in changed else ("'2027-01'" if c == "period" else f'"{c}"') for c in COLUMNS)
    placeholders = values if database.param == "%s" else values.replace("%s", "?")
    sql = f'INSERT INTO "payslip" ({QUOTED}) SELECT {placeholders} FROM "payslip" ORDER BY "id" LIMIT 1'
    return sql, [changed[c] for c in COLUMNS if c in changed]



@contextlib.contextmanager
def sessions(database_url: str, count: int) -> Iterator[list]:
    """``count`` PostgreSQL sessions of their own (transactions the test interleaves), closed afterwards."""
    import psycopg2

    opened = [psycopg2.connect(database_url) for _ in range(count)]
    try:
        yield opened
    finally:
        for session in opened:
            session.close()


def in_background(session, *statements: tuple[str, tuple]) -> tuple[threading.Thread, list[tuple[str, str]]]:
    """Run ``statements`` in ``session`` on a thread, then roll back; the
    outcome is ("done", "") or the error's (SQLSTATE, message)."""
    import psycopg2

    outcomes: list[tuple[str, str]] = []

    def run() -> None:
        try:
            with session.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
            outcomes.append(("done", ""))
        except psycopg2.Error as error:
            outcomes.append((error.pgcode, error.pgerror))
        finally:
            session.rollback()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcomes

@pytest.mark.parametrize("column", ["run_id", "worker_id", "community_id", "street_id"])
def test_a_payslip_never_points_at_a_missing_record(gql, city: City, column: str):
    run_year(gql, months=[1], approve=False)
    with connection():
        sql, params = copy_of_a_payslip(**{column: 999_999})
        with pytest.raises(pw.IntegrityError):
            with database.atomic():
                database.execute_sql(sql, params)
        sql, params = copy_of_a_payslip()  # the same copy, pointing where the original does, is accepted
        with database.atomic():
            database.execute_sql(sql, params)
        assert Payslip.select().where(Payslip.period == "2027-01").count() == 1


@pytest.mark.parametrize("table", ["worker", "community", "street"])
def test_what_payslips_refer_to_cannot_be_deleted(gql, city: City, table: str):
    run_year(gql, months=[1], approve=False)
    with connection():
        (referred,) = database.execute_sql(f'SELECT "{table}_id" FROM "payslip" ORDER BY "id" LIMIT 1').fetchone()
        with pytest.raises(pw.IntegrityError):
            with database.atomic():
                database.execute_sql(f'DELETE FROM "{table}" WHERE "id" = {int(referred)}')
        assert database.execute_sql(f'SELECT COUNT(*) FROM "{table}" WHERE "id" = {int(referred)}').fetchone() == (1,)


def test_a_deleted_draft_run_takes_its_payslips(gql, city: City):
    run = run_year(gql, months=[1], approve=False)[0]
    with connection():
        assert Payslip.select().count() == run["payslipCount"] == 4
        with database.atomic():
            database.execute_sql('DELETE FROM "payroll_run"')
        assert Payslip.select().count() == 0


@postgresql_only
def test_a_workers_deletion_waits_for_a_run_inserting_its_payslip(gql, city: City, database_url: str):
    run_year(gql, months=[1], approve=False)
    with connection():
        (worker_id,) = database.execute_sql('SELECT "worker_id" FROM "payslip" ORDER BY "id" LIMIT 1').fetchone()
        sql, params = copy_of_a_payslip()
    with sessions(database_url, 2) as (running, deleting):
        with running.cursor() as cursor:  # a run's transaction: its payslip inserted, not yet committed
            cursor.execute(sql, params)
            cursor.execute('DELETE FROM "payslip" WHERE "period" = \'2026-01\' AND "worker_id" = %s', (worker_id,))
        deleter, outcomes = in_background(deleting, ('DELETE FROM "worker" WHERE "id" = %s', (worker_id,)))
        deleter.join(1.0)
        assert deleter.is_alive(), "the deletion did not wait for the transaction inserting the worker's payslip"
        running.commit()
        deleter.join(10.0)
        assert not deleter.is_alive()
        assert len(outcomes) == 1 and outcomes[0][0] == "23503" and "payslips refer to it" in outcomes[0][1]


@pytest.mark.parametrize("column", ["run_id", "worker_id", "community_id", "street_id"])
def test_a_payslip_cannot_be_updated_to_point_at_a_missing_record(gql, city: City, column: str):
    run_year(gql, months=[1], approve=False)
    with connection():
        with pytest.raises(pw.IntegrityError):
            with database.atomic():
                database.execute_sql(f'UPDATE "payslip" SET "{column}" = 999999 WHERE "id" = '
                                     '(SELECT MIN("id") FROM "payslip")')
        assert Payslip.select().where(getattr(Payslip, column.removesuffix("_id")) == 999_999).count() == 0


@postgresql_only
def test_truncating_what_payslips_refer_to_is_refused(gql, city: City):
    run_year(gql, months=[1], approve=False)
    with connection():
        with pytest.raises(pw.IntegrityError, match='truncate of table payroll_run: payslips refer to it'):
            with database.atomic():
                database.execute_sql('TRUNCATE "payroll_run" CASCADE')
        assert Payslip.select().count() == 4
        with database.atomic():  # with the payslips, as bench/persist.py does
            database.execute_sql('TRUNCATE "payslip", "payroll_run_place", "payroll_run"')
        assert Payslip.select().count() == 0


@postgresql_only
def test_deleting_a_community_while_payslips_are_written_does_not_deadlock(gql, city: City, database_url: str):
    """A community's deletion and a run inserting a payslip that names it: the
    deletion is refused (its workers still refer to it), the insert goes
    through once the deletion is rolled back, and neither deadlocks (a table
    lock taken by the deletion, as a worker's takes, would: each would wait
    for the other)."""
    run_year(gql, months=[1], approve=False)
    with connection():
        (community_id,) = database.execute_sql('SELECT "community_id" FROM "payslip" ORDER BY "id" LIMIT 1').fetchone()
        sql, params = copy_of_a_payslip()
        with database.atomic():
            database.execute_sql('DELETE FROM "payslip" WHERE "community_id" = %s', (community_id,))
    with sessions(database_url, 2) as (running, deleting):
        with running.cursor() as cursor:  # a run's transaction, already writing payslips
            cursor.execute('UPDATE "payslip" SET "worker_name" = "worker_name" WHERE "id" = (SELECT MIN("id") FROM "payslip")')
        deleter, outcomes = in_background(deleting, ("SET deadlock_timeout = '200ms'", ()),
                                          ('DELETE FROM "community" WHERE "id" = %s', (community_id,)))
        deleter.join(0.5)
        with running.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '200ms'")
            cursor.execute(sql.replace('ORDER BY "id"', 'WHERE "community_id" <> %s ORDER BY "id"'),
                           [community_id])
            cursor.execute('UPDATE "payslip" SET "community_id" = %s WHERE "period" = \'2027-01\'', (community_id,))
        running.commit()
        deleter.join(10.0)
        assert not deleter.is_alive()
        assert [code for code, _ in outcomes] == ["23503"]  # refused by the workers' foreign key; no 40P01 (deadlock)


@postgresql_only
def test_deleting_what_payslips_may_refer_to_is_refused_above_read_committed(gql, city: City, database_url: str):
    """A trigger cannot look past a REPEATABLE READ snapshot as a foreign key
    did, so such deletions are refused there, and at READ COMMITTED go on."""
    import psycopg2

    with connection():
        first = Street.select().first()
        street_id = Street.create(code="S-EMPTY", name="空街道", jurisdiction=first.jurisdiction_id).id
    with sessions(database_url, 1) as (session,):
        for isolation, expected in (("REPEATABLE READ", "40001"), ("READ COMMITTED", None)):
            with session.cursor() as cursor:
                cursor.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                try:
                    cursor.execute('DELETE FROM "street" WHERE "id" = %s', (street_id,))
                    assert cursor.rowcount == 1
                    outcome = None
                except psycopg2.Error as error:
                    outcome = error.pgcode
                session.rollback()
            assert outcome == expected, isolation
