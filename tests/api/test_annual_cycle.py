"""The annual cycle: a city imported from the example files pays exactly the
example payslips; assessments imported in bulk drive December's performance
payout; each worker's next promotion, worked out by hand."""

from __future__ import annotations

import pytest

from ..conftest import EXAMPLE_POLICY, EXAMPLES, example_payslip_lines
from .conftest import IMPORT_POLICY, GraphQLClient
from .test_payroll_runs import payslip_lines, run_year
from .uploads import IMPORT_ASSESSMENTS, IMPORT_COMMUNITIES, IMPORT_WORKERS, IMPORTS, csv_bytes, payload

EXPECTED = example_payslip_lines()[1:]


@pytest.fixture
def imported_city(gql: GraphQLClient) -> None:
    """The spec's example city, loaded from its CSV files by the imports (English headings)."""
    gql.mutate(IMPORT_POLICY, {"document": EXAMPLE_POLICY.read_text(encoding="utf-8")})
    assert payload(gql, IMPORT_COMMUNITIES, EXAMPLES / "communities.csv")["report"]["created"] == 3
    report = payload(gql, IMPORT_WORKERS, EXAMPLES / "workers.csv", assessmentYear=2026)["report"]
    assert (report["created"], report["refused"]) == (6, 0)


def year_lines(gql: GraphQLClient) -> list[str]:
    run_year(gql)
    return [line for month in range(1, 13) for line in payslip_lines(gql, f"2026-{month:02d}")]


def test_an_imported_city_pays_exactly_the_example_payslips(gql, imported_city):
    # Every column of the workers CSV — opening balances, 套改前月工资, 不称职 years,
    # this year's assessment — arrived intact: the year is the quote CLI's to the fen.
    assert sorted(year_lines(gql)) == sorted(EXPECTED)


def test_assessments_imported_in_bulk_drive_the_december_payout(gql, imported_city):
    result = payload(gql, IMPORT_ASSESSMENTS, IMPORTS / "assessments-2026.csv", year=2026)
    report = result["report"]
    assert result["errors"] == []
    assert report["rows"] == [
        {"row": 2, "key": "W001", "action": "UPDATED", "changedColumns": ["考核结果"]},  # 优秀 → 基本称职
        {"row": 3, "key": "W002", "action": "UPDATED", "changedColumns": ["考核结果"]},  # 称职 → 优秀
        {"row": 4, "key": "W003", "action": "CREATED", "changedColumns": []},  # none recorded before
        {"row": 5, "key": "W006", "action": "UPDATED", "changedColumns": ["考核结果"]},  # 称职 → 不称职
    ]
    lines = year_lines(gql)
    december = {line.split(",")[0]: line.split(",") for line in lines if line.split(",")[1] == "2026-12"}
    performance = {code: row[7] for code, row in december.items()}
    # The reserve accrued over the year times the factor of the assessment now recorded:
    # W001 13277.28 × 0.80 (基本称职) = 10621.824; W002 10018.28 × 1.20 (优秀) = 12021.936;
    # W003 称职 is also the policy's default: unchanged; W006 不称职: nothing.
    assert performance == {"W001": "10621.82", "W002": "12021.94", "W003": "6700.31", "W005": "20277.94",
                           "W006": "0.00"}
    # January to November do not depend on this year's assessment.
    assert sorted(line for line in lines if "2026-12" not in line) == sorted(
        line for line in EXPECTED if "2026-12" not in line)
    # Importing the same file again changes nothing.
    again = payload(gql, IMPORT_ASSESSMENTS, IMPORTS / "assessments-2026.csv", year=2026)["report"]
    assert (again["unchanged"], again["written"]) == (4, False)


