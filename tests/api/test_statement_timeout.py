"""Bounded queries: a statement of a request that runs longer than
``PAYROLL_STATEMENT_TIMEOUT_MS`` is stopped by the database (PostgreSQL's
statement_timeout; SQLite's progress handler) and answered as a clean
LIMIT_EXCEEDED, never INTERNAL; work that is long by nature (payroll runs,
imports, exports) is not limited."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from api.access.principal import Role
from api.db.database import connection, database, is_postgres, make_database
from api.db.models import Street
from api.files import run_files
from api.http.app import create_app
from api.reads import run_files as run_reads
from api.services.demo import load_demo
from api.services.tokens import create_token
from api.settings import Settings

from .conftest import GraphQLClient, load_example_city, postgresql_only

STAFFING = '{ staffing(date: "2026-11-01") { totals { gap } } }'
SEARCH = "query($s: String) { workers(first: 5, where: {search: $s}) { nodes { code } } }"


def slow_statement(seconds: float) -> None:
    """A statement the database itself spends about ``seconds`` on."""
    if is_postgres():
        database.execute_sql("SELECT pg_sleep(%s)", (seconds,))
    else:  # about 2.5 million steps of a recursive count per second here: enough, whatever the machine
        database.execute_sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
                             "SELECT count(*) FROM c", (int(seconds * 10_000_000),)).fetchall()


@pytest.fixture
def limited(database_url):
    """The service with a statement timeout of 200 ms, an ADMIN client, and the example city."""
    app = create_app(Settings(database_url=database_url, statement_timeout_ms=200))
    with TestClient(app) as http:
        with connection():
            Street.create(code="S1", name="颍川街道")
            Street.create(code="S2", name="韩城街道")
            token = create_token("admin", Role.ADMIN).token
        gql = GraphQLClient(http, token)
        load_example_city(gql)
        yield gql


def test_a_slow_statement_of_a_read_is_limit_exceeded(limited, monkeypatch):
    from api.reads import reports

    original = reports.scoped_communities

    def slow(*args, **kwargs):
        slow_statement(5)
        return original(*args, **kwargs)

    monkeypatch.setattr(reports, "scoped_communities", slow)
    started = time.monotonic()
    body = limited.post(STAFFING)
    elapsed = time.monotonic() - started
    assert body["data"] is None
    assert body["errors"] == [{
        "message": "数据库查询超过 200 毫秒的时限，已中止，未写入任何数据；请缩小查询范围（筛选、分页）后再试 / the database "
                   "stopped a statement after the limit of 200 ms; nothing was written — narrow the request (filters, "
                   "smaller pages) and try again",
        "locations": [{"line": 1, "column": 3}], "path": ["staffing"], "extensions": {"code": "LIMIT_EXCEEDED"}}]
    assert elapsed < 3, elapsed
    # The connection goes back to the pool in working order, still limited.
    monkeypatch.setattr(reports, "scoped_communities", original)
    assert limited.data(STAFFING)["staffing"]["totals"]["gap"] is not None


def test_a_slow_statement_inside_a_mutation_writes_nothing(limited, monkeypatch):
    from api.services import records

    original = records.audit.record

    def slow_audit(*args, **kwargs):
        original(*args, **kwargs)
        slow_statement(5)

    monkeypatch.setattr(records.audit, "record", slow_audit)
    body = limited.post('mutation { createStreet(input: {code: "S9", name: "慢街道"}) { street { code } } }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    monkeypatch.setattr(records.audit, "record", original)
    streets = limited.data("{ streets(first: 10) { nodes { code } } }")["streets"]["nodes"]
    assert [s["code"] for s in streets] == ["S1", "S2"]


def test_payroll_runs_and_exports_are_not_limited(limited, monkeypatch):
    """A run whose statements take longer than the limit completes; the
    limit is back for the next request on the same pooled connection."""
    from api.services import payroll

    original = payroll.insert_payslips

    def slow_insert(*args, **kwargs):
        slow_statement(0.6)
        return original(*args, **kwargs)

    monkeypatch.setattr(payroll, "insert_payslips", slow_insert)
    run = limited.mutate('mutation { createPayrollRun(input: {period: "2026-01"}) { payrollRun { id payslipCount } '
                         'errors { code message } } }')["payrollRun"]
    assert run["payslipCount"] == 4
    number = run["id"].split(":")[1]
    monkeypatch.setattr(run_reads, "payslip_block", _slowly(run_reads.payslip_block))
    monkeypatch.setattr(run_files, "copy_payslip_csv", _slowly(run_files.copy_payslip_csv))
    response = limited.http.get(f"/exports/payroll-runs/{number}.csv", headers={"Authorization": f"Bearer {limited.token}"})
    assert response.status_code == 200 and response.text.count("\n") == 5
    from api.reads import reports

    original_scope = reports.scoped_communities

    def slow(*args, **kwargs):
        slow_statement(5)
        return original_scope(*args, **kwargs)

    monkeypatch.setattr(reports, "scoped_communities", slow)
    assert [e["extensions"]["code"] for e in limited.post(STAFFING)["errors"]] == ["LIMIT_EXCEEDED"]


def _slowly(function):
    def slowed(*args, **kwargs):
        slow_statement(0.6)
        return function(*args, **kwargs)

    return slowed


@pytest.mark.parametrize("length", [50_000, 900_000])
def test_the_quoted_long_searches_are_refused_at_once(gql, city, length):
    started = time.monotonic()
    body = gql.post(SEARCH, {"s": "a" * length})
    assert time.monotonic() - started < 5
    assert body["errors"] == [{
        "message": f"where.search：筛选文字最长 100 字，收到 {length} 字 / where.search: a filter takes at most 100 "
                   f"characters, got {length}",
        "locations": [{"line": 1, "column": 21}], "path": ["workers"], "extensions": {"code": "BAD_USER_INPUT"}}]


def test_a_big_city_search_stays_within_the_limit(database_url):
    """The longest search allowed, on a demo city, well inside the default limit."""
    app = create_app(Settings(database_url=database_url))
    with TestClient(app) as http:
        with connection():
            load_demo(workers=2000, streets=3, communities=20)
            token = create_token("admin", Role.ADMIN).token
        body = GraphQLClient(http, token).post(SEARCH, {"s": "%_" * 50})
        assert body == {"data": {"workers": {"nodes": []}}}


def _shown(db) -> tuple[str, str]:
    return tuple(db.execute_sql(f"SHOW {name}").fetchone()[0] for name in ("statement_timeout", "random_page_cost"))


@postgresql_only
@pytest.mark.parametrize(("settings", "expected"), [
    ({}, ("5s", "1.1")),
    ({"statement_timeout_ms": 0, "pg_random_page_cost": None}, None),  # the database's own
    ({"statement_timeout_ms": 250, "pg_random_page_cost": 2.0}, ("250ms", "2")),
])
def test_postgresql_sessions_of_the_service(database_url, settings, expected):
    """Each pooled PostgreSQL connection of the service opens with its statement
    timeout and the planner's page cost (api.settings.DEFAULT_PG_RANDOM_PAGE_COST)."""
    plain = make_database(database_url)
    plain.connect()
    try:
        own = _shown(plain)
    finally:
        plain.close_all()
    create_app(Settings(database_url=database_url, **settings))
    with connection() as db:
        assert _shown(db) == (expected or own)


@pytest.mark.parametrize(("text", "value"), [("", 1.1), ("1.5", 1.5), ("database", None), (" Database ", None)])
def test_the_page_cost_setting(monkeypatch, text, value):
    monkeypatch.setenv("PAYROLL_PG_RANDOM_PAGE_COST", text)
    assert Settings.from_env().pg_random_page_cost == value
