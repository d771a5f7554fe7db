"""Who may see and change what: every query and mutation under every role, an
HR token scoped to another street (interfaces.md §3), and a WORKER token of
W001 (电子工资条: its own record and payslips only).

Outcomes: ``ok`` (answered, no error), ``forbidden`` (GraphQL error FORBIDDEN:
the role may not do it, and nothing changed), ``missing`` (outside the token's
scope: a lookup answers null or NOT_FOUND exactly as for a record that does not
exist, and nothing changed), and the checks of what each role sees (scope
filters and masked personal data)."""

from __future__ import annotations

import pytest

from api.access.principal import Role
from api.db.database import connection
from api.db.models import AuditEntry
from api.services.tokens import create_token

from .conftest import CREATE_WORKER, City, GraphQLClient, Tokens
from .test_payroll_runs import APPROVE, CREATE_RUN, run_year

ROLES = ("admin", "hr", "hr_other", "finance", "viewer", "worker")


@pytest.fixture
def scoped_city(gql: GraphQLClient, city: City) -> City:
    """The example city plus one worker in 韩城街道 (S2), and January's run approved."""
    payload = gql.mutate(CREATE_WORKER, {"input": {
        "code": "W900", "name": "韩城工作者", "communityId": city.communities["C03"], "post": "STAFF",
        "serviceStart": "2025-06-01", "idNumber": "11010519491231002X", "phone": "13912345678",
        "bankAccount": "6228480402564890018",
    }})
    city.workers["W900"] = payload["worker"]["id"]
    run_year(gql, months=[1])
    return city


@pytest.fixture
def role_tokens(tokens: Tokens, scoped_city: City) -> dict[str, str]:
    """Every role's token by name; the worker's is W001's (street S1)."""
    with connection():
        worker = create_token("w001", Role.WORKER, worker_code="W001").token
    return {**{role: getattr(tokens, role) for role in ROLES if role != "worker"}, "worker": worker}


def as_role(gql: GraphQLClient, role_tokens: dict[str, str], role: str) -> GraphQLClient:
    return gql.as_(role_tokens[role])


def outcome(body: dict) -> str:
    errors = body.get("errors") or []
    if not errors:
        data = body.get("data") or {}
        value = next(iter(data.values()), None) if data else None
        if value is None and data:
            return "missing"
        if isinstance(value, dict) and any(e.get("code") == "NOT_FOUND" for e in value.get("errors") or ()):
            return "missing"
        return "ok"
    codes = {e.get("extensions", {}).get("code") for e in errors}
    if codes == {"FORBIDDEN"}:
        return "forbidden"
    return "missing" if codes == {"NOT_FOUND"} else f"error: {errors}"


def audit_count() -> int:
    with connection():
        return AuditEntry.select().count()


