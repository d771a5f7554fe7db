"""Bad input never crashes anything: hypothesis fuzzes the policy loader, the
CSV readers and the GraphQL inputs; schemathesis generates queries and
mutations from the schema.  Whatever comes in, the answer is a validation
error, a user error or data — never a server error."""

from __future__ import annotations

import copy
import io

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from payroll.csvio import read_communities, read_population, read_workers
from payroll.policy import PolicyError, parse_policy, parse_policy_text
from payroll.workers import WORKER_FIELDS, InputError

from ..conftest import example_document
from .conftest import CREATE_WORKER, GraphQLClient

WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["", "-1", "1e400", "NaN", "2026-02-30", "0.1234567", "99999999999999999999", "CHIEF", "12"]),
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))
    yield prefix


#: The same, but only values JSON can carry (a client cannot send NaN or infinity).
JSON_WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["", "-1", "1e400", "NaN", "2026-02-30", "0.1234567", "99999999999999999999", "CHIEF", "12"]),
)

DOCUMENT = example_document()
PATHS = [p for p in _paths(DOCUMENT) if p]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), WEIRD), min_size=1, max_size=4))
def test_policy_loader_reports_problems_and_never_crashes(changes):
    document = copy.deepcopy(DOCUMENT)
    for path, value in changes:
        node = document
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        parse_policy(document)
    except PolicyError as exc:
        assert exc.problems and all(isinstance(p, str) and ":" in p for p in exc.problems)


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_policy_text_never_crashes(text):
    try:
        parse_policy_text(text)
    except PolicyError as exc:
        assert exc.problems


CSV_CELL = st.one_of(st.sampled_from(["", "W1", "STAFF", "2026-01-01", "2026/13/01", "1,000", "-5", "本科", "X" * 80,
                                      "\ufeff", '"', "1e9", "NONE", "SOCIAL_WORKER", "2026-03"]), st.text(max_size=12))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORKER_FIELDS + ("unknown",)), min_size=1, max_size=8, unique=True),
       st.lists(st.lists(CSV_CELL, min_size=0, max_size=9), max_size=6), st.booleans())
def test_csv_readers_never_crash(header, rows, skip):
    text = "\n".join([",".join(header)] + [",".join(r) for r in rows])
    for reader in (lambda f: read_workers(f, ("CHIEF", "DEPUTY", "STAFF"), skip),
                   lambda f: read_population(f, ("CHIEF", "DEPUTY", "STAFF"), skip),
                   lambda f: read_communities(f, skip)):
        handle = io.StringIO(text)
        handle.name = "fuzz.csv"
        try:
            reader(handle)
        except InputError as exc:
            assert str(exc)


def no_server_error(body: dict) -> None:
    for error in body.get("errors") or ():
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fields=st.fixed_dictionaries({}, optional={
    "serviceStart": JSON_WEIRD, "serviceEnd": JSON_WEIRD, "post": JSON_WEIRD, "idNumber": JSON_WEIRD,
    "priorServiceYears": JSON_WEIRD, "specialDeductionMonthly": JSON_WEIRD, "previousMonthlyPay": JSON_WEIRD,
    "openingThrough": JSON_WEIRD, "phone": JSON_WEIRD, "education": JSON_WEIRD, "communityId": JSON_WEIRD,
    "bankAccount": JSON_WEIRD,
}))
def test_graphql_inputs_never_cause_a_server_error(gql: GraphQLClient, city, fields):
    base = {"code": "F1", "name": "模糊", "communityId": city.communities["C01"], "post": "STAFF",
            "serviceStart": "2026-01-01"}
    body = gql.post(CREATE_WORKER, {"input": {**base, **fields}})
    no_server_error(body)
    for query, variables in (
        ("query($p: Period!) { payslips(period: $p, first: 5) { nodes { net } } }", {"p": fields.get("openingThrough")}),
        ("query($d: Date!) { staffing(date: $d) { totals { gap } } }", {"d": fields.get("serviceStart")}),
        ("query($g: Decimal) { budget(year: 2027, baseIncomeGrowth: $g) { totals { total } } }",
         {"g": fields.get("specialDeductionMonthly")}),
        ("query($id: ID) { worker(id: $id) { code } }", {"id": fields.get("communityId")}),
    ):
        no_server_error(gql.post(query, variables))


# --- schemathesis: queries and mutations generated from the schema -------------------------------

schemathesis.graphql.scalar("Money", st.from_regex(r"\A-?\d{1,7}(\.\d{1,3})?\Z").map(nodes.String))
schemathesis.graphql.scalar("Period", st.from_regex(r"\A\d{4}-\d{1,2}\Z").map(nodes.String))
schemathesis.graphql.scalar("Decimal", st.from_regex(r"\A-?\d{1,3}(\.\d{1,8})?\Z").map(nodes.String))
schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar("DateTime", st.datetimes().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar("JSON", st.just(nodes.String("{}")))
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))


def test_schemathesis_finds_no_server_errors(app, tokens, city):
    """Every query and mutation of the schema, with generated arguments and
    selections, answered without a server error (schemathesis, GraphQL)."""
    headers = {"Authorization": f"Bearer {tokens.admin}"}
    schema = schemathesis.graphql.from_asgi("/graphql", app, headers=headers)  # introspection needs a token
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    failures = []
    for operation in operations:

        @settings(max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500 or any(
                (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in response.json().get("errors") or ()
            ):
                failures.append(f"{operation.label}: {case.body} → {response.status_code} {response.text[:300]}")

        check()
    assert failures == []
