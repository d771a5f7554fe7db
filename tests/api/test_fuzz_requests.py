"""A property-based fuzzer over what a client controls (issue 12): ids (huge,
negative, full-width digits, other types' names), cursors (crafted JSON:
huge numbers, floats, bad dates, wrong lengths), dates and months from year 1
to 9999, and raw HTTP bodies — sent to the GraphQL endpoint and the exports.
Whatever comes in, no answer is INTERNAL_SERVER_ERROR and no status is 5xx.

Runs on both databases (the ``database_url`` fixture): 1,000 examples per test,
15–30 s per database on the development machine, with what else runs on it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import GraphQLClient

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- what is drawn ------------------------------------------------------------------------------

DIGITS = "0123456789０１２３４５６７８９٠١²³¹₂"
NUMBERS = st.one_of(
    st.integers(-2**80, 2**80).map(str),
    st.text(alphabet=DIGITS + " -+.e_", min_size=1, max_size=25),
    st.sampled_from(["", "0", "00", "9223372036854775807", "9223372036854775808", str(2**63 - 1), str(2**64),
                     str(2**70), "1" * 20, "1" * 5000, "1.0", "1e3", "0x10", " 1", "1 ", "١٢"]),
)
TYPES = st.sampled_from(["Worker", "Street", "Community", "Position", "PayrollRun", "Payslip", "Policy", "AuditEntry",
                         "worker", "", "Worker ", "X", "Worker:Worker"])
IDS = st.one_of(st.builds(lambda t, n: f"{t}:{n}", TYPES, NUMBERS), st.text(max_size=40))

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**100, 2**100), st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=30),
              st.sampled_from(["2026-01-01", "2026-13-45", "0001-01-01", "9999-12-31", "99999-01-01",
                               "2026-01-01T08:00:00", "2026-01-01T25:00:00", "2026-02-30", "W001", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)


def _b64(raw: bytes, padded: bool) -> str:
    text = base64.urlsafe_b64encode(raw).decode()
    return text if padded else text.rstrip("=")


CURSORS = st.one_of(
    st.builds(lambda values, padded: _b64(json.dumps(values).encode(), padded),
              st.lists(JSON_VALUES, max_size=4), st.booleans()),
    st.builds(lambda raw, padded: _b64(raw, padded), st.binary(max_size=60), st.booleans()),
    st.builds(lambda text: _b64(text.encode(), False), st.sampled_from([
        '[1e400, 1]', '[NaN, 1]', '[1.5]', '["2026-01-01", 1.0]', f'["W001", {2**70}]', '[true, 1]', "[[1], 1]"])),
    st.text(max_size=40),
)
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
DATE_TEXTS = st.one_of(DATES, st.sampled_from(["2026-02-30", "2026-13-01", "10000-01-01", "0000-01-01", "-2026-01-01",
                                               "2026-1-1", "２０２６-01-01", ""]))
PERIODS = st.one_of(st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1, 9999), st.integers(1, 12)),
                    st.sampled_from(["2026-13", "2026-00", "0000-01", "10000-01", "2026-1", "２０２６-01"]))
DATETIMES = st.one_of(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59))
                      .map(dt.datetime.isoformat), DATE_TEXTS)
INTS = st.one_of(st.integers(-2**31, 2**31 - 1), st.sampled_from([0, 1, 1989, 1990, 2100, 2101, 9999, -1]))


def no_server_error(status: int, body: object, what: object) -> None:
    assert status < 500, (status, what, body)
    answers = body if isinstance(body, list) else [body]
    for answer in answers:
        for error in (answer.get("errors") or ()) if isinstance(answer, dict) else ():
            assert (error.get("extensions") or {}).get("code") != "INTERNAL_SERVER_ERROR", (what, error)


def send(gql: GraphQLClient, query: str, variables: dict) -> None:
    response = gql.http.post("/graphql", json={"query": query, "variables": variables},
                             headers={"Authorization": f"Bearer {gql.token}"})
    no_server_error(response.status_code, response.json(), (query, variables))


# --- ids and cursors ------------------------------------------------------------------------------

ID_QUERIES = [
    "query($id: ID) { worker(id: $id) { code community { code } positions { title } } }",
    "query($id: ID) { street(id: $id) { code } community(id: $id) { code } policy(id: $id) { code } }",
    "query($id: ID!) { position(id: $id) { title community { code } worker { code } } }",
    "query($id: ID!) { payrollRun(id: $id) { period payslips(first: 2) { nodes { net } } } }",
    "query($id: ID) { workers(first: 2, where: {communityId: $id, streetId: $id}) { nodes { code } } }",
    "query($id: ID) { positions(first: 2, where: {communityId: $id}) { nodes { title } } }",
    'query($id: ID) { payslips(period: "2026-01", first: 2, where: {workerId: $id, payrollRunId: $id}) '
    "{ nodes { net } } }",
    'query($id: ID) { salaryQuote(input: {period: "2026-01", workerId: $id}) { net } }',
    'query($id: ID) { staffing(date: "2026-01-01", scope: {streetId: $id}) { totals { gap } } }',
    "query($id: ID) { gradeTable(period: \"2026-01\", policyId: $id) { policyCode } }",
    "mutation($id: ID!) { deletePayrollRun(input: {id: $id}) { errors { code } } }",
    "mutation($id: ID!) { approvePayrollRun(input: {id: $id}) { errors { code } } }",
    "mutation($id: ID!) { updateWorker(input: {id: $id, version: 1, phone: \"13900000000\"}) { errors { code } } }",
    "mutation($id: ID!) { updateWorker(input: {id: \"Worker:1\", version: 1, communityId: $id}) { errors { code } } }",
    'mutation($id: ID!) { createPosition(input: {communityId: $id, post: "STAFF", title: "x", workerId: $id}) '
    "{ errors { code } } }",
    "mutation($id: ID!) { recordAssessments(input: {year: 2026, entries: [{workerId: $id, result: COMPETENT}]}) "
    "{ errors { code } } }",
    "mutation($id: ID!) { activatePolicy(input: {id: $id}) { errors { code } } }",
]

CURSOR_QUERIES = [
    "query($c: String) { workers(first: 2, after: $c, orderBy: [{field: SERVICE_START}]) { nodes { code } } }",
    "query($c: String) { workers(last: 2, before: $c, orderBy: [{field: UPDATED_AT, direction: DESC}]) "
    "{ nodes { code } } }",
    "query($c: String) { workers(first: 2, after: $c, orderBy: [{field: NAME}, {field: CODE}]) { nodes { code } } }",
    "query($c: String) { communities(first: 2, after: $c, orderBy: [{field: HOUSEHOLDS}]) { nodes { code } } }",
    "query($c: String) { streets(last: 2, before: $c) { nodes { code } } }",
    "query($c: String) { positions(first: 2, after: $c) { nodes { title } } }",
    'query($c: String) { payslips(period: "2026-01", first: 2, after: $c, orderBy: [{field: NET}]) '
    "{ nodes { net } } }",
    "query($c: String) { payrollRuns(first: 2, after: $c, orderBy: [{field: CREATED_AT}]) { nodes { period } } }",
    "query($c: String) { auditLog(first: 2, after: $c) { nodes { operation } } }",
    "query($c: String) { workers(first: 1) { nodes { payslips(first: 1, after: $c) { nodes { net } } } } }",
]


@pytest.fixture
def paid_city(gql, city):
    """The example city with January's run, so payslips, runs and the audit log have rows."""
    gql.mutate('mutation { createPayrollRun(input: {period: "2026-01"}) { payrollRun { id } errors { code } } }')
    return gql