# (name, document, variables builder, expected outcome per role: admin, hr, hr_other, finance, viewer, worker)
QUERIES = [
    ("streets", "{ streets { nodes { code } } }", None, "ok ok ok ok ok forbidden"),
    ("communities", "{ communities { nodes { code } } }", None, "ok ok ok ok ok forbidden"),
    ("workers", "{ workers { nodes { code } } }", None, "ok ok ok ok ok forbidden"),
    ("positions", "{ positions { nodes { title } } }", None, "ok ok ok ok ok forbidden"),
    ("worker in S1", "query($id: ID) { worker(id: $id) { code } }", lambda c: {"id": c.workers["W001"]},
     "ok ok missing ok ok ok"),
    ("worker in S2", "query($id: ID) { worker(id: $id) { code } }", lambda c: {"id": c.workers["W900"]},
     "ok missing ok ok ok missing"),
    ("community in S2", "query($id: ID) { community(id: $id) { code } }", lambda c: {"id": c.communities["C03"]},
     "ok missing ok ok ok forbidden"),
    ("street S2", "query($id: ID) { street(id: $id) { code } }", lambda c: {"id": c.streets["S2"]},
     "ok missing ok ok ok forbidden"),
    ("policies", "{ policies { code } policy { code } }", None, "ok ok ok ok ok forbidden"),
    ("gradeTable", '{ gradeTable(period: "2026-11") { effectiveFrom } }', None, "ok ok ok ok ok forbidden"),
    ("payrollRuns", "{ payrollRuns { nodes { period } } }", None, "ok ok ok ok ok forbidden"),
    ("city run", '{ payrollRun(id: "PayrollRun:1") { period } }', None, "ok missing missing ok ok forbidden"),
    ("payslips", '{ payslips(period: "2026-01") { nodes { net } } }', None, "ok ok ok ok ok ok"),
    ("payrollTotals", '{ payrollTotals(period: "2026-01") { net } }', None, "ok ok ok ok ok forbidden"),
    ("quote hypothetical", '{ salaryQuote(input: {period: "2026-11", post: "STAFF"}) { net } }', None,
     "ok ok ok ok ok forbidden"),
    ("quote S1 worker", 'query($w: ID) { salaryQuote(input: {period: "2026-11", workerId: $w}) { net } }',
     lambda c: {"w": c.workers["W001"]}, "ok ok missing ok ok forbidden"),
    ("staffing", '{ staffing(date: "2026-11-01") { rows { gap } } }', None, "ok ok ok ok ok forbidden"),
    ("staffing of S1", 'query($s: ID) { staffing(date: "2026-11-01", scope: {streetId: $s}) { rows { gap } } }',
     lambda c: {"s": c.streets["S1"]}, "ok ok missing ok ok forbidden"),
    ("budget", "{ budget(year: 2027) { totals { total } } }", None, "ok ok ok ok ok forbidden"),
    ("auditLog", "{ auditLog(first: 5) { nodes { operation } } }", None,
     "ok forbidden forbidden forbidden forbidden forbidden"),
    ("me", "{ me { role streetCodes } }", None, "ok ok ok ok ok ok"),
    ("payrollPeriods", "{ payrollPeriods }", None, "ok ok ok ok ok ok"),
]

