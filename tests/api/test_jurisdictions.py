"""A province on one service (issue 14): jurisdictions, each with its own policy.

许昌市 (jurisdiction 1, recoded from the placeholder every installation starts
with) keeps the spec's example city and policy; 三门峡市 gets a street, the
example communities and the revision-2 workers of fixed amounts, under the
fixed-amounts policy.  Each month both are run on the same service, and
each payslip is exactly what ``community-payroll quote`` gives with its own
policy (the spec's expected files); a jurisdiction's tokens see nothing of
the other; a late publication in one corrects only its own months.
"""

from __future__ import annotations

import csv

from api.access.principal import Role
from api.db.database import connection
from api.services.tokens import create_token

from ..conftest import EXAMPLE_POLICY, EXAMPLES
from .conftest import (
    CREATE_COMMUNITY,
    CREATE_WORKER,
    RECORD_ASSESSMENTS,
    City,
    GraphQLClient,
    load_example_city,
    worker_input,
)
from .test_back_pay import CORRECTIONS, PUBLISH, UPDATE_WORKER, rows
from .test_payroll_runs import APPROVE, COLUMNS

SECOND = {"code": "411200", "name": "三门峡市", "level": "CITY"}
CREATE_JURISDICTION = """
mutation($input: CreateJurisdictionInput!) {
  createJurisdiction(input: $input) { jurisdiction { id code name level parent { code } } errors { field code message } }
}"""
UPDATE_JURISDICTION = """
mutation($input: UpdateJurisdictionInput!) {
  updateJurisdiction(input: $input) { jurisdiction { id code name version } errors { field code message } }
}"""
CREATE_STREET = """
mutation($input: CreateStreetInput!) {
  createStreet(input: $input) { street { id code jurisdiction { code } } errors { field code message } }
}"""
IMPORT_POLICY = """
mutation($document: String!, $jurisdiction: ID) {
  importPolicy(input: {document: $document, activate: true, jurisdictionId: $jurisdiction}) {
    policy { id code active jurisdiction { code } } correctsPaidMonths errors { field code message } }
}"""
RUN = """
mutation($input: CreatePayrollRunInput!) {
  createPayrollRun(input: $input) {
    payrollRun { id period status payslipCount scope { type jurisdiction { code } } }
    errors { field code message }
  }
}"""
PAYSLIPS = """
query($period: Period!) {
  payslips(period: $period, first: 100) { nodes { worker { code } period %s } }
}""" % COLUMNS


def lines(gql: GraphQLClient, period: str, prefix: str) -> list[str]:
    """The month's payslips of the workers whose codes start with ``prefix``, as lines of the payslips CSV."""
    out = []
    for p in gql.data(PAYSLIPS, {"period": period})["payslips"]["nodes"]:
        if p["worker"]["code"].startswith(prefix):
            out.append(",".join([p["worker"]["code"], p["period"]] + [str(p[name]) for name in COLUMNS.split()]))
    return sorted(out)


def expected(path, period: str) -> list[str]:
    return sorted(line for line in rows(path)[1:] if line.split(",")[1] == period)


def add_second_city(gql: GraphQLClient, policy=EXAMPLES / "policy-fixed-amounts.yaml") -> dict:
    """Jurisdiction 1 recoded 许昌市; 三门峡市 with street S3, the example communities (B01 …) and the
    fixed-amounts workers (F01 …) under the fixed-amounts policy."""
    renamed = gql.mutate(UPDATE_JURISDICTION, {"input": {"id": "Jurisdiction:1", "version": 1, "code": "411000",
                                                         "name": "许昌市"}})["jurisdiction"]
    assert renamed == {"id": "Jurisdiction:1", "code": "411000", "name": "许昌市", "version": 2}
    second = gql.mutate(CREATE_JURISDICTION, {"input": SECOND})["jurisdiction"]
    street = gql.mutate(CREATE_STREET, {"input": {"code": "S3", "name": "湖滨街道", "jurisdictionId": second["id"]}})
    assert street["street"]["jurisdiction"] == {"code": "411200"}
    imported = gql.mutate(IMPORT_POLICY, {"document": policy.read_text(encoding="utf-8"),
                                          "jurisdiction": second["id"]})["policy"]
    assert imported["active"] and imported["jurisdiction"] == {"code": "411200"}
    communities = {}
    for row in csv.DictReader(rows(EXAMPLES / "communities.csv")):
        code = "B" + row["community_id"][1:]
        communities[row["community_id"]] = gql.mutate(CREATE_COMMUNITY, {"input": {
            "code": code, "name": "三门峡" + row["name"], "streetId": street["street"]["id"],
            "households": int(row["households"]), "population": int(row["population"])}})["community"]["id"]
    assessments, workers = [], {}
    for row in csv.DictReader(rows(EXAMPLES / "workers-fixed-amounts.csv")):
        worker = gql.mutate(CREATE_WORKER, {"input": worker_input(row, communities[row["community_id"]])})["worker"]
        workers[row["worker_id"]] = worker["id"]
        if row["assessment"]:
            assessments.append({"workerId": worker["id"], "result": row["assessment"]})
    gql.mutate(RECORD_ASSESSMENTS, {"input": {"year": 2026, "entries": assessments}})
    return {"id": second["id"], "street": street["street"]["id"], "communities": communities, "workers": workers}


