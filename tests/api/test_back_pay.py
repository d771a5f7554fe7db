"""§13 in the service: the disposable income published late, records
corrected and a worker entered late, after months were paid — the next run
pays the differences, every later run continues from them without paying
them again, and the paid runs' explanations never change.

The example of salary-model.md §13 (tests/data/examples/corrections/):
January–March 2026 are paid under the policy as it stood in March (the 2025
version only); in April the 2026 version (effective 1 January) is published,
W002's degree is corrected (大专 → 本科), W004's 不称职 year is annulled and
W007, who started on 1 February, is entered.  April–December must be exactly
what ``community-payroll quote --paid`` gives for the same inputs
(``payslips-2026-04-to-12.csv``).
"""

from __future__ import annotations

import csv

from api.db.database import connection
from api.db.models import PayrollRun

from ..conftest import EXAMPLE_POLICY, EXAMPLES
from .conftest import CREATE_WORKER, IMPORT_POLICY, GraphQLClient, load_example_city, worker_input
from .test_payroll_runs import APPROVE, COLUMNS, CREATE_RUN, payslip_lines

CORRECTIONS = EXAMPLES / "corrections"
MARK_PAID = 'mutation($id: ID!) { markPayrollRunPaid(input: {id: $id}) { errors { field code message } } }'
UPDATE_WORKER = """
mutation($input: UpdateWorkerInput!) { updateWorker(input: $input) { worker { version } errors { field code message } } }"""
EXPLANATIONS = """
query($period: Period!) { payslips(period: $period, first: 100) { nodes { id worker { code }
  explanation { item labelZh labelEn rule formula calculation value figures { path value } } } } }"""
PUBLISH = """
mutation($document: String!) { importPolicy(input: {document: $document, activate: true}) {
  policy { versions { effectiveFrom } } correctsPaidMonths errors { field code message } } }"""


def rows(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def pay_month(gql: GraphQLClient, period: str) -> dict:
    run = gql.mutate(CREATE_RUN, {"input": {"period": period}})["payrollRun"]
    gql.mutate(APPROVE, {"id": run["id"]})
    gql.mutate(MARK_PAID, {"id": run["id"]})
    return run


def explanations(gql: GraphQLClient, period: str) -> dict:
    return {n["id"]: n["explanation"] for n in gql.data(EXPLANATIONS, {"period": period})["payslips"]["nodes"]}


def test_a_late_index_corrected_records_and_a_late_worker_are_paid_once(gql):
    city = load_example_city(gql, policy=CORRECTIONS / "policy-as-of-march.yaml")
    for month in ("2026-01", "2026-02", "2026-03"):
        pay_month(gql, month)
    paid = [line for month in ("2026-01", "2026-02", "2026-03") for line in payslip_lines(gql, month)]
    assert sorted(paid) == sorted(rows(CORRECTIONS / "paid-2026-01-to-03.csv")[1:])
    before = {month: explanations(gql, month) for month in ("2026-01", "2026-02", "2026-03")}

    # April: the 2026 version is published, effective 1 January; two records are
    # corrected and a worker who started in February is entered.
    published = gql.data(PUBLISH, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})["importPolicy"]
    assert published["errors"] == []
    assert published["correctsPaidMonths"] == 3
    corrected = {r["worker_id"]: r for r in csv.DictReader(rows(CORRECTIONS / "workers-corrected.csv"))}
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W002"], "version": 1, "education": "BACHELOR"}})
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W004"], "version": 1, "incompetentYearsBefore": 0}})
    gql.mutate(CREATE_WORKER, {"input": worker_input(corrected["W007"], city.communities["C02"])})

    expected = rows(CORRECTIONS / "payslips-2026-04-to-12.csv")
    for month in range(4, 13):
        period = f"2026-{month:02d}"
        pay_month(gql, period)
        assert sorted(payslip_lines(gql, period)) == sorted(line for line in expected[1:] if line.split(",")[1] == period)

    # Approved and paid payslips are explained exactly as before.
    assert {month: explanations(gql, month) for month in before} == before
    # April's explanation shows the back pay month by month.
    april = gql.data("""{ payslips(period: "2026-04", first: 10, where: {post: "DEPUTY"}) { nodes {
        worker { code } backPay explanation { item rule calculation } } } }""")["payslips"]["nodes"]
    w002 = next(n for n in april if n["worker"]["code"] == "W002")
    back_pay = next(line for line in w002["explanation"] if line["item"] == "back_pay")
    assert back_pay["rule"].startswith("§13")
    assert "2026-01" in back_pay["calculation"] and "2026-03" in back_pay["calculation"]
    with connection():
        assert PayrollRun.select().where(PayrollRun.policy_document.is_null()).count() == 0


def test_the_columns_compared_include_the_revision_2_lines():
    assert "fixedAllowances" in COLUMNS and "backPay" in COLUMNS