MUTATIONS = [
    ("createStreet", 'mutation { createStreet(input: {code: "S7", name: "七"}) { errors { code } } }', None,
     "ok forbidden forbidden forbidden forbidden forbidden"),
    ("updateStreet S1", 'mutation($id: ID!) { updateStreet(input: {id: $id, version: 1, name: "颍川"}) { errors { code } } }',
     lambda c: {"id": c.streets["S1"]}, "ok ok missing forbidden forbidden forbidden"),
    ("createCommunity in S2", 'mutation($s: ID!) { createCommunity(input: {code: "C77", name: "七七", streetId: $s}) { errors { code } } }',
     lambda c: {"s": c.streets["S2"]}, "ok missing ok forbidden forbidden forbidden"),
    ("updateCommunity C01", 'mutation($id: ID!) { updateCommunity(input: {id: $id, version: 1, households: 2700}) { errors { code } } }',
     lambda c: {"id": c.communities["C01"]}, "ok ok missing forbidden forbidden forbidden"),
    ("createWorker in C01", 'mutation($c: ID!) { createWorker(input: {code: "X1", name: "甲", communityId: $c, post: "STAFF", serviceStart: "2026-01-01"}) { errors { code } } }',
     lambda c: {"c": c.communities["C01"]}, "ok ok missing forbidden forbidden forbidden"),
    ("updateWorker W900", 'mutation($id: ID!) { updateWorker(input: {id: $id, version: 1, name: "乙"}) { errors { code } } }',
     lambda c: {"id": c.workers["W900"]}, "ok missing ok forbidden forbidden forbidden"),
    ("endWorkerService W001", 'mutation($id: ID!) { endWorkerService(input: {id: $id, version: 1, serviceEnd: "2026-12-31"}) { errors { code } } }',
     lambda c: {"id": c.workers["W001"]}, "ok ok missing forbidden forbidden forbidden"),
    ("recordAssessments W900", 'mutation($w: ID!) { recordAssessments(input: {year: 2026, entries: [{workerId: $w, result: BASIC}]}) { errors { code } } }',
     lambda c: {"w": c.workers["W900"]}, "ok missing ok forbidden forbidden forbidden"),
    ("createPosition C03", 'mutation($c: ID!) { createPosition(input: {communityId: $c, post: "STAFF", title: "网格员"}) { errors { code } } }',
     lambda c: {"c": c.communities["C03"]}, "ok missing ok forbidden forbidden forbidden"),
    ("activatePolicy", 'mutation { activatePolicy(input: {id: "Policy:1"}) { errors { code } } }', None,
     "ok forbidden forbidden forbidden forbidden forbidden"),
    ("importPolicy", 'mutation { importPolicy(input: {document: "id: x"}) { errors { code } } }', None,
     "ok forbidden forbidden forbidden forbidden forbidden"),
    ("createPayrollRun city", 'mutation { createPayrollRun(input: {period: "2026-02"}) { errors { code } } }', None,
     "ok forbidden forbidden forbidden forbidden forbidden"),
    ("createPayrollRun S2", 'mutation($s: ID) { createPayrollRun(input: {period: "2026-02", streetId: $s}) { errors { code } } }',
     lambda c: {"s": c.streets["S2"]}, "ok missing ok forbidden forbidden forbidden"),
    ("approvePayrollRun", 'mutation { approvePayrollRun(input: {id: "PayrollRun:1"}) { errors { code } } }', None,
     "ok forbidden forbidden ok forbidden forbidden"),
    ("markPayrollRunPaid", 'mutation { markPayrollRunPaid(input: {id: "PayrollRun:1"}) { errors { code } } }', None,
     "ok forbidden forbidden ok forbidden forbidden"),
    ("deletePayrollRun", 'mutation { deletePayrollRun(input: {id: "PayrollRun:1"}) { errors { code } } }', None,
     "ok missing missing forbidden forbidden forbidden"),
    ("createPayslipLink W001", 'mutation($w: ID!) { createPayslipLink(input: {workerId: $w}) { errors { code } } }',
     lambda c: {"w": c.workers["W001"]}, "ok ok missing forbidden forbidden forbidden"),
    ("revokePayslipAccess W900", 'mutation($w: ID!) { revokePayslipAccess(input: {workerId: $w}) { errors { code } } }',
     lambda c: {"w": c.workers["W900"]}, "ok missing ok forbidden forbidden forbidden"),
]


def run_matrix(gql, role_tokens, city, table) -> list[str]:
    """Every operation of ``table`` under every role; returns the mismatches.

    One city serves the whole matrix: earlier operations may change state
    (a run approved, a name changed), which turns some later outcomes into
    user errors, but never into or out of FORBIDDEN, the line drawn here."""
    mismatches = []
    for name, document, variables, expected in table:
        for role, want in zip(ROLES, expected.split()):
            before = audit_count()
            body = as_role(gql, role_tokens, role).post(document, variables(city) if variables else None)
            got = outcome(body)
            if got != want:
                mismatches.append(f"{name} as {role}: expected {want}, got {got}")
            elif want in ("forbidden", "missing") and audit_count() != before:
                mismatches.append(f"{name} as {role}: {want} but something was written")
    return mismatches


def test_every_query_under_every_role(gql, role_tokens, scoped_city):
    assert run_matrix(gql, role_tokens, scoped_city, QUERIES) == []


def test_every_mutation_under_every_role(gql, role_tokens, scoped_city):
    assert run_matrix(gql, role_tokens, scoped_city, MUTATIONS) == []


def codes(body: dict, field: str) -> list[str]:
    return [n["code"] for n in body["data"][field]["nodes"]]