@FUZZ
@given(query=st.sampled_from(ID_QUERIES), value=IDS)
def test_ids_never_cause_a_server_error(paid_city, query, value):
    send(paid_city, query, {"id": value})


@FUZZ
@given(query=st.sampled_from(CURSOR_QUERIES), cursor=CURSORS)
def test_cursors_never_cause_a_server_error(paid_city, query, cursor):
    send(paid_city, query, {"c": cursor})


# --- dates, months and years ------------------------------------------------------------------------

DATE_QUERIES = [
    ("query($d: Date!) { staffing(date: $d) { totals { gap } } }", DATE_TEXTS),
    ("query($d: Date) { workers(first: 3, where: {activeOn: $d}) { nodes { code nextPromotion(on: $d) { grade } } } }",
     DATE_TEXTS),
    ("query($d: Date!) { policyComparison(from: $d, to: $d) { totals { difference } } }", DATE_TEXTS),
    ('query($d: Date!) { policyComparison(from: "2026-01-01", to: $d) { totals { difference } } }', DATE_TEXTS),
    ("query($p: Period!) { payslips(period: $p, first: 2) { nodes { net } } }", PERIODS),
    ("query($p: Period!) { gradeTable(period: $p) { policyCode } }", PERIODS),
    ("query($p: Period!) { payrollTotals(period: $p) { rows { gross } } }", PERIODS),
    ("query($p: Period!) { conversion(period: $p) { totals { count } } }", PERIODS),
    ('query($p: Period!) { salaryQuote(input: {period: $p, workerId: "Worker:1"}) { net } }', PERIODS),
    ("query($p: Period) { payrollRuns(first: 2, where: {period: $p}) { nodes { id } } }", PERIODS),
    ("query($y: Int!) { budget(year: $y) { totals { total } } }", INTS),
    ("query($y: Int) { payrollRuns(first: 2, where: {year: $y}) { nodes { id } } }", INTS),
    ('query($y: Int) { policyComparison(from: "2026-01-01", to: "2026-06-30", year: $y) { totals { difference } } }',
     INTS),
    ("query($t: DateTime) { auditLog(first: 2, where: {since: $t, until: $t}) { nodes { operation } } }", DATETIMES),
    ("mutation($d: Date) { createWorker(input: {code: \"F1\", name: \"模糊\", communityId: \"Community:1\", "
     "post: \"STAFF\", serviceStart: \"2020-01-01\", serviceEnd: $d, certificate: SOCIAL_WORKER, "
     "certificateDate: $d}) { errors { code } } }", DATE_TEXTS),
    ('mutation($d: Date!) { createWorker(input: {code: "F2", name: "模糊", communityId: "Community:1", post: "STAFF", '
     "serviceStart: $d}) { errors { code } } }", DATE_TEXTS),
    ('mutation($d: Date) { createPosition(input: {communityId: "Community:1", post: "STAFF", title: "x", '
     "startDate: $d, endDate: $d}) { errors { code } } }", DATE_TEXTS),
    ('mutation($d: Date!) { endWorkerService(input: {id: "Worker:2", version: 1, serviceEnd: $d}) '
     "{ errors { code } } }", DATE_TEXTS),
    ("mutation($p: Period!) { createPayrollRun(input: {period: $p}) { errors { code } } }", PERIODS),
    ("mutation($y: Int!) { recordAssessments(input: {year: $y, entries: [{workerId: \"Worker:1\", result: BASIC}]}) "
     "{ errors { code } } }", INTS),
    ('mutation($p: Period) { updateWorker(input: {id: "Worker:3", version: 1, openingThrough: $p, openingMonths: 1}) '
     "{ errors { code } } }", PERIODS),
]


