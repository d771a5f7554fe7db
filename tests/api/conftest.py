"""Fixtures for the service tests: a migrated database on each backend, the
app, an HTTP client, tokens of every role, and the example city.

Every service test runs on SQLite and, when TEST_DATABASE_URL is set (as in
.ci/run), on PostgreSQL too.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import sql
from starlette.testclient import TestClient

from payroll.money import parse_fen

from api.access.principal import Role
from api.db.database import configure, connection
from api.db.migrate import migrate, reset_for_tests
from api.http.app import create_app
from api.services.demo import load_demo
from api.services.tokens import create_token
from api.settings import Settings

from ..conftest import EXAMPLE_POLICY, EXAMPLES

BACKENDS = ["sqlite", "postgresql"]
#: A test of PostgreSQL alone (its settings, its indexes): its ``database_url``
#: is PostgreSQL's only, so no SQLite variant is collected to be skipped.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
_pg_ready = False


def _truncate_postgres() -> None:
    """Every table emptied, as freshly migrated: the default jurisdiction
    (which migration 0007 adds) is kept as that migration left it."""
    with connection() as db:
        tables = [t for t in db.get_tables() if t not in ("schema_migration", "jurisdiction")]
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        db.execute_sql('DELETE FROM "jurisdiction" WHERE "id" <> 1')
        db.execute_sql('UPDATE "jurisdiction" SET "version" = 1, "code" = \'000000\', "name" = \'本市\', '
                       '"level" = \'CITY\', "parent_id" = NULL, "population" = NULL WHERE "id" = 1')
        db.execute_sql("SELECT setval(pg_get_serial_sequence('jurisdiction', 'id'), 1)")


def postgresql_test_url() -> str | None:
    """The PostgreSQL database of this test process: TEST_DATABASE_URL itself,
    or, under pytest-xdist, ``<database>_<worker>`` on the same server (xdist's
    processes run at once and each truncates its database between tests),
    created on first use.  None when TEST_DATABASE_URL is not set."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, …
    if not url or not worker:
        return url
    parsed = urlsplit(url)
    name = f"{parsed.path.lstrip('/')}_{worker}"
    maintenance = psycopg2.connect(urlunsplit(parsed._replace(path="/postgres")))
    try:
        maintenance.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        maintenance.close()
    return urlunsplit(parsed._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def postgresql_url() -> str | None:
    return postgresql_test_url()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, postgresql_url) -> str:
    global _pg_ready
    if request.param == "postgresql":
        url = postgresql_url
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests run in .ci/run)")
        configure(url)
        if not _pg_ready:
            reset_for_tests()
            migrate()
            _pg_ready = True
        _truncate_postgres()
        return url
    # Configured here too, so that a test reading the database before it makes
    # an app never reaches the database an earlier test left configured (under
    # xdist, the replica test's stopped standby).
    url = f"sqlite:///{tmp_path}/test.db"
    configure(url)
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class GraphQLClient:
    http: TestClient
    token: str | None = None

    def as_(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)

    def post(self, query: str, variables: dict | None = None, token: str | None = "default") -> dict:
        headers = {}
        token = self.token if token == "default" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, query: str, variables: dict | None = None) -> dict:
        body = self.post(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def mutate(self, query: str, variables: dict | None = None, field: str | None = None) -> dict:
        """A mutation that must succeed: returns its payload (no user errors)."""
        data = self.data(query, variables)
        payload = data[field] if field else next(iter(data.values()))
        assert payload["errors"] == [], payload["errors"]
        return payload


@dataclass
class Tokens:
    admin: str
    hr: str  # scoped to street S1
    hr_other: str  # scoped to street S2
    finance: str
    viewer: str


@pytest.fixture
def tokens(app) -> Tokens:
    with connection():
        from api.db.models import Street

        for code, name in (("S1", "颍川街道"), ("S2", "韩城街道")):
            if not Street.select().where(Street.code == code).exists():
                Street.create(code=code, name=name)
        return Tokens(
            admin=create_token("admin", Role.ADMIN).token,
            hr=create_token("hr-s1", Role.HR, ["S1"]).token,
            hr_other=create_token("hr-s2", Role.HR, ["S2"]).token,
            finance=create_token("finance", Role.FINANCE).token,
            viewer=create_token("viewer", Role.VIEWER).token,
        )


@pytest.fixture
def demo_gql(client) -> GraphQLClient:
    """A small demo city (runs January–March 2026) and an ADMIN client."""
    with connection():
        load_demo(workers=300, streets=3, communities=12, today=dt.date(2026, 4, 15))
        token = create_token("admin", Role.ADMIN).token
    return GraphQLClient(client, token)


@pytest.fixture
def gql(client, tokens) -> GraphQLClient:
    """A GraphQL client with the ADMIN token."""
    return GraphQLClient(client, tokens.admin)


IMPORT_POLICY = """
mutation($document: String!) {
  importPolicy(input: {document: $document, activate: true}) { policy { id code active } errors { field code message } }
}"""
CREATE_COMMUNITY = """
mutation($input: CreateCommunityInput!) {
  createCommunity(input: $input) { community { id code version } errors { field code message } }
}"""
CREATE_WORKER = """
mutation($input: CreateWorkerInput!) {
  createWorker(input: $input) { worker { id code version } errors { field code message } }
}"""
RECORD_ASSESSMENTS = """
mutation($input: RecordAssessmentsInput!) {
  recordAssessments(input: $input) { recorded errors { field code message } }
}"""


@dataclass
class City:
    streets: dict[str, str]
    communities: dict[str, str]
    workers: dict[str, str]


def worker_input(row: dict[str, str], community_id: str) -> dict:
    """A workers.csv row as CreateWorkerInput variables."""
    value = {
        "code": row["worker_id"],
        "name": row["name"],
        "communityId": community_id,
        "post": row["post"],
        "serviceStart": row["service_start"],
        "serviceEnd": row["service_end"] or None,
        "priorServiceYears": int(row["prior_service_years"] or 0),
        "incompetentYearsBefore": int(row["incompetent_years"] or 0),
        "education": row["education"] or "SECONDARY",
        "certificate": row["certificate"] or "NONE",
        "certificateDate": row["certificate_date"] or None,
        "specialDeductionMonthly": f"{parse_fen(row['special_deduction_monthly'] or '0') / 100:.2f}",
        "previousMonthlyPay": row["previous_monthly_pay"] or None,
    }
    for field, name in (("tax_basic_deduction", "taxBasicDeduction"), ("bonus_tax_method", "bonusTaxMethod")):
        if row.get(field):
            value.update({name: row[field], "taxYear": 2026})
    if row.get("opening_through"):
        value.update(
            openingThrough=row["opening_through"],
            openingMonths=int(row["opening_months"]),
            openingIncome=row["opening_income"],
            openingDeductions=row["opening_deductions"],
            openingTax=row["opening_tax"],
            openingReserve=row["opening_reserve"],
        )
    return value


def _rows(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_example_city(gql: GraphQLClient, year: int = 2026, policy: Path = EXAMPLE_POLICY,
                      workers_file: str = "workers.csv") -> City:
    """The spec's example communities and workers, created through GraphQL."""
    gql.mutate(IMPORT_POLICY, {"document": policy.read_text(encoding="utf-8")})
    streets = {
        s["code"]: s["id"] for s in gql.data("{ streets(first: 10) { nodes { id code name } } }")["streets"]["nodes"]
    }
    street_of = {"颍川街道": streets["S1"], "韩城街道": streets["S2"]}
    communities = {}
    for row in _rows("communities.csv"):
        payload = gql.mutate(CREATE_COMMUNITY, {"input": {
            "code": row["community_id"], "name": row["name"], "streetId": street_of[row["street"]],
            "households": int(row["households"]), "population": int(row["population"]),
        }})
        communities[row["community_id"]] = payload["community"]["id"]
    workers, assessments = {}, []
    for row in _rows(workers_file):
        payload = gql.mutate(CREATE_WORKER, {"input": worker_input(row, communities[row["community_id"]])})
        workers[row["worker_id"]] = payload["worker"]["id"]
        if row["assessment"]:
            assessments.append({"workerId": payload["worker"]["id"], "result": row["assessment"]})
    gql.mutate(RECORD_ASSESSMENTS, {"input": {"year": year, "entries": assessments}})
    return City(streets, communities, workers)


@pytest.fixture
def city(gql) -> City:
    return load_example_city(gql)