def test_an_assessment_file_with_mistakes(gql, imported_city):
    content = csv_bytes(
        "工号,姓名,考核结果,年度",
        "W001,张敏,优秀,2026",
        "W404,无名,称职,2026",
        "W002,王强,称职,2026",
        "W003,王芳,良好,2026",
        "W005,陈静,称职,2025",
        "W006,刘洋,称职,2026",
        "W006,刘洋,优秀,2026",
    )
    result = payload(gql, IMPORT_ASSESSMENTS, content, "kh.csv", year=2026)
    assert [(p["row"], p["column"], p["code"]) for p in result["report"]["problems"]] == [
        (3, "工号", "NOT_FOUND"), (4, "姓名", "INVALID"), (5, "考核结果", "INVALID"), (6, "年度", "INVALID"),
        (7, "工号", "DUPLICATE"), (8, "工号", "DUPLICATE"),
    ]
    messages = [p["message"] for p in result["report"]["problems"]]
    assert messages[0] == "没有工号 W404的工作者 / no worker has 工号 W404"
    assert messages[1] == "姓名“王强”与工号 W002 登记的“李强”不符 / name '王强' does not match worker W002 (李强)"
    assert messages[2].startswith("“良好”不是可用的考核结果 / '良好' is not a known 考核结果: use one of 优秀（EXCELLENT）")
    assert messages[3] == "年度 2025 与导入的年度 2026 不符 / year 2025 is not the year being imported (2026)"
    assert result["errors"][0]["field"] == "file"
    # REJECT_ALL: W001's row was fine, but nothing was written.
    assessments = gql.data('{ worker(code: "W001") { assessments { year result } } }')["worker"]["assessments"]
    assert assessments == [{"year": 2026, "result": "EXCELLENT"}]


PROMOTIONS = """query($on: Date) { workers(first: 10) { nodes {
  code nextPromotion(on: $on) { date period grade currentGrade } } } }"""


def promotions(gql: GraphQLClient, on: str) -> dict[str, dict | None]:
    nodes = gql.data(PROMOTIONS, {"on": on})["workers"]["nodes"]
    return {n["code"]: n["nextPromotion"] for n in nodes}


def test_next_promotion_worked_by_hand(gql, imported_city):
    # Example policy: 3 years per grade; credit 本科 3, 硕士 5, 博士 7 years; 社会工作师 +1 grade.
    # W001 正职 from 2012-03-01, 本科, 社会工作师: in 2026-11 counted 14, steps ⌊(14+3)/3⌋ = 5,
    #   grade 5 + 5 + 1 = 11; steps 6 needs counted 15, i.e. 180 months of service: 2027-03.
    # W002 副职 from 2019-07-15 (+2 years credited), 大专: counted 9 → grade 3 + 3 = 6; counted 12
    #   needs 120 months counted from 2019-08: 2029-08.
    # W003 from 2026-03-16, 硕士: counted 0, steps ⌊5/3⌋ = 1 → grade 2; counted 1 from 2027-04.
    # W004 left on 2026-08-20: no next grade.  W005 正职 at grade 16, the post's highest: none.
    # W006 副职 from 2016-05-01, 本科: counted 10, steps ⌊13/3⌋ = 4 → grade 7; counted 12 from 2028-05.
    assert promotions(gql, "2026-11-21") == {
        "W001": {"date": "2027-03-01", "period": "2027-03", "grade": 12, "currentGrade": 11},
        "W002": {"date": "2029-08-01", "period": "2029-08", "grade": 7, "currentGrade": 6},
        "W003": {"date": "2027-04-01", "period": "2027-04", "grade": 3, "currentGrade": 2},
        "W004": None,
        "W005": None,
        "W006": {"date": "2028-05-01", "period": "2028-05", "grade": 8, "currentGrade": 7},
    }
    # From January 2026 W004 (grade 6: counted 18 − 1 不称职 year = 17) would reach grade 7 in
    # 2027-01, after leaving: still none.  W001 is grade 11 all of 2026, as its payslips say.
    early = promotions(gql, "2026-01-15")
    assert early["W004"] is None
    assert early["W001"] == {"date": "2027-03-01", "period": "2027-03", "grade": 12, "currentGrade": 11}
    # A 不称职 year recorded for 2026 stops counting from January 2027: W001 needs 16 years
    # of service for counted 15, reached in 2028-03.
    payload(gql, IMPORT_ASSESSMENTS, csv_bytes("工号,考核结果", "W001,不称职"), "w001.csv", year=2026)
    assert promotions(gql, "2026-11-21")["W001"] == {
        "date": "2028-03-01", "period": "2028-03", "grade": 12, "currentGrade": 11}
