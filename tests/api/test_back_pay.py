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
from .conftest import CREATE_WORKER, GraphQLClient, load_example_city, worker_input
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


TAX = """query($id: ID!) { worker(id: $id) { version basic: taxBasicDeduction(year: 2026) method: bonusTaxMethod(year: 2026)
  next: taxBasicDeduction(year: 2027) } }"""


def test_tax_choices_hold_for_their_year_and_change_the_tax(gql):
    city = load_example_city(gql)
    worker = city.workers["W001"]
    assert gql.data(TAX, {"id": worker})["worker"] == {"version": 1, "basic": "MONTHLY", "method": None,
                                                       "next": "MONTHLY"}
    gql.mutate(UPDATE_WORKER, {"input": {"id": worker, "version": 1, "taxBasicDeduction": "FULL_YEAR",
                                         "bonusTaxMethod": "COMBINED", "taxYear": 2026}})
    assert gql.data(TAX, {"id": worker})["worker"] == {"version": 2, "basic": "FULL_YEAR", "method": "COMBINED",
                                                       "next": "MONTHLY"}
    refused = gql.data(UPDATE_WORKER, {"input": {"id": worker, "version": 2, "taxBasicDeduction": None}})["updateWorker"]
    assert refused["errors"] == [{"field": "taxBasicDeduction", "code": "REQUIRED", "message":
                                  "taxBasicDeduction：不能为 null，不填则保持不变 / taxBasicDeduction: cannot be null; leave "
                                  "it out to keep the current value"}]
    # The run takes W001's whole year of basic deduction (5,000 × 12) from January.
    run = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})["payrollRun"]
    january = gql.data("""{ payslips(period: "2026-01", first: 10, where: {post: "CHIEF"}) {
        nodes { worker { code } incomeTax explanation { item calculation } } } }""")["payslips"]["nodes"]
    w001 = next(n for n in january if n["worker"]["code"] == "W001")
    assert run["payslipCount"] == 4 and w001["incomeTax"] == "0.00"
    tax = next(line for line in w001["explanation"] if line["item"] == "income_tax")
    assert "FULL_YEAR" in tax["calculation"] and "cum_deduction = 5000.00 × 12 + 2947.40" in tax["calculation"]


PREVIEW = """query($period: Period!) { backPayPreview(period: $period) { period policyEffectiveFrom
  workers { code backPay months { period paid now difference } community { code } }
  streets { workers paidBack takenBack total street { code } }
  communities { workers total community { code } } } }"""


def test_hr_sees_the_back_pay_before_creating_the_run_and_a_late_leaver_is_taken_back(gql, tokens):
    city = load_example_city(gql, policy=CORRECTIONS / "policy-as-of-march.yaml")
    for month in ("2026-01", "2026-02", "2026-03"):
        pay_month(gql, month)
    gql.data(PUBLISH, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})
    # W005 left on 31 January, recorded only now: February and March are taken back.
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W005"], "version": 1, "serviceEnd": "2026-01-31"}})
    preview = gql.data(PREVIEW, {"period": "2026-04"})["backPayPreview"]
    by_code = {w["code"]: w for w in preview["workers"]}
    assert preview["policyEffectiveFrom"] == "2026-01-01"
    w005 = by_code["W005"]
    assert [m["period"] for m in w005["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert [m["now"] for m in w005["months"]][1:] == ["0.00", "0.00"]
    assert w005["backPay"] == f"{sum(int(m['difference'].replace('.', '')) for m in w005['months']) / 100:.2f}"
    assert w005["backPay"].startswith("-")
    # The preview is exactly what the run pays; W005 gets a payslip carrying only it.
    gql.mutate(CREATE_RUN, {"input": {"period": "2026-04"}})
    april = {n["worker"]["code"]: n for n in gql.data("""{ payslips(period: "2026-04", first: 20) {
        nodes { worker { code } days backPay gross net siBase employerCost } } }""")["payslips"]["nodes"]}
    assert {code: april[code]["backPay"] for code in by_code} == {code: w["backPay"] for code, w in by_code.items()}
    assert april["W005"]["days"] == 0 and april["W005"]["gross"] == w005["backPay"]
    assert april["W005"]["siBase"] == "0.00"
    # Totals by street add up; an HR token of 韩城街道 (S2) sees only its own.
    totals = {s["street"]["code"]: s for s in preview["streets"]}
    s1 = [w for w in preview["workers"] if w["community"]["code"] in ("C01", "C02")]
    assert totals["S1"]["workers"] == len(s1)
    hr_other = gql.as_(tokens.hr_other).data(PREVIEW, {"period": "2026-04"})["backPayPreview"]
    assert {w["community"]["code"] for w in hr_other["workers"]} <= {"C03"}
    assert [s["street"]["code"] for s in hr_other["streets"]] in (["S2"], [])


def test_a_policy_of_fixed_amounts_runs_a_year_exactly_as_quote(gql):
    # Every key of revision 2 (fixed amounts, post pay, probation, fixed reserve, flat allowances, held
    # bases, contribution parts, yuan rounding, per-worker tax rules), imported through GraphQL.
    load_example_city(gql, policy=EXAMPLES / "policy-fixed-amounts.yaml", workers_file="workers-fixed-amounts.csv")
    expected = rows(EXAMPLES / "payslips-fixed-amounts-2026.csv")
    for month in range(1, 13):
        period = f"2026-{month:02d}"
        pay_month(gql, period)
        assert sorted(payslip_lines(gql, period)) == sorted(line for line in expected[1:] if line.split(",")[1] == period)