def city_with_a_district(gql: GraphQLClient) -> tuple[dict, dict]:
    """The example city and 三门峡市, whose only street now belongs to its district 湖滨区 (no policy of its own)."""
    load_example_city(gql)
    second = add_second_city(gql)
    district = gql.mutate(CREATE_JURISDICTION, {"input": {"code": "411202", "name": "湖滨区", "level": "DISTRICT",
                                                          "parentId": second["id"]}})["jurisdiction"]
    gql.mutate("""mutation($input: UpdateStreetInput!) { updateStreet(input: $input) { errors { message } } }""",
               {"input": {"id": second["street"], "version": 1, "jurisdictionId": district["id"]}})
    return second, district


def run_month(gql: GraphQLClient, period: str, jurisdiction: str, paid: bool = False) -> dict:
    run = gql.mutate(RUN, {"input": {"period": period, "jurisdictionId": jurisdiction}})["payrollRun"]
    gql.mutate(APPROVE, {"id": run["id"]})
    if paid:
        gql.mutate('mutation($id: ID!) { markPayrollRunPaid(input: {id: $id}) { errors { message } } }', {"id": run["id"]})
    return run


def test_two_jurisdictions_run_the_same_months_each_under_its_own_policy(gql):
    load_example_city(gql)
    second = add_second_city(gql)
    # With two policies in force, a run must say whose.
    refused = gql.data(RUN, {"input": {"period": "2026-01"}})["createPayrollRun"]
    assert refused["errors"] == [{"field": "jurisdictionId", "code": "REQUIRED", "message":
                                  "jurisdictionId：2 个辖区各有政策，请指定辖区 / jurisdictionId: 2 jurisdictions have "
                                  "policies of their own; name one"}]
    for month in range(1, 13):
        period = f"2026-{month:02d}"
        first = run_month(gql, period, "Jurisdiction:1")
        other = run_month(gql, period, second["id"])
        assert first["scope"] == {"type": "CITY", "jurisdiction": {"code": "411000"}}
        assert other["scope"] == {"type": "CITY", "jurisdiction": {"code": "411200"}}
        assert lines(gql, period, "W") == expected(EXAMPLES / "payslips-2026.csv", period)
        assert lines(gql, period, "F") == expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", period)
        assert first["payslipCount"] == len(expected(EXAMPLES / "payslips-2026.csv", period))
    # The province's roll-up: each jurisdiction's months from its runs.
    cost = gql.data("""{ payrollCostByJurisdiction(year: 2026) { jurisdiction { code } period runs draftRuns
        payslipCount employerCost } }""")["payrollCostByJurisdiction"]
    assert [(c["jurisdiction"]["code"], c["period"]) for c in cost] == [
        (code, f"2026-{m:02d}") for code in ("411000", "411200") for m in range(1, 13)]
    employer_cost = COLUMNS.split().index("employerCost") + 2
    for code, path in (("411000", "payslips-2026.csv"), ("411200", "payslips-fixed-amounts-2026.csv")):
        december = next(c for c in cost if c["jurisdiction"]["code"] == code and c["period"] == "2026-12")
        expected_cost = sum(int(line.split(",")[employer_cost].replace(".", "")) for line in expected(EXAMPLES / path,
                                                                                                   "2026-12"))
        assert december["employerCost"] == f"{expected_cost / 100:.2f}"
        assert (december["runs"], december["draftRuns"]) == (1, 0)


