"""Policy documents: loading, validation with paths, versions in force."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
import yaml

from payroll.periods import Period
from payroll.policy import NoVersionInForce, PolicyError, parse_policy, parse_policy_text
from payroll.policy import example_policy as shipped_example_policy

from .conftest import EXAMPLES, example_document


def problems_of(doc) -> list[str]:
    """The problems as HR staff read them: ``path：中文 / path: English``."""
    with pytest.raises(PolicyError) as info:
        parse_policy(doc)
    for text, shown in zip(info.value.texts, info.value.problems, strict=True):
        assert shown == f"{text.zh} / {text.en}" and re.search(r"[\u4e00-\u9fff]", text.zh), shown
    return info.value.problems


def english_problems_of(doc) -> list[str]:
    """The English halves of the problems (``path: English``); :func:`problems_of`
    checks that each has its Chinese half first."""
    problems_of(doc)
    with pytest.raises(PolicyError) as info:
        parse_policy(doc)
    return [text.en for text in info.value.texts]


def shown(expected: str) -> str:
    """``path: 中文 / English`` as a problem shows it: ``path：中文 / path: English``."""
    path, _, rest = expected.partition(": ")
    zh, _, en = rest.partition(" / ")
    return f"{path}：{zh} / {path}: {en}"


def test_example_policy_loads_with_two_versions(example_policy):
    assert example_policy.id == "example-county-16"
    assert [v.effective_from for v in example_policy.versions] == [dt.date(2025, 1, 1), dt.date(2026, 1, 1)]
    v = example_policy.versions[1]
    assert v.base_income_annual == 4_023_400
    assert v.grades.count == 16
    assert v.grades.coefficients[10] == 1_650_000
    assert v.posts["CHIEF"].min_grade == 5 and v.posts["CHIEF"].max_grade == 16
    assert v.social_insurance.employee == {"pension": 80_000, "medical": 20_000, "unemployment": 3_000}
    assert v.income_tax.brackets[-1].upto is None
    assert v.income_tax.brackets[0].upto == 3_600_000
    assert v.staffing.deputy_positions[1].min_required == 9


def test_shipped_example_policy_is_the_spec_example(example_policy):
    assert shipped_example_policy().versions == example_policy.versions


def test_version_in_force(example_policy):
    assert example_policy.version_for(Period(2025, 12)).effective_from == dt.date(2025, 1, 1)
    assert example_policy.version_for(Period(2026, 1)).effective_from == dt.date(2026, 1, 1)
    assert example_policy.version_for(Period(2031, 5)).effective_from == dt.date(2026, 1, 1)


def test_no_version_in_force_names_the_period(example_policy):
    with pytest.raises(NoVersionInForce, match=r"no version is in force for 2024-12 \(the first takes effect on 2025-01-01\)"):
        example_policy.version_for(Period(2024, 12))


def test_mid_month_effective_date_applies_from_the_next_month():
    doc = example_document()
    doc["versions"][1]["effective_from"] = "2026-01-15"
    policy = parse_policy(doc)
    assert policy.version_for(Period(2026, 1)).effective_from == dt.date(2025, 1, 1)
    assert policy.version_for(Period(2026, 2)).effective_from == dt.date(2026, 1, 15)


def test_max_grade_above_the_table_is_reported_with_its_path():
    doc = example_document()
    doc["versions"][1]["posts"]["CHIEF"]["max_grade"] = 17
    assert problems_of(doc) == ["versions[1].posts.CHIEF.max_grade：17 超出本表的 16 个等级 / "
                                "versions[1].posts.CHIEF.max_grade: 17 is above the 16 grades of this table"]


def test_every_problem_is_listed_at_once():
    doc = example_document()
    v0, v1 = doc["versions"]
    del v0["base_income_annual"]
    v0["performance"]["payout_months"] = [6]
    v1["grades"]["coefficients"][3] = "abc"
    v1["social_insurance"]["employee"]["maternity"] = "0.01"
    v1["income_tax"]["brackets"][2]["upto"] = "100000"
    v1["staffing"]["min_workers"] = -1
    v1["allowances"]["education"]["PHD"] = "100.00"
    v1["unexpected"] = 1
    assert english_problems_of(doc) == [
        "versions[0].base_income_annual: is missing",
        "versions[0].performance.payout_months: [6] must include 12, so that no reserve crosses a year end",
        "versions[1].unexpected: is not a known key (expected one of: accident_insurance_annual, allowances, "
        "base_income_annual, certificate_counts_from, community_funds, conversion, effective_from, grades, "
        "housing_fund, income_tax, notes, performance, posts, probation, promotion, social_insurance, source, "
        "staffing)",
        "versions[1].grades.coefficients[3]: 'abc' is not a decimal number with at most 6 decimal places",
        "versions[1].allowances.education.PHD: is not a known code (expected one of: SECONDARY, JUNIOR_COLLEGE, "
        "BACHELOR, MASTER, DOCTOR)",
        "versions[1].social_insurance.employee.maternity: is not a known code (expected one of: pension, medical, "
        "unemployment)",
        "versions[1].income_tax.brackets[2].upto: 100000.00 must be above the previous bracket's 144000.00 "
        "(brackets ascend)",
        "versions[1].staffing.min_workers: -1 must not be below 0",
    ]


@pytest.mark.parametrize(
    "path,value,problem",
    [
        ("grades.count", 16, None),
        ("grades.count", 18, "versions[1].grades.coefficients: has 16 coefficients for a 18-grade table (count: 18)"),
        ("base_income_annual", "40234.005", "versions[1].base_income_annual: '40234.005' is not an amount of yuan "
         "with at most two decimals (e.g. 3520.48)"),
        ("base_income_annual", True, "versions[1].base_income_annual: True is not an amount of yuan"),
        ("performance.withheld_share", "1.5", "versions[1].performance.withheld_share: 1.5 must not be above 1"),
        ("performance.withheld_share", "0.1234567", "versions[1].performance.withheld_share: '0.1234567' is not a "
         "decimal number with at most 6 decimal places"),
        ("performance.payout_months", [12, 12], "versions[1].performance.payout_months: [12, 12] lists a month twice"),
        ("performance.payout_months", [13], "versions[1].performance.payout_months[0]: 13 must not be above 12"),
        ("performance.factors", {"EXCELLENT": "1.2"}, "versions[1].performance.factors: has no factor for COMPETENT, "
         "BASIC, INCOMPETENT"),
        ("performance.tax_method", "ANNUAL", "versions[1].performance.tax_method: 'ANNUAL' is not one of SEPARATE, "
         "COMBINED, CUMULATIVE"),
        ("promotion.years_per_grade", 0, "versions[1].promotion.years_per_grade: 0 must not be below 1"),
        ("promotion.bonus_combine", "MIN", "versions[1].promotion.bonus_combine: 'MIN' is not one of SUM, MAX"),
        ("posts.CHIEF.min_grade", 0, "versions[1].posts.CHIEF.min_grade: 0 must not be below 1"),
        ("posts.STAFF.min_grade", 13, "versions[1].posts.STAFF.min_grade: 13 is above max_grade 12"),
        ("posts", {"chief": {"min_grade": 1, "max_grade": 2}}, "versions[1].posts.chief: a post key must be "
         "upper-case letters, digits and '_' (e.g. CHIEF)"),
        ("social_insurance.base_floor", "30000.00", "versions[1].social_insurance.base_floor: 30000.00 is above "
         "base_ceiling 20000.00"),
        ("income_tax.brackets", [{"upto": "1000", "rate": "0.03", "quick_deduction": "0"}],
         "versions[1].income_tax.brackets[0].upto: the last bracket must have no upto (it has no upper limit)"),
        ("income_tax.bonus_brackets", [{"rate": "0.03", "quick_deduction": "0"}, {"rate": "0.1", "quick_deduction": "0"}],
         "versions[1].income_tax.bonus_brackets[0].upto: is missing (only the last bracket has no upper limit)"),
        ("grades.coefficients", ["1.00", "0.90"], "versions[1].grades.coefficients[1]: 0.9 for grade 2 is below 1 "
         "for grade 1; coefficients must not decrease"),
        ("effective_from", "2026-13-01", "versions[1].effective_from: '2026-13-01' is not a valid date (month must "
         "be in 1..12)"),
        ("staffing.deputy_positions", [{"min_required": 9, "count": 2}, {"min_required": 1, "count": 1}],
         "versions[1].staffing.deputy_positions[1].min_required: 1 must be above the previous row's 9 (rows ascend)"),
        ("conversion.protect_previous_pay", "yes", "versions[1].conversion.protect_previous_pay: must be true or "
         "false, not str 'yes'"),
    ],
)
def test_single_problem_reports(path, value, problem):
    doc = example_document()
    node = doc["versions"][1]
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    if path == "grades.coefficients":
        for post in doc["versions"][1]["posts"].values():
            post["min_grade"], post["max_grade"] = 1, 2
    if problem is None:
        parse_policy(doc)
    else:
        assert english_problems_of(doc) == [problem]


def test_duplicate_effective_dates_are_refused():
    doc = example_document()
    doc["versions"][1]["effective_from"] = doc["versions"][0]["effective_from"]
    assert problems_of(doc) == ["versions[1].effective_from：2025-01-01 与 versions[0] 的生效日期相同 / "
                                "versions[1].effective_from: 2025-01-01 is also the date of versions[0]"]


def test_versions_may_be_listed_in_any_order():
    doc = example_document()
    doc["versions"].reverse()
    policy = parse_policy(doc)
    assert [v.effective_from.year for v in policy.versions] == [2025, 2026]
    assert policy.versions[0].path == "versions[1]"


@pytest.mark.parametrize(
    "text,problem",
    [
        ("", "文件为空 / the document is empty"),
        ("- a\n- b\n", "须为键值映射，而不是列表 / must be a mapping of keys to values, not a list"),
        ("id: x\ntitle: y\nversions: []\n", "versions：须为非空的版本列表 / versions: must be a non-empty list of versions"),
        ("id: [\n", "第 2 行第 1 列：不是有效的 YAML / line 2, column 1: not valid YAML"),
    ],
)
def test_malformed_documents(text, problem):
    with pytest.raises(PolicyError) as info:
        parse_policy_text(text)
    assert info.value.problems[0].startswith(problem)


def test_unquoted_yaml_numbers_are_read_exactly():
    doc = example_document()
    doc["versions"][1]["base_income_annual"] = 40234.0
    doc["versions"][1]["performance"]["withheld_share"] = 0.2
    text = yaml.safe_dump(doc, allow_unicode=True)
    policy = parse_policy_text(text)
    assert policy.versions[1].base_income_annual == 4_023_400
    assert policy.versions[1].performance.withheld_share == 200_000


def test_posts_come_from_the_document_in_order():
    doc = example_document()
    extra = copy.deepcopy(doc["versions"][1])
    extra["effective_from"] = "2027-01-01"
    extra["posts"]["ASSISTANT"] = {"title": "社区助理", "min_grade": 1, "max_grade": 8}
    doc["versions"].append(extra)
    policy = parse_policy(doc)
    assert policy.post_keys == ("CHIEF", "DEPUTY", "STAFF", "ASSISTANT")
    assert "ASSISTANT" not in policy.versions[0].posts


# --- revision 2 keys ---------------------------------------------------------------------

FIXED_AMOUNTS = EXAMPLES / "policy-fixed-amounts.yaml"


def fixed_amounts_document() -> dict:
    return yaml.safe_load(FIXED_AMOUNTS.read_text(encoding="utf-8"))


def test_fixed_amounts_policy_loads_every_new_key():
    v = parse_policy(fixed_amounts_document()).versions[0]
    assert v.grades.amounts[:2] == (60_000, 66_000) and v.grades.coefficients == () and v.grades.count == 12
    assert v.posts["CHIEF"].post_pay == 280_000
    assert (v.probation.months, v.probation.pay_share, v.probation.reserve) == (3, 800_000, False)
    assert v.performance.withheld_share == 100_000
    assert v.performance.fixed_reserve("STAFF") == 61_300
    assert [a.code for a in v.allowances.fixed_for("CHIEF")] == ["LIVING", "ROLE_CHIEF"]
    assert [a.code for a in v.allowances.fixed_for("STAFF")] == ["LIVING"]
    assert (v.promotion.counting, v.certificate_counts_from) == ("JANUARY", "NEXT_MONTH")
    assert [(p.rate, p.amount) for p in v.social_insurance.employee_parts["medical"]] == [(20_000, None), (None, 300)]
    assert (v.social_insurance.base_month, v.housing_fund.base_month, v.housing_fund.rounding) == (7, 7, "YUAN")


def test_withheld_share_defaults_to_zero_with_withheld_monthly():
    doc = fixed_amounts_document()
    del doc["versions"][0]["performance"]["withheld_share"]
    doc["versions"][0]["performance"]["withheld_monthly"] = "500.00"
    v = parse_policy(doc).versions[0]
    assert v.performance.withheld_share == 0
    assert v.performance.fixed_reserve("DEPUTY") == 50_000


def test_withheld_share_is_still_required_without_withheld_monthly():
    doc = example_document()
    del doc["versions"][1]["performance"]["withheld_share"]
    assert problems_of(doc) == ["versions[1].performance.withheld_share：缺少此项 / "
                                "versions[1].performance.withheld_share: is missing"]


@pytest.mark.parametrize(
    "path,value,problem",
    [
        ("grades.coefficients", ["1.0"] * 12,
         "versions[0].grades: 只能给出 coefficients 或 amounts 之一 / give exactly one of grades.coefficients and "
         "grades.amounts"),
        ("grades.amounts", ["600.00", "590.00"] + ["700.00"] * 10,
         "versions[0].grades.amounts[1]: 第 2 级 590.00 低于第 1 级 600.00，各级金额不得递减 / 590.00 for grade 2 is "
         "below 600.00 for grade 1; amounts must not decrease"),
        ("grades.count", 13, "versions[0].grades.amounts: 有 12 个 amounts，而等级表为 13 级（count: 13） / has 12 "
         "amounts for a 13-grade table (count: 13)"),
        ("posts.CHIEF.post_pay", "-1.00",
         "versions[0].posts.CHIEF.post_pay: 金额 -1.00 不能小于 0.00 / -1.00 must not be below 0.00"),
        ("grades.amounts", ["600"] * 11 + ["1.234"],
         "versions[0].grades.amounts[11]: 须为最多两位小数的元金额，如 \"600.00\" / '1.234' is not an amount of yuan "
         "with at most two decimals (e.g. 3520.48)"),
        ("social_insurance.rounding", "CENT",
         "versions[0].social_insurance.rounding: 'CENT' 不是 FEN（到分）、YUAN（四舍五入到元）、YUAN_UP（见角进元）之一 / "
         "'CENT' is not one of FEN, YUAN, YUAN_UP"),
        ("housing_fund.rounding", "yuan",
         "versions[0].housing_fund.rounding: 'yuan' 不是 FEN（到分）、YUAN（四舍五入到元）、YUAN_UP（见角进元）之一 / "
         "'yuan' is not one of FEN, YUAN, YUAN_UP"),
        ("social_insurance.employee.medical", [{"rate": "0.02", "amount": "3.00"}],
         "versions[0].social_insurance.employee.medical[0]: 每一部分只能给出 rate 或 amount 之一 / give exactly one "
         "of rate and amount in each part"),
        ("social_insurance.employer.work_injury", [{}],
         "versions[0].social_insurance.employer.work_injury[0]: 每一部分只能给出 rate 或 amount 之一 / give exactly "
         "one of rate and amount in each part"),
        ("social_insurance.employee.medical", [],
         "versions[0].social_insurance.employee.medical: 须为费率，或非空的组成部分列表 / must be a rate or a non-empty "
         "list of parts ({rate: …} or {amount: …})"),
        ("social_insurance.base_month", 13,
         "versions[0].social_insurance.base_month: 13 不是 1–12 的月份（缴费基数按该月工资核定一年） / 13 is not a "
         "month 1–12 (the month whose wage fixes the base for a year)"),
        ("housing_fund.base_month", 0,
         "versions[0].housing_fund.base_month: 0 不是 1–12 的月份（缴费基数按该月工资核定一年） / 0 is not a month "
         "1–12 (the month whose wage fixes the base for a year)"),
        ("probation.months", 0,
         "versions[0].probation.months: 试用期月数 0 须至少为 1（没有试用期则删去 probation） / 0 must be at least 1 "
         "month (leave probation out for none)"),
        ("probation.pay_share", "0",
         "versions[0].probation.pay_share: 试用期工资比例 0 须大于 0 且不超过 1 / 0 must be above 0 and at most 1 "
         "(e.g. 0.8 for 80%)"),
        ("probation.pay_share", "1.2",
         "versions[0].probation.pay_share: 试用期工资比例 1.2 须大于 0 且不超过 1 / 1.2 must be above 0 and at most 1 "
         "(e.g. 0.8 for 80%)"),
        ("performance.withheld_monthly", {"CHIEF": "700.00", "BOSS": "100.00"},
         "versions[0].performance.withheld_monthly.BOSS: BOSS 不是本版本 posts 中的岗位 / BOSS is not a post of this "
         "version (posts: CHIEF, DEPUTY, STAFF); use one of them or add the post"),
        ("allowances.fixed", [{"code": "LIVING", "title": "生活补贴", "amount": "600.00"},
                              {"code": "LIVING", "title": "交通补贴", "amount": "100.00"}],
         "versions[0].allowances.fixed[1].code: 代码 LIVING 与 fixed[0] 重复，请改用不同的代码 / LIVING is also the "
         "code of fixed[0]; give each entry its own code"),
        ("allowances.fixed", [{"code": "ROLE", "title": "职务补贴", "amount": "300.00", "posts": ["CHIEF", "BOSS"]}],
         "versions[0].allowances.fixed[0].posts[1]: BOSS 不是本版本 posts 中的岗位 / BOSS is not a post of this "
         "version (posts: CHIEF, DEPUTY, STAFF); use one of them or add the post"),
        ("promotion.counting", "MONTHLY", "versions[0].promotion.counting: 'MONTHLY' 不是 ANNIVERSARY、JANUARY 之一 / "
         "'MONTHLY' is not one of ANNIVERSARY, JANUARY"),
        ("certificate_counts_from", "LATER", "versions[0].certificate_counts_from: 'LATER' 不是 REGISTRATION_MONTH、"
         "NEXT_MONTH 之一 / 'LATER' is not one of REGISTRATION_MONTH, NEXT_MONTH"),
    ],
)
def test_revision_2_problems_are_reported_with_path_and_fix(path, value, problem):
    doc = fixed_amounts_document()
    node = doc["versions"][0]
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    assert problems_of(doc) == [shown(problem)]


def test_grades_with_neither_list_is_reported():
    doc = fixed_amounts_document()
    del doc["versions"][0]["grades"]["amounts"]
    assert problems_of(doc) == ["versions[0].grades：只能给出 coefficients 或 amounts 之一 / versions[0].grades: give "
                                "exactly one of grades.coefficients and grades.amounts"]
