"""Payroll runs through GraphQL: the year reproduces the quote CLI to the fen;
approval, payment and their guarantees."""

from __future__ import annotations

import peewee as pw
import pytest

from api.db.database import connection, database, is_postgres
from api.db.models import PayrollRun, Payslip

from ..conftest import example_payslip_lines
from .conftest import City, GraphQLClient

CREATE_RUN = """
mutation($input: CreatePayrollRunInput!) {
  createPayrollRun(input: $input) {
    payrollRun { id period status payslipCount gross net employerCost scope { type } }
    errors { field code message }
  }
}"""
APPROVE = """mutation($id: ID!) { approvePayrollRun(input: {id: $id}) {
  payrollRun { id status approvedBy } errors { field code message } } }"""
MARK_PAID = """mutation($id: ID!) { markPayrollRunPaid(input: {id: $id}) {
  payrollRun { id status paidBy } errors { field code message } } }"""
DELETE = """mutation($id: ID!) { deletePayrollRun(input: {id: $id}) {
  payrollRun { id } errors { field code message } } }"""
COLUMNS = ("post grade countedYears days basicPay performancePay educationAllowance certificateAllowance tenureAllowance "
           "fixedAllowances differenceAllowance backPay gross siBase employeePension employeeMedical employeeUnemployment housingFundEmployee "
           "incomeTax bonusTax net employerPension employerMedical employerUnemployment employerWorkInjury "
           "housingFundEmployer accidentInsurance employerCost")
PAYSLIPS = """
query($period: Period!, $after: String) {
  payslips(period: $period, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { worker { code } period %s }
  }
}""" % COLUMNS


def run_year(gql: GraphQLClient, months=range(1, 13), approve: bool = True) -> list[dict]:
    runs = []
    for month in months:
        payload = gql.mutate(CREATE_RUN, {"input": {"period": f"2026-{month:02d}"}})
        run = payload["payrollRun"]
        assert run["status"] == "DRAFT" and run["scope"]["type"] == "CITY"
        if approve:
            gql.mutate(APPROVE, {"id": run["id"]})
        runs.append(run)
    return runs


def payslip_lines(gql: GraphQLClient, period: str) -> list[str]:
    lines, after = [], None
    while True:
        page = gql.data(PAYSLIPS, {"period": period, "after": after})["payslips"]
        for p in page["nodes"]:
            values = [p["worker"]["code"], p["period"]] + [str(p[name]) for name in COLUMNS.split()]
            lines.append(",".join(values))
        if not page["pageInfo"]["hasNextPage"]:
            return lines
        after = page["pageInfo"]["endCursor"]


def test_a_year_of_runs_gives_exactly_the_quote_payslips(gql, city: City):
    runs = run_year(gql)
    lines = [line for month in range(1, 13) for line in payslip_lines(gql, f"2026-{month:02d}")]
    expected = example_payslip_lines()[1:]
    # The CSV is ordered by worker then period; compare as sets of rows and counts.
    assert sorted(lines) == sorted(expected)
    assert len(lines) == 63
    # Run totals are the sums of their payslips.
    december = runs[-1]
    net = example_payslip_lines()[0].split(",").index("net")
    december_rows = [line.split(",") for line in expected if line.split(",")[1] == "2026-12"]
    assert december["payslipCount"] == len(december_rows) == 5
    assert december["net"] == f"{sum(int(r[net].replace('.', '')) for r in december_rows) / 100:.2f}"


def test_payslip_explanation_matches_its_amounts(gql, city: City):
    run_year(gql, months=[1])
    data = gql.data("""{ payslips(period: "2026-01", first: 10, where: {post: "CHIEF"}) {
        nodes { worker { code } basicPay net explanation { item rule calculation value figures { path value } } } } }""")
    w001 = next(p for p in data["payslips"]["nodes"] if p["worker"]["code"] == "W001")
    lines = {line["item"]: line for line in w001["explanation"]}
    assert lines["grade_pay"]["calculation"] == "40234.00 × 1.65 / 12 = 5532.175 → 5532.18"
    assert lines["grade_pay"]["rule"] == "§4.1"
    assert {"path": "versions[1].base_income_annual", "value": "40234.00"} in lines["grade_pay"]["figures"]
    assert lines["basic_pay"]["value"] == w001["basicPay"] == "4425.74"
    assert lines["net"]["value"] == w001["net"]


def test_runs_must_be_created_month_by_month(gql, city: City):
    payload = gql.data(CREATE_RUN, {"input": {"period": "2026-03"}})["createPayrollRun"]
    assert payload["payrollRun"] is None
    assert payload["errors"][0]["code"] == "INVALID_STATE"
    assert "workers in service in 2026-02 have no payslip for it (W001, W002, W004, W005)" in payload["errors"][0]["message"]


