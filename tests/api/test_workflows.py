"""Policy comparison (what changed, what it costs) and the budget and staffing
workbooks with their charts."""

from __future__ import annotations

import copy
import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook

from payroll.policy import parse_policy

from api.reads.policy_comparison import Change, version_changes

from ..conftest import EXAMPLE_POLICY, EXAMPLES, example_document
from .conftest import City, GraphQLClient, Tokens
from .test_exports import get, yuan

COMPARISON = """
query($from: Date!, $to: Date!, $scope: ScopeInput, $year: Int) {
  policyComparison(from: $from, to: $to, scope: $scope, year: $year) {
    policy { code }
    fromVersion { effectiveFrom } toVersion { effectiveFrom }
    changes { path fromValue toValue }
    cost { year workers fromCost toCost difference relativeChange
           streets { street { code } workers fromCost toCost difference } }
  }
}"""
BUDGET = """
query($year: Int!, $growth: Decimal) { budget(year: $year, baseIncomeGrowth: $growth) {
  rows { community { code } workersCost vacancyCost funds total vacancies { chief deputy staff } }
  totals { workersCost vacancyCost funds total } } }"""




def publish_2027_version(gql: GraphQLClient, **replacements: str) -> None:
    """Publish a version from 2027-01-01: the 2026 one with some lines replaced."""
    text = EXAMPLE_POLICY.read_text(encoding="utf-8")
    version = text[text.index("  - effective_from: 2026-01-01"):].replace("effective_from: 2026-01-01",
                                                                           "effective_from: 2027-01-01")
    for old, new in replacements.items():
        assert old in version
        version = version.replace(old, new)
    payload = gql.data("""mutation($d: String!) { importPolicy(input: {document: $d}) { errors { message } } }""",
                       {"d": text.rstrip() + "\n\n" + version})
    assert payload["importPolicy"]["errors"] == []


def test_the_figures_that_changed_between_two_published_versions(gql, city: City):
    data = gql.data(COMPARISON, {"from": "2025-06-01", "to": "2026-06-01", "year": 2026})["policyComparison"]
    assert data["policy"] == {"code": "example-county-16"}
    assert data["fromVersion"] == {"effectiveFrom": "2025-01-01"} and data["toVersion"] == {"effectiveFrom": "2026-01-01"}
    assert data["changes"] == [
        {"path": "base_income_annual", "fromValue": "38900.00", "toValue": "40234.00"},
        {"path": "social_insurance.base_floor", "fromValue": "3800.00", "toValue": "4000.00"},
        {"path": "social_insurance.base_ceiling", "fromValue": "19000.00", "toValue": "20000.00"},
        {"path": "housing_fund.base_ceiling", "fromValue": "25000.00", "toValue": "26000.00"},
    ]