@FUZZ
@given(data=st.data())
def test_dates_months_and_years_never_cause_a_server_error(paid_city, data):
    query, values = data.draw(st.sampled_from(DATE_QUERIES))
    name = query.split("$", 1)[1].split(":", 1)[0]
    send(paid_city, query, {name: data.draw(values)})


# --- raw bodies ------------------------------------------------------------------------------------

QUERIES = st.one_of(st.sampled_from(["{ me { name } }", "{ workers(first: 1) { nodes { code } } }", "{", "",
                                     "mutation { x }", "query Q { me { name } } query Q { me { name } }",
                                     "{ __schema { types { name } } }", "subscription { me }"]),
                    st.text(max_size=60))
BODY_VALUES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"query": st.one_of(QUERIES, JSON_VALUES)},
                          optional={"variables": JSON_VALUES, "operationName": JSON_VALUES, "extensions": JSON_VALUES}),
    st.lists(st.fixed_dictionaries({"query": QUERIES}, optional={"variables": JSON_VALUES}), max_size=12),
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
                                 "application/graphql", "text/plain", "multipart/form-data", "multipart/form-data; boundary=x",
                                 "application/x-www-form-urlencoded", ""])
ACCEPTS = st.sampled_from(["application/json", "application/graphql-response+json", "*/*", "text/html", ""])


@FUZZ
@given(body=st.one_of(BODY_VALUES.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200)),
       content_type=CONTENT_TYPES, accept=ACCEPTS)
def test_raw_bodies_never_cause_a_server_error(paid_city, body, content_type, accept):
    headers = {"Authorization": f"Bearer {paid_city.token}", "Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    response = paid_city.http.post("/graphql", content=body, headers=headers)
    assert response.status_code < 500, (body, content_type, response.text[:300])
    if response.headers.get("content-type", "").startswith(("application/json", "application/graphql-response+json")):
        no_server_error(response.status_code, response.json(), body)


@FUZZ
@given(parameters=st.dictionaries(st.sampled_from(["query", "variables", "operationName", "extensions"]),
                                  st.one_of(QUERIES, JSON_VALUES.map(json.dumps)), max_size=4))
def test_get_requests_never_cause_a_server_error(paid_city, parameters):
    response = paid_city.http.get("/graphql?" + urlencode(parameters),
                                  headers={"Authorization": f"Bearer {paid_city.token}", "Accept": "application/json"})
    assert response.status_code < 500, (parameters, response.text[:300])


# --- exports ---------------------------------------------------------------------------------------

RUN_FILES = st.sampled_from([".csv", ".xlsx", "/payslips.xlsx", "/bank.csv", "/bank.xlsx", "/contributions.csv",
                             "/contributions.xlsx"])
PARAMETER_VALUES = st.one_of(IDS, NUMBERS, DATE_TEXTS, PERIODS, st.text(max_size=20))


@FUZZ
@given(data=st.data())
def test_exports_never_cause_a_server_error(paid_city, data):
    if data.draw(st.booleans()):
        run = data.draw(st.one_of(NUMBERS, st.text(min_size=1, max_size=30)))
        path = f"/exports/payroll-runs/{quote(run, safe='')}{data.draw(RUN_FILES)}"
    else:
        report = data.draw(st.sampled_from(["conversion", "budget", "staffing"]))
        names = st.sampled_from(["period", "year", "date", "streetId", "communityId", "baseIncomeGrowth"])
        path = f"/exports/{report}.xlsx?" + urlencode(data.draw(st.dictionaries(names, PARAMETER_VALUES, max_size=4)))
    response = paid_city.http.get(path, headers={"Authorization": f"Bearer {paid_city.token}"})
    assert response.status_code < 500, (path, response.text[:300])
    if response.status_code >= 400:
        assert response.json()["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