def test_a_run_is_unique_per_month_and_scope(gql, city: City):
    run_year(gql, months=[1], approve=False)
    payload = gql.data(CREATE_RUN, {"input": {"period": "2026-01"}})["createPayrollRun"]
    assert payload["errors"] == [{"field": "period", "code": "DUPLICATE",
                                  "message": "period：全市 2026-01 的发放批次已存在（批次 1，DRAFT）/ period: a payroll "
                                             "run for 2026-01 over the city already exists (run 1, DRAFT)"}]
    # A street run would pay the same workers twice in the month.
    street = gql.data(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S1"]}})["createPayrollRun"]
    assert street["errors"][0]["code"] == "DUPLICATE"
    assert "already have a payslip for 2026-01" in street["errors"][0]["message"]


def test_an_earlier_draft_must_be_approved_first(gql, city: City):
    run_year(gql, months=[1], approve=False)
    payload = gql.data(CREATE_RUN, {"input": {"period": "2026-02"}})["createPayrollRun"]
    assert payload["errors"][0]["code"] == "INVALID_STATE"
    assert "the draft run 1 for 2026-01 covers some of the same workers" in payload["errors"][0]["message"]


def test_approving_twice_and_paying_a_draft_are_refused(gql, city: City):
    run = run_year(gql, months=[1], approve=False)[0]
    payload = gql.data(MARK_PAID, {"id": run["id"]})["markPayrollRunPaid"]
    assert payload["errors"] == [{"field": "id", "code": "INVALID_STATE", "message":
                                  "id：2026-01 的发放批次 1 状态为 DRAFT，只有 APPROVED 状态的批次可以标记为已发放 / id: "
                                  "payroll run 1 for 2026-01 is DRAFT; only a APPROVED run can be marked paid"}]
    assert gql.mutate(APPROVE, {"id": run["id"]})["payrollRun"]["status"] == "APPROVED"
    again = gql.data(APPROVE, {"id": run["id"]})["approvePayrollRun"]
    assert again["errors"] == [{"field": "id", "code": "INVALID_STATE", "message":
                                "id：2026-01 的发放批次 1 状态为 APPROVED，只有 DRAFT 状态的批次可以审核 / id: payroll run "
                                "1 for 2026-01 is APPROVED; only a DRAFT run can be approved"}]
    paid = gql.mutate(MARK_PAID, {"id": run["id"]})["payrollRun"]
    assert paid["status"] == "PAID" and paid["paidBy"] == "admin"


def test_a_paid_run_cannot_be_edited_or_deleted(gql, city: City):
    run = run_year(gql, months=[1])[0]
    gql.mutate(MARK_PAID, {"id": run["id"]})
    payload = gql.data(DELETE, {"id": run["id"]})["deletePayrollRun"]
    assert payload["errors"] == [{"field": "id", "code": "INVALID_STATE", "message":
                                  "id：2026-01 的发放批次 1 状态为 PAID，已审核和已发放的批次不能更改 / id: payroll run 1 "
                                  "for 2026-01 is PAID; approved and paid runs never change"}]
    # Not only the API: the database itself refuses.
    with connection():
        with pytest.raises(pw.DatabaseError, match="LOCKED"):
            Payslip.update(net=0).where(Payslip.run == 1).execute()
        with pytest.raises(pw.DatabaseError, match="LOCKED"):
            PayrollRun.update(net=0).where(PayrollRun.id == 1).execute()
        with pytest.raises(pw.DatabaseError, match="LOCKED"):
            Payslip.delete().where(Payslip.run == 1).execute()
        # Nor can a payslip be added to it (on SQLite the run's own insert lifts this
        # trigger inside its transaction; it must be back).
        columns = [f.column_name for f in Payslip._meta.sorted_fields if f.name != "id"]
        copied = ", ".join("'2027-01'" if c == "period" else f'"{c}"' for c in columns)
        with pytest.raises(pw.DatabaseError, match="LOCKED"):
            with database.atomic():
                database.execute_sql(f'INSERT INTO "payslip" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                                     f'SELECT {copied} FROM "payslip" WHERE "run_id" = 1 LIMIT 1')
        assert Payslip.select().where(Payslip.run == 1).count() == 4


def test_a_failed_insert_leaves_the_lock_trigger_in_place(gql, city: City, monkeypatch):
    from api.services import payroll as payroll_service

    original = payroll_service.payslip_columns

    def broken(*args, **kwargs):
        columns = original(*args, **kwargs)
        columns["worker_id"] = columns["worker_id"] * 0 + 999_999  # no such worker: a foreign key error
        return columns

    monkeypatch.setattr(payroll_service, "payslip_columns", broken)
    body = gql.post(CREATE_RUN, {"input": {"period": "2026-01"}})
    assert body["data"]["createPayrollRun"]["payrollRun"] is None or "errors" in body
    monkeypatch.setattr(payroll_service, "payslip_columns", original)
    with connection() as db:
        assert PayrollRun.select().count() == 0 and Payslip.select().count() == 0
        if not is_postgres(db):
            triggers = [r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
            assert "payslip_locked_insert" in triggers
    run = run_year(gql, months=[1])[0]  # and a run still works afterwards
    assert run["payslipCount"] == 4


def test_a_draft_can_be_deleted_and_recomputed(gql, city: City):
    run = run_year(gql, months=[1], approve=False)[0]
    gql.mutate(DELETE, {"id": run["id"]})
    assert gql.data("{ payrollRuns { totalCount } }")["payrollRuns"]["totalCount"] == 0
    again = run_year(gql, months=[1], approve=False)[0]
    assert again["net"] == run["net"]


def test_street_and_community_runs(gql, city: City):
    street = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S1"]}})["payrollRun"]
    assert street["scope"]["type"] == "STREET" and street["payslipCount"] == 4  # January: W001, W002, W004, W005
    empty = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01", "communityId": city.communities["C03"]}})["payrollRun"]
    assert empty["payslipCount"] == 0
    both = gql.data(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S1"],
                                           "communityId": city.communities["C01"]}})["createPayrollRun"]
    assert both["errors"] == [{"field": "scope", "code": "INVALID", "message": "只能给出辖区、街道或社区之一 / give a jurisdiction, a street or a community, not several"}]


def test_run_queries(gql, city: City):
    run_year(gql, months=[1, 2])
    data = gql.data("""{ payrollRuns(orderBy: [{field: PERIOD, direction: ASC}]) {
        totalCount nodes { period status payslipCount policyEffectiveFrom exports { csv xlsx }
          payslips(first: 2) { totalCount nodes { worker { code } } } } } }""")
    runs = data["payrollRuns"]
    assert runs["totalCount"] == 2
    assert [r["period"] for r in runs["nodes"]] == ["2026-01", "2026-02"]
    assert runs["nodes"][0]["policyEffectiveFrom"] == "2026-01-01"
    assert runs["nodes"][0]["exports"]["csv"] == "/exports/payroll-runs/1.csv"
    assert runs["nodes"][0]["payslips"]["totalCount"] == 4
    one = gql.data('{ payrollRun(id: "PayrollRun:2") { period payslipCount } }')["payrollRun"]
    assert one == {"period": "2026-02", "payslipCount": 4}
    assert gql.data('{ payrollRun(id: "PayrollRun:99") { period } }')["payrollRun"] is None


def test_a_large_run_refreshes_the_postgresql_statistics(gql, city: City, database_url, monkeypatch):
    # Stale statistics after a bulk COPY made the planner scan the whole table for
    # the exports' keyset blocks; a run of ANALYZE_AFTER_PAYSLIPS or more analyzes it.
    from api.services import payroll as payroll_service

    def analyze_count() -> int:
        with connection() as db:
            return db.execute_sql("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'payslip'").fetchone()[0]

    if not database_url.startswith("postgresql"):
        analyzed = []
        monkeypatch.setattr(payroll_service, "_analyze_payslips", lambda: analyzed.append(True))
        monkeypatch.setattr(payroll_service, "ANALYZE_AFTER_PAYSLIPS", 1)
        gql.mutate(CREATE_RUN, {"input": {"period": "2026-01"}})
        assert analyzed == []  # SQLite: no statistics to refresh
        return
    monkeypatch.setattr(payroll_service, "ANALYZE_AFTER_PAYSLIPS", 4)
    before = analyze_count()
    small = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S2"]}})["payrollRun"]
    assert small["payslipCount"] < 4
    assert _wait_for(analyze_count, before + 1, seconds=1.0) == before
    large = gql.mutate(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S1"]}})["payrollRun"]
    assert large["payslipCount"] == 4
    assert _wait_for(analyze_count, before + 1) == before + 1


def _wait_for(read, expected, seconds: float = 5.0):
    """The statistics collector reports with a small delay."""
    import time

    deadline = time.monotonic() + seconds
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def test_runs_outside_an_hr_tokens_scope_are_never_named(gql, city: City, tokens):
    """Issue 11: a city-wide draft is outside every HR token's scope; the
    refusal it causes says so without its id."""
    run_year(gql, months=[1], approve=False)  # run 1: the city, January, a draft
    hr = gql.as_(tokens.hr)
    payload = hr.data(CREATE_RUN, {"input": {"period": "2026-02", "streetId": city.streets["S1"]}})["createPayrollRun"]
    assert payload["errors"] == [{"field": "period", "code": "INVALID_STATE", "message":
                                  "period：2026-01 的一个草稿批次含有相同的工作者，请先审核或删除它，再计算之后的月份 / "
                                  "period: a draft run for 2026-01 covers some of the same workers; approve or delete "
                                  "it before running a later month"}]
    same_month = hr.data(CREATE_RUN, {"input": {"period": "2026-01", "streetId": city.streets["S1"]}})["createPayrollRun"]
    assert same_month["errors"] == [{"field": "period", "code": "DUPLICATE", "message":
                                     "period：颍川街道（S1）的部分工作者已有 2026-01 的工资条：W001、W002、W004、W005 / "
                                     "period: some workers of 颍川街道 (S1) already have a payslip for 2026-01: W001, "
                                     "W002, W004, W005"}]