def test_a_jurisdictions_tokens_see_nothing_of_another(gql, client):
    city: City = load_example_city(gql)
    second = add_second_city(gql)
    for month in ("2026-01", "2026-02"):
        run_month(gql, month, "Jurisdiction:1")
        run_month(gql, month, second["id"])
    with connection():
        hr = GraphQLClient(client, create_token("三门峡人事", Role.HR, jurisdiction_codes=["411200"]).token)
        finance = GraphQLClient(client, create_token("三门峡财务", Role.FINANCE, jurisdiction_codes=["411200"]).token)
        province = GraphQLClient(client, create_token("省厅", Role.PROVINCE).token)
    everything = """{ jurisdictions { code } streets(first: 20) { nodes { code } } communities(first: 50) { nodes { code } }
        workers(first: 50) { nodes { code } } payslips(period: "2026-02", first: 50) { nodes { worker { code } } }
        payrollRuns(first: 20) { nodes { period scope { jurisdiction { code } } } }
        payrollCostByJurisdiction(year: 2026) { jurisdiction { code } period }
        policies { jurisdiction { code } } policy(id: "Policy:1") { code } }"""
    for token in (hr, finance):
        seen = token.data(everything)
        assert seen["jurisdictions"] == [{"code": "411200"}]
        assert [s["code"] for s in seen["streets"]["nodes"]] == ["S3"]
        assert {c["code"][0] for c in seen["communities"]["nodes"]} == {"B"}
        assert {w["code"][0] for w in seen["workers"]["nodes"]} == {"F"}
        assert {p["worker"]["code"][0] for p in seen["payslips"]["nodes"]} == {"F"}
        assert {r["scope"]["jurisdiction"]["code"] for r in seen["payrollRuns"]["nodes"]} == {"411200"}
        assert {c["jurisdiction"]["code"] for c in seen["payrollCostByJurisdiction"]} == {"411200"}
        # Its own policy only: 许昌's (Policy:1) is not its to read.
        assert seen["policies"] == [{"jurisdiction": {"code": "411200"}}] and seen["policy"] is None
        # The other city's records do not exist for it.
        assert token.data('{ jurisdiction(id: "Jurisdiction:1") { code } worker(id: "%s") { code } }'
                          % city.workers["W001"]) == {"jurisdiction": None, "worker": None}
    # HR of 三门峡 runs its own city without naming it, and cannot run 许昌.
    own = hr.data(RUN, {"input": {"period": "2026-03"}})["createPayrollRun"]
    assert own["errors"] == [] and own["payrollRun"]["scope"]["jurisdiction"] == {"code": "411200"}
    other = hr.data(RUN, {"input": {"period": "2026-03", "jurisdictionId": "Jurisdiction:1"}})["createPayrollRun"]
    assert other["errors"] == [{"field": "jurisdictionId", "code": "NOT_FOUND", "message":
                                "jurisdictionId：辖区 1 不存在 / jurisdictionId: jurisdiction 1 does not exist"}]
    # The province reads both cities and changes nothing.
    seen = province.data(everything)
    assert [j["code"] for j in seen["jurisdictions"]] == ["411000", "411200"]
    assert {w["code"][0] for w in seen["workers"]["nodes"]} == {"W", "F"}
    assert [p["jurisdiction"]["code"] for p in seen["policies"]] == ["411000", "411200"]
    refused = province.post(RUN, {"input": {"period": "2026-03", "jurisdictionId": "Jurisdiction:1"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_late_publication_corrects_only_its_own_jurisdiction(gql):
    city = load_example_city(gql, policy=CORRECTIONS / "policy-as-of-march.yaml")
    second = add_second_city(gql)
    for month in ("2026-01", "2026-02", "2026-03"):
        run_month(gql, month, "Jurisdiction:1", paid=True)
        run_month(gql, month, second["id"], paid=True)
    published = gql.data(PUBLISH.replace("activate: true", "activate: true, jurisdictionId: \"Jurisdiction:1\""),
                         {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})["importPolicy"]
    assert published["errors"] == [] and published["correctsPaidMonths"] == 3
    corrected = {r["worker_id"]: r for r in csv.DictReader(rows(CORRECTIONS / "workers-corrected.csv"))}
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W002"], "version": 1, "education": "BACHELOR"}})
    gql.mutate(UPDATE_WORKER, {"input": {"id": city.workers["W004"], "version": 1, "incompetentYearsBefore": 0}})
    gql.mutate(CREATE_WORKER, {"input": worker_input(corrected["W007"], city.communities["C02"])})
    for month in range(4, 13):
        period = f"2026-{month:02d}"
        run_month(gql, period, "Jurisdiction:1", paid=True)
        run_month(gql, period, second["id"], paid=True)
        assert lines(gql, period, "W") == expected(CORRECTIONS / "payslips-2026-04-to-12.csv", period)
        # 三门峡 published nothing: no back pay, the months exactly as quote gives them.
        assert lines(gql, period, "F") == expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", period)


def test_a_district_without_a_policy_of_its_own_is_paid_under_its_citys(gql, client):
    load_example_city(gql)
    second = add_second_city(gql)
    district = gql.mutate(CREATE_JURISDICTION, {"input": {"code": "411202", "name": "湖滨区", "level": "DISTRICT",
                                                          "parentId": second["id"]}})["jurisdiction"]
    assert district["parent"] == {"code": "411200"}
    # Its own run is refused: its streets are paid in 三门峡's.
    refused = gql.data(RUN, {"input": {"period": "2026-01", "jurisdictionId": district["id"]}})["createPayrollRun"]
    assert refused["errors"][0]["message"].startswith("jurisdictionId：湖滨区没有自己的政策，按三门峡市（411200）的政策发放")
    moved = gql.mutate("""mutation($input: UpdateStreetInput!) { updateStreet(input: $input) {
        street { jurisdiction { code } } errors { message } } }""",
                       {"input": {"id": second["street"], "version": 1, "jurisdictionId": district["id"]}})
    assert moved["street"]["jurisdiction"] == {"code": "411202"}
    run = run_month(gql, "2026-01", second["id"])
    assert run["payslipCount"] == len(expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", "2026-01"))
    with connection():
        district_hr = GraphQLClient(client, create_token("湖滨区人事", Role.HR, jurisdiction_codes=["411202"]).token)
    seen = district_hr.data("""{ payslips(period: "2026-01", first: 50) { nodes { worker { code } payrollRun { id } } }
        payrollRuns(first: 5) { nodes { id } } policies { jurisdiction { code } }
        jurisdiction(id: "%s") { policyInForce { jurisdiction { code } } } }""" % district["id"])
    # The district's payslips, but not 三门峡's city-wide run they belong to.
    assert {p["worker"]["code"][0] for p in seen["payslips"]["nodes"]} == {"F"}
    assert {p["payrollRun"] is None for p in seen["payslips"]["nodes"]} == {True}
    assert seen["payrollRuns"]["nodes"] == []
    # It reads the policy it is paid under (三门峡's), though not 三门峡 itself, and nothing of 许昌.
    assert seen["policies"] == [{"jurisdiction": None}]
    assert seen["jurisdiction"] == {"policyInForce": {"jurisdiction": None}}


def test_a_county_with_a_new_policy_waits_for_the_citys_draft_that_holds_its_workers(gql):
    second, district = city_with_a_district(gql)
    # January paid under 三门峡's policy, still a draft; then 湖滨区 publishes its own.
    draft = gql.mutate(RUN, {"input": {"period": "2026-01", "jurisdictionId": second["id"]}})["payrollRun"]
    assert draft["status"] == "DRAFT" and draft["payslipCount"] > 0
    imported = gql.mutate(IMPORT_POLICY, {"document": (EXAMPLES / "policy-fixed-amounts.yaml").read_text(encoding="utf-8"),
                                          "jurisdiction": district["id"]})["policy"]
    assert imported["jurisdiction"] == {"code": "411202"}
    # February of 湖滨区 would start from year-to-date totals January has not settled.
    refused = gql.data(RUN, {"input": {"period": "2026-02", "jurisdictionId": district["id"]}})["createPayrollRun"]
    assert refused["errors"] == [{"field": "period", "code": "INVALID_STATE", "message": (
        f"period：2026-01 的草稿批次 {draft['id'].partition(':')[2]} 含有相同的工作者，请先审核或删除它，再计算之后的月份 / "
        f"period: the draft run {draft['id'].partition(':')[2]} for 2026-01 covers some of the same workers; approve "
        "or delete it before running a later month")}]
    gql.mutate(APPROVE, {"id": draft["id"]})
    run = gql.mutate(RUN, {"input": {"period": "2026-02", "jurisdictionId": district["id"]}})["payrollRun"]
    assert run["scope"]["jurisdiction"] == {"code": "411202"} and run["payslipCount"] == len(
        expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", "2026-02"))


def test_staffing_is_checked_per_jurisdiction_and_per_community(gql):
    load_example_city(gql)
    second = add_second_city(gql)
    gql.mutate(UPDATE_JURISDICTION, {"input": {"id": second["id"], "version": 1, "population": 2_000_000}})
    report = gql.data("""{ jurisdictionStaffing(date: "2026-11-01") { jurisdiction { code } population
        requiredByStandard requiredByCommunities required actual gap }
        staffing(date: "2026-11-01") { policyEffectiveFrom rows { community { code } required } } }""")
    rows_by_code = {r["jurisdiction"]["code"]: r for r in report["jurisdictionStaffing"]}
    communities = {r["community"]["code"]: r["required"] for r in report["staffing"]["rows"]}
    assert report["staffing"]["policyEffectiveFrom"] is None  # two policies: no single version
    first, second_city = rows_by_code["411000"], rows_by_code["411200"]
    assert first["requiredByCommunities"] == sum(v for k, v in communities.items() if k.startswith("C"))
    assert second_city["requiredByCommunities"] == sum(v for k, v in communities.items() if k.startswith("B"))
    # 许昌's population is its communities' residents; 三门峡's is recorded.
    example_population = sum(int(r["population"]) for r in csv.DictReader(rows(EXAMPLES / "communities.csv")))
    assert (first["population"], second_city["population"]) == (example_population, 2_000_000)
    for row in (first, second_city):
        assert row["gap"] == row["required"] - row["actual"]
        assert row["required"] == (row["requiredByStandard"] if row["requiredByStandard"] is not None
                                   else row["requiredByCommunities"])


def test_one_jurisdiction_needs_no_extra_step(gql):
    """Today's one-city installation: nothing names a jurisdiction, everything works as before."""
    load_example_city(gql)
    run = gql.mutate(RUN, {"input": {"period": "2026-01"}})["payrollRun"]
    assert run["scope"] == {"type": "CITY", "jurisdiction": {"code": "000000"}}
    assert gql.data('{ jurisdictions { code name level parent { code } } }')["jurisdictions"] == [
        {"code": "000000", "name": "本市", "level": "CITY", "parent": None}]
    staffing = gql.data('{ staffing(date: "2026-11-01") { policyEffectiveFrom } }')["staffing"]
    assert staffing["policyEffectiveFrom"] == "2026-01-01"


def test_a_district_publishing_its_own_policy_later_leaves_the_months_paid_under_its_citys(gql):
    """The choice docs/province.md states: months paid in the city's runs, under
    the city's policy, were paid right; the district's own policy applies from
    its own first run and corrects none of them."""
    second, district = city_with_a_district(gql)
    for month in ("2026-01", "2026-02", "2026-03"):
        run = run_month(gql, month, second["id"], paid=True)
        assert run["scope"] == {"type": "CITY", "jurisdiction": {"code": "411200"}}
    paid_before = {month: lines(gql, month, "F") for month in ("2026-01", "2026-02", "2026-03")}
    assert paid_before["2026-01"] == expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", "2026-01")

    # The district publishes the example policy (other figures than 三门峡's): nothing to correct.
    published = gql.mutate(IMPORT_POLICY, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8"),
                                           "jurisdiction": district["id"]})
    assert published["policy"]["jurisdiction"] == {"code": "411202"} and published["correctsPaidMonths"] == 0
    preview = gql.data("""query($j: ID!) { backPayPreview(period: "2026-04", scope: {jurisdictionId: $j}) {
        workers { code } } }""", {"j": district["id"]})["backPayPreview"]
    assert preview["workers"] == []
    april = run_month(gql, "2026-04", district["id"])
    assert april["scope"] == {"type": "CITY", "jurisdiction": {"code": "411202"}}
    assert april["payslipCount"] == len(expected(EXAMPLES / "payslips-fixed-amounts-2026.csv", "2026-04"))
    slips = gql.data("""{ payslips(period: "2026-04", first: 100) { nodes { worker { code } backPay } } }""")
    assert {p["backPay"] for p in slips["payslips"]["nodes"] if p["worker"]["code"].startswith("F")} == {"0.00"}
    # 三门峡's own next month is its own too, without the district's streets.
    assert run_month(gql, "2026-04", second["id"])["payslipCount"] == 0
    assert {month: lines(gql, month, "F") for month in paid_before} == paid_before