def test_what_a_new_version_costs_for_a_year(gql, city: City):
    before = gql.data(BUDGET, {"year": 2027})["budget"]["totals"]["workersCost"]
    publish_2027_version(gql, **{'accident_insurance_annual: "120.00"': 'accident_insurance_annual: "240.00"'})
    data = gql.data(COMPARISON, {"from": "2026-06-01", "to": "2027-01-01"})["policyComparison"]
    assert data["changes"] == [{"path": "accident_insurance_annual", "fromValue": "120.00", "toValue": "240.00"}]
    cost = data["cost"]
    # In 2027: W001, W002, W003, W005, W006 (W004 left in 2026), each paid 12 months.
    # Accident insurance is R(120.00 / 12) = 10.00 a month before, R(240.00 / 12) = 20.00 after:
    # 5 workers × 12 months × 10.00 = 600.00 more, and nothing else changes.
    assert cost["year"] == 2027 and cost["workers"] == 5
    assert cost["difference"] == "600.00"
    # The old version all year is what the budget gave before the new one was published;
    # the budget now uses the new one.
    assert cost["fromCost"] == before
    assert cost["toCost"] == gql.data(BUDGET, {"year": 2027})["budget"]["totals"]["workersCost"]
    assert yuan(cost["toCost"]) - yuan(cost["fromCost"]) == Decimal("600.00")
    expected_share = (Decimal("600.00") / yuan(before)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert Decimal(cost["relativeChange"]) == expected_share
    assert cost["streets"] == [{"street": {"code": "S1"}, "workers": 5, "fromCost": cost["fromCost"],
                                "toCost": cost["toCost"], "difference": "600.00"}]


def test_comparison_scope_and_bad_dates(gql, city: City, tokens: Tokens):
    other = gql.as_(tokens.hr_other)
    body = other.post(COMPARISON, {"from": "2025-06-01", "to": "2026-06-01", "scope": {"streetId": city.streets["S1"]}})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # An HR token's own scope (韩城街道 has no workers): no cost.
    cost = other.data(COMPARISON, {"from": "2025-06-01", "to": "2026-06-01"})["policyComparison"]["cost"]
    assert (cost["workers"], cost["fromCost"], cost["toCost"], cost["relativeChange"], cost["streets"]) == (
        0, "0.00", "0.00", None, [])
    early = gql.post(COMPARISON, {"from": "2020-01-01", "to": "2026-06-01"})
    assert early["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "no version is in force on 2020-01-01" in early["errors"][0]["message"]


def test_version_changes_compare_numbers_by_value():
    doc = example_document()
    new = copy.deepcopy(doc["versions"][1])
    new["effective_from"] = "2027-01-01"
    new["source"] = "another source"  # describes the version; not a figure
    new["performance"]["withheld_share"] = "0.2"  # the same as "0.20"
    new["grades"]["coefficients"][15] = "2.15"
    new["allowances"]["education"]["SECONDARY"] = "50.00"
    del new["income_tax"]["brackets"][-1]
    new["income_tax"]["brackets"][-1] = {"rate": "0.35", "quick_deduction": "85920"}
    new["conversion"]["protect_previous_pay"] = False
    doc["versions"].append(new)
    policy = parse_policy(doc)
    changes = version_changes(policy, policy.versions[1], policy.versions[2])
    assert changes == [
        Change("grades.coefficients[15]", "2.10", "2.15"),
        Change("allowances.education.SECONDARY", None, "50.00"),
        Change("conversion.protect_previous_pay", "true", "false"),
        Change("income_tax.brackets[5].upto", "960000", None),
        Change("income_tax.brackets[6].rate", "0.45", None),
        Change("income_tax.brackets[6].quick_deduction", "181920", None),
    ]


# --- budget and staffing workbooks -------------------------------------------------------------


def test_budget_workbook_matches_the_budget_and_charts_cost_by_street(client, gql, city: City, tokens: Tokens):
    budget = gql.data(BUDGET, {"year": 2027, "growth": "0.05"})["budget"]
    response = get(client, "/exports/budget.xlsx?year=2027&baseIncomeGrowth=0.05", tokens.finance)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="budget-2027.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["预算明细", "按街道"]
    rows = [list(r) for r in book["预算明细"].iter_rows(values_only=True)]
    assert rows[0][0] == "2027 年度预算（基数增长 5%） · 全市"
    assert rows[1] == ["街道", "社区", "在岗人员成本", "空缺正职", "空缺副职", "空缺其他", "空缺岗位成本", "社区经费", "合计"]
    by_code = {r["community"]["code"]: r for r in budget["rows"]}

    def expected(label, community, codes):
        rs = [by_code[c] for c in codes]
        return [label, community,
                sum(yuan(r["workersCost"]) for r in rs), sum(r["vacancies"]["chief"] for r in rs),
                sum(r["vacancies"]["deputy"] for r in rs), sum(r["vacancies"]["staff"] for r in rs),
                sum(yuan(r["vacancyCost"]) for r in rs), sum(yuan(r["funds"]) for r in rs),
                sum(yuan(r["total"]) for r in rs)]

    def read(row):
        return [row[0], row[1], yuan(row[2]), row[3], row[4], row[5], yuan(row[6]), yuan(row[7]), yuan(row[8])]

    assert [read(r) for r in rows[2:]] == [
        expected("颍川街道", "红星社区", ["C01"]), expected("颍川街道", "商贸社区", ["C02"]),
        expected("颍川街道 合计", None, ["C01", "C02"]),
        expected("韩城街道", "寨子社区", ["C03"]), expected("韩城街道 合计", None, ["C03"]),
        expected("总计", None, ["C01", "C02", "C03"]),
    ]
    assert yuan(rows[-1][8]) == yuan(budget["totals"]["total"])
    streets = book["按街道"]
    assert [list(r) for r in streets.iter_rows(min_row=2, max_row=2, values_only=True)] == [
        ["街道", "在岗人员成本", "空缺岗位成本", "社区经费", "合计"]]
    street_rows = [list(r) for r in streets.iter_rows(min_row=3, values_only=True)]
    assert [r[0] for r in street_rows] == ["颍川街道", "韩城街道", "总计"]
    assert yuan(street_rows[0][4]) == yuan(by_code["C01"]["total"]) + yuan(by_code["C02"]["total"])
    assert len(streets._charts) == 1
    chart = streets._charts[0]
    assert chart.tagname == "barChart" and chart.grouping == "stacked" and len(chart.series) == 3


def test_staffing_workbook_gives_the_spec_figures_and_charts_the_gaps(client, gql, city: City, tokens: Tokens):
    response = get(client, "/exports/staffing.xlsx?date=2026-11-01", tokens.viewer)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["职数", "缺口图"]
    rows = [list(r) for r in book["职数"].iter_rows(values_only=True)]
    assert rows[1] == ["街道", "社区", "户数", "人口", "应配职数", "应配正职", "应配副职", "应配其他", "实有正职", "实有副职",
                       "实有其他", "实有合计", "缺口", "网格数", "人均服务居民"]
    with (EXAMPLES / "staffing-2026-11-01.csv").open(encoding="utf-8") as handle:
        spec = {r["community_id"]: r for r in csv.DictReader(handle)}
    names = {"红星社区": "C01", "商贸社区": "C02", "寨子社区": "C03"}
    community_rows = [r for r in rows[2:] if r[1] in names]
    assert [r[1] for r in community_rows] == ["红星社区", "商贸社区", "寨子社区"]
    for r in community_rows:
        s = spec[names[r[1]]]
        assert r[4:13] == [int(s[k]) for k in ("required", "chief_required", "deputy_required", "staff_required",
                                                 "chief_actual", "deputy_actual", "staff_actual")] + [
            int(s["chief_actual"]) + int(s["deputy_actual"]) + int(s["staff_actual"]), int(s["gap"])]
        assert r[13] == int(s["grids"])
        assert (r[14] or "") == s["residents_per_worker"]
    total = rows[-1]
    assert total[0] == "总计" and total[4] == 15 + 17 + 7 and total[12] == 12 + 15 + 7
    gaps = book["缺口图"]
    assert [list(r) for r in gaps.iter_rows(min_row=3, values_only=True)] == [
        ["商贸社区", "颍川街道", 15], ["红星社区", "颍川街道", 12], ["寨子社区", "韩城街道", 7]]
    assert len(gaps._charts) == 1 and gaps._charts[0].tagname == "barChart"


def test_report_workbooks_check_parameters_and_scope(client, gql, city: City, tokens: Tokens):
    assert get(client, "/exports/budget.xlsx", tokens.admin).status_code == 400
    bad = get(client, "/exports/budget.xlsx?year=2027&baseIncomeGrowth=lots", tokens.admin)
    assert bad.status_code == 400 and bad.json()["errors"][0]["message"] == (
        "baseIncomeGrowth：“lots”不是最多 6 位小数的数 / baseIncomeGrowth: 'lots' is not a decimal number with at most 6 "
        "decimal places")
    assert get(client, "/exports/staffing.xlsx?date=2026-13-01", tokens.admin).status_code == 400
    street = city.streets["S1"]
    assert get(client, f"/exports/staffing.xlsx?date=2026-11-01&streetId={street}", tokens.hr_other).status_code == 404
    assert get(client, f"/exports/budget.xlsx?year=2027&streetId={street}", tokens.hr_other).status_code == 404
    own = get(client, "/exports/staffing.xlsx?date=2026-11-01", tokens.hr_other)
    names = [r[1] for r in load_workbook(io.BytesIO(own.content))["职数"].iter_rows(min_row=3, values_only=True)]
    assert names == ["寨子社区", None, None]  # its community, the street's subtotal and the total
    assert get(client, "/exports/staffing.xlsx?date=2026-11-01&streetId=Community:1", tokens.admin).status_code == 400