def test_hr_lists_contain_only_its_scope(gql, role_tokens, scoped_city):
    hr, other = as_role(gql, role_tokens, "hr"), as_role(gql, role_tokens, "hr_other")
    assert codes(hr.post("{ streets { nodes { code } } }"), "streets") == ["S1"]
    assert codes(other.post("{ streets { nodes { code } } }"), "streets") == ["S2"]
    assert codes(hr.post("{ communities { nodes { code } } }"), "communities") == ["C01", "C02"]
    assert codes(other.post("{ communities { nodes { code } } }"), "communities") == ["C03"]
    assert codes(hr.post("{ workers { nodes { code } } }"), "workers") == ["W001", "W002", "W003", "W004", "W005", "W006"]
    assert codes(other.post("{ workers { nodes { code } } }"), "workers") == ["W900"]
    assert other.post('{ payslips(period: "2026-01") { totalCount } }')["data"]["payslips"]["totalCount"] == 1
    assert hr.post('{ payslips(period: "2026-01") { totalCount } }')["data"]["payslips"]["totalCount"] == 4
    # City runs are outside any street's scope.
    assert hr.post("{ payrollRuns { totalCount } }")["data"]["payrollRuns"]["totalCount"] == 0
    staffing = other.post('{ staffing(date: "2026-11-01") { rows { community { code } } } }')["data"]["staffing"]["rows"]
    assert [r["community"]["code"] for r in staffing] == ["C03"]
    assert hr.post("{ me { role streetCodes sees: seesPersonalData } }")["data"]["me"] == {
        "role": "HR", "streetCodes": ["S1"], "sees": True}


def test_hr_street_run_is_visible_to_it_only(gql, role_tokens, scoped_city):
    other = as_role(gql, role_tokens, "hr_other")
    payload = other.mutate(CREATE_RUN, {"input": {"period": "2026-02", "streetId": scoped_city.streets["S2"]}})
    run_id = payload["payrollRun"]["id"]
    assert payload["payrollRun"]["payslipCount"] == 1
    assert other.post("{ payrollRuns { totalCount } }")["data"]["payrollRuns"]["totalCount"] == 1
    hr = as_role(gql, role_tokens, "hr")
    assert outcome(hr.post("query($id: ID!) { payrollRun(id: $id) { period } }", {"id": run_id})) == "missing"
    assert outcome(as_role(gql, role_tokens, "finance").post(APPROVE, {"id": run_id})) == "ok"


def test_personal_data_is_masked_for_viewers(gql, role_tokens, scoped_city):
    query = '{ worker(code: "W900") { idNumber phone bankAccount birthDate sex } }'
    # Nothing derived from the identity number: no birth date, no sex, no
    # birth-date digits, sex digit or check character in the masked number.
    assert as_role(gql, role_tokens, "viewer").post(query)["data"]["worker"] == {
        "idNumber": "1101**************", "phone": "139****5678", "bankAccount": "***************0018",
        "birthDate": None, "sex": None,
    }
    for role in ("admin", "hr_other", "finance"):
        assert as_role(gql, role_tokens, role).post(query)["data"]["worker"]["idNumber"] == "11010519491231002X"
    # Viewers cannot search by identity number either.
    search = as_role(gql, role_tokens, "viewer").post('{ workers(where: {search: "110105"}) { totalCount } }')
    assert search["data"]["workers"]["totalCount"] == 0


def test_forbidden_message_names_the_role_and_outside_the_scope_is_missing(gql, role_tokens, scoped_city):
    body = as_role(gql, role_tokens, "viewer").post('mutation { createStreet(input: {code: "S7", name: "七"}) { errors { code } } }')
    assert body["errors"][0]["message"] == ("无权新建街道：需要管理员角色，本令牌为只读 / not allowed to create streets: needs "
                                            "the role ADMIN; this token has VIEWER")
    hr = as_role(gql, role_tokens, "hr")
    outside = hr.post('query($id: ID) { worker(id: $id) { code } }', {"id": scoped_city.workers["W900"]})
    missing = hr.post('query($id: ID) { worker(id: $id) { code } }', {"id": "Worker:999999"})
    assert outside == missing == {"data": {"worker": None}}
