"""Hand-worked cases for each rule of salary-model.md §2–§10.

Amounts are worked out by hand from the spec and the policy figures; comments
show the working.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from payroll.engine import PAYSLIP_COLUMNS, EngineError
from payroll.money import div_half_up, format_fen, mul_rate, parse_fen, prorate
from payroll.months import compute_periods
from payroll.periods import Period
from payroll.policy import NoVersionInForce, parse_policy
from payroll.workers import InputError, Population, worker_from_fields

from .conftest import example_document, one_version_policy


def payslips(policy, start: str, end: str, **fields) -> dict[str, dict[str, int]]:
    """One worker's payslips by period, amounts in fen."""
    worker = worker_from_fields({"worker_id": "T1", **fields}, post_keys=policy.post_keys)
    population = Population.from_workers([worker], policy.post_keys)
    out = {}
    for month in compute_periods(policy, population, Period.parse(start), Period.parse(end)):
        if month.paid[0]:
            out[str(month.period)] = {c: int(month.column(c)[0]) for c in PAYSLIP_COLUMNS if c != "post"}
    return out


def yuan(text: str) -> int:
    return parse_fen(text)


# --- §0 money -----------------------------------------------------------------------------


def test_half_up_at_exactly_half_a_fen():
    # 40234.00 × 1.05 / 12 = 3520.475 → 3520.48, never 3520.47
    assert div_half_up(4_023_400 * 1_050_000, 12 * 1_000_000) == 352_048
    assert mul_rate(100_050, 500_000) == 50_025  # 1000.50 × 0.5 = 500.25 exactly
    assert mul_rate(1, 500_000) == 1  # 0.01 × 0.5 = 0.005 → 0.01
    assert mul_rate(-1, 500_000) == -1  # half away from zero
    assert prorate(100, 1, 2) == 50 and prorate(1, 1, 2) == 1


def test_grade_pay_uses_exact_half_up(example_policy):
    # STAFF, start 2023-01-01: counted 3 → steps 1 → grade 2 (coefficient 1.05)
    slips = payslips(example_policy, "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")
    jan = slips["2026-01"]
    assert jan["grade"] == 2
    # grade_pay 3520.48; reserve R(3520.48 × 0.20 = 704.096) = 704.10; basic 2816.38
    assert jan["basic_pay"] == yuan("2816.38")


@pytest.mark.parametrize(
    "text,fen",
    [("3520.48", 352048), ("36000", 3600000), ("0.5", 50), ("-1.05", -105), (120000.0, 12000000), (7, 700)],
)
def test_money_parsing(text, fen):
    assert parse_fen(text) == fen


@pytest.mark.parametrize("fen,text", [(352048, "3520.48"), (5, "0.05"), (-105, "-1.05"), (0, "0.00")])
def test_money_formatting(fen, text):
    assert format_fen(fen) == text


# --- §2 service years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,period,counted",
    [
        ("2020-03-15", "2026-11", 6),  # spec: months = 6×12 + 8 − 1 = 79 → 6
        ("2020-03-01", "2026-03", 6),  # a whole number of years on the anniversary month
        ("2020-03-02", "2026-03", 5),  # started after the 1st: 71 months
        ("2026-11-20", "2026-11", 0),  # never below 0
    ],
)
def test_service_years(start, period, counted, example_policy):
    slips = payslips(example_policy, period, period, post="STAFF", service_start=start)
    assert slips[period]["counted_years"] == counted


def test_prior_service_and_incompetent_years(example_policy):
    # 2016-01-01 to 2026-01: 10 years + 4 prior − 3 不称职 = 11
    slips = payslips(example_policy, "2026-01", "2026-01", post="STAFF", service_start="2016-01-01",
                     prior_service_years="4", incompetent_years="3")
    assert slips["2026-01"]["counted_years"] == 11
    # never below zero
    slips = payslips(example_policy, "2026-01", "2026-01", post="STAFF", service_start="2025-01-01",
                     incompetent_years="5")
    assert slips["2026-01"]["counted_years"] == 0


# --- §3 grade ----------------------------------------------------------------------------------


def test_grade_caps_and_floors(example_policy):
    # CHIEF, 40 years, DOCTOR (+7) → steps 15: 5 + 15 + 2 = 22, capped at 16
    slips = payslips(example_policy, "2026-01", "2026-01", post="CHIEF", service_start="1986-01-01",
                     education="DOCTOR", certificate="SENIOR_SOCIAL_WORKER", certificate_date="2000-01-01")
    assert slips["2026-01"]["grade"] == 16
    # STAFF capped at 12
    slips = payslips(example_policy, "2026-01", "2026-01", post="STAFF", service_start="1986-01-01")
    assert slips["2026-01"]["grade"] == 12
    # a new CHIEF starts at min_grade 5
    slips = payslips(example_policy, "2026-01", "2026-01", post="CHIEF", service_start="2026-01-01")
    assert slips["2026-01"]["grade"] == 5


def test_certificate_registered_mid_year_counts_from_its_month(example_policy):
    # STAFF 2019-01-01: counted 7 in 2026 → steps 2 → grade 3; SOCIAL_WORKER registered
    # 2026-07-31 adds bonus 1 and 200.00 from July (certificate_date ≤ Pn).
    slips = payslips(example_policy, "2026-06", "2026-08", post="STAFF", service_start="2019-01-01",
                     certificate="SOCIAL_WORKER", certificate_date="2026-07-31")
    assert slips["2026-06"]["grade"] == 3 and slips["2026-06"]["certificate_allowance"] == 0
    assert slips["2026-07"]["grade"] == 4 and slips["2026-07"]["certificate_allowance"] == yuan("200.00")
    assert slips["2026-08"]["grade"] == 4


def test_bonus_combine_sum_and_max():
    # BACHELOR grade bonus 1 and SOCIAL_WORKER bonus 1: MAX gives 1, SUM gives 2.
    kwargs = dict(post="STAFF", service_start="2026-01-01", education="JUNIOR_COLLEGE",
                  certificate="SOCIAL_WORKER", certificate_date="2020-01-01")
    for combine, grade in (("MAX", 2), ("SUM", 3)):
        policy = one_version_policy(promotion__bonus_combine=combine,
                                    promotion__education_grade_bonus={"JUNIOR_COLLEGE": 1})
        assert payslips(policy, "2026-01", "2026-01", **kwargs)["2026-01"]["grade"] == grade


def test_grade_moves_with_tenure_during_the_year(example_policy):
    # W002 of the example: DEPUTY 2019-07-15 + 2 prior, 大专: 8 counted years until July,
    # 9 from August (months from 2019-08) → steps 2 → 3 → grade 5 → 6.
    slips = payslips(example_policy, "2026-07", "2026-08", post="DEPUTY", service_start="2019-07-15",
                     prior_service_years="2", education="JUNIOR_COLLEGE")
    assert (slips["2026-07"]["grade"], slips["2026-08"]["grade"]) == (5, 6)
    assert slips["2026-08"]["basic_pay"] == yuan("3433.30")


# --- §4 standard amounts and §5 proration --------------------------------------------------------


def test_tenure_allowance_is_capped(example_policy):
    slips = payslips(example_policy, "2026-01", "2026-01", post="STAFF", service_start="1980-01-01")
    assert slips["2026-01"]["counted_years"] == 46
    assert slips["2026-01"]["tenure_allowance"] == yuan("600.00")  # 20.00 × min(46, 30)


def test_conversion_protection_tops_up_to_the_previous_pay(example_policy):
    # CHIEF 2026-01-01: grade 5 (1.22): grade_pay R(40234 × 1.22 / 12 = 4090.456…) = 4090.46;
    # standard wage 4090.46; previous 5000.00 → difference 909.54.
    slips = payslips(example_policy, "2026-01", "2026-01", post="CHIEF", service_start="2026-01-01",
                     previous_monthly_pay="5000.00")
    jan = slips["2026-01"]
    assert jan["difference_allowance"] == yuan("909.54")
    assert jan["si_base"] == yuan("5000.00")
    # basic R(4090.46 − R(818.092)) = 3272.37, gross = 3272.37 + 909.54
    assert jan["gross"] == yuan("4181.91")
    off = one_version_policy(conversion__protect_previous_pay=False)
    assert payslips(off, "2026-01", "2026-01", post="CHIEF", service_start="2026-01-01",
                    previous_monthly_pay="5000.00")["2026-01"]["difference_allowance"] == 0


def test_first_partial_month(example_policy):
    # W003: STAFF MASTER from 2026-03-16: 16 of 31 days.
    slips = payslips(example_policy, "2026-02", "2026-04", post="STAFF", service_start="2026-03-16",
                     education="MASTER")
    assert "2026-02" not in slips
    march = slips["2026-03"]
    assert march["days"] == 16
    assert march["basic_pay"] == yuan("1453.62")  # 2816.38 × 16 / 31 = 1453.615…
    assert march["education_allowance"] == yuan("180.65")  # 350.00 × 16 / 31 = 180.645…
    assert march["si_base"] == yuan("4000.00")  # contributions are full-month
    assert slips["2026-04"]["days"] == 30 and slips["2026-04"]["basic_pay"] == yuan("2816.38")


def test_last_partial_month_in_february():
    # STAFF 2020-01-01 (counted 6 → grade 3, 1.10): grade_pay R(3688.116…) = 3688.12, reserve 737.62,
    # basic 2950.50; leaves 2026-02-10: 10 of 28 days → R(2950.50 × 10 / 28 = 1053.75) = 1053.75.
    policy = one_version_policy()
    slips = payslips(policy, "2026-01", "2026-03", post="STAFF", service_start="2020-01-01",
                     service_end="2026-02-10")
    assert set(slips) == {"2026-01", "2026-02"}
    feb = slips["2026-02"]
    assert feb["days"] == 10
    assert feb["basic_pay"] == yuan("1053.75")
    # tenure 20.00 × 6 = 120.00 → R(120 × 10 / 28 = 42.857…) = 42.86
    assert feb["tenure_allowance"] == yuan("42.86")


# --- §6 performance pay ----------------------------------------------------------------------------


def test_leaver_is_paid_the_accrued_reserve_and_taxed_cumulatively(example_policy):
    # W004: reserves 7 × 858.33 + R(858.33 × 20/31 = 553.76) = 6562.07, × 0.80 (BASIC) = 5249.656 → 5249.66
    slips = payslips(example_policy, "2026-01", "2026-12", post="STAFF", service_start="2008-01-01",
                     service_end="2026-08-20", incompetent_years="1", assessment="BASIC",
                     previous_monthly_pay="5200.00")
    aug = slips["2026-08"]
    assert aug["performance_pay"] == yuan("5249.66")
    assert aug["bonus_tax"] == 0
    assert max(slips) == "2026-08"


def test_leaver_in_december_is_taxed_cumulatively():
    # A leaver's payout in its final month is always taxed cumulatively, even in
    # the single payout month under SEPARATE.
    policy = one_version_policy()
    staying = payslips(policy, "2026-01", "2026-12", post="CHIEF", service_start="2000-01-01", education="DOCTOR")
    leaving = payslips(policy, "2026-01", "2026-12", post="CHIEF", service_start="2000-01-01", education="DOCTOR",
                       service_end="2026-12-31")
    assert staying["2026-12"]["performance_pay"] == leaving["2026-12"]["performance_pay"] > 0
    assert staying["2026-12"]["bonus_tax"] > 0 and leaving["2026-12"]["bonus_tax"] == 0
    assert leaving["2026-12"]["income_tax"] > staying["2026-12"]["income_tax"]


def test_two_payout_months_pay_each_half_year_and_tax_cumulatively():
    policy = one_version_policy(performance__payout_months=[6, 12])
    # STAFF 2026-01-01 grade 1: grade_pay R(3352.8333…) = 3352.83, reserve R(670.566) = 670.57
    slips = payslips(policy, "2026-01", "2026-12", post="STAFF", service_start="2026-01-01")
    assert slips["2026-06"]["performance_pay"] == 6 * yuan("670.57")
    assert slips["2026-12"]["performance_pay"] == 6 * yuan("670.57")
    assert slips["2026-05"]["performance_pay"] == 0
    assert all(s["bonus_tax"] == 0 for s in slips.values())


def test_assessment_factor_and_default():
    policy = one_version_policy()
    base = dict(post="STAFF", service_start="2026-01-01")
    excellent = payslips(policy, "2026-12", "2026-12", assessment="EXCELLENT", **base)["2026-12"]
    default = payslips(policy, "2026-12", "2026-12", **base)["2026-12"]  # COMPETENT
    incompetent = payslips(policy, "2026-12", "2026-12", assessment="INCOMPETENT", **base)["2026-12"]
    # 12 × 670.57 = 8046.84: × 1.20 = 9656.208 → 9656.21; × 1.00; × 0
    assert excellent["performance_pay"] == yuan("9656.21")
    assert default["performance_pay"] == yuan("8046.84")
    assert incompetent["performance_pay"] == 0


# --- §8 contributions ------------------------------------------------------------------------------


def test_contribution_bases_are_clamped():
    policy = one_version_policy()
    # previous pay 30000.00: si base clamps at 20000.00, housing fund base at 26000.00
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2026-01-01",
                    previous_monthly_pay="30000.00")["2026-01"]
    assert slip["si_base"] == yuan("20000.00")
    assert slip["employee_pension"] == yuan("1600.00")
    assert slip["housing_fund_employee"] == yuan("1300.00")  # 26000.00 × 0.05
    assert slip["accident_insurance"] == yuan("10.00")


def test_a_single_day_can_give_a_negative_net():
    # Contributions are full-month (§8) while pay is prorated: one day of a new
    # STAFF worker pays R(2682.26 × 1/31) = 86.52 + contributions on the 4000.00 floor.
    policy = one_version_policy()
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2026-01-31")["2026-01"]
    assert slip["days"] == 1
    assert slip["gross"] == yuan("86.52")
    # 320.00 + 80.00 + 12.00 + housing fund R(3352.83 × 0.05 = 167.6415) = 167.64
    assert slip["net"] == yuan("86.52") - yuan("579.64")


# --- §9 income tax -----------------------------------------------------------------------------------


def _tax_free_policy(**overrides):
    """No contributions, no basic deduction, no reserve: gross = taxable income."""
    return one_version_policy(
        performance__withheld_share="0",
        social_insurance__employee={},
        social_insurance__employer={},
        housing_fund__employee="0",
        housing_fund__employer="0",
        income_tax__monthly_basic_deduction="0",
        **overrides,
    )


@pytest.mark.parametrize(
    "previous,jan_tax",
    [
        ("36000.00", "1080.00"),  # bracket 1: 36000.00 × 0.03
        ("36000.01", "1080.00"),  # bracket 2: 3600.001 − 2520 = 1080.001
        ("36000.05", "1080.01"),  # bracket 2: 3600.005 − 2520 = 1080.005 → 1080.01
    ],
)
def test_cumulative_tax_at_the_bracket_boundary(previous, jan_tax):
    # withheld_share 0 and protection make gross exactly the previous pay.
    policy = _tax_free_policy()
    slips = payslips(policy, "2026-01", "2026-02", post="STAFF", service_start="2026-01-01",
                     previous_monthly_pay=previous)
    assert slips["2026-01"]["gross"] == yuan(previous)
    assert slips["2026-01"]["income_tax"] == yuan(jan_tax)


def test_cumulative_tax_second_month():
    policy = _tax_free_policy()
    slips = payslips(policy, "2026-01", "2026-02", post="STAFF", service_start="2026-01-01",
                     previous_monthly_pay="36000.05")
    # February: 72000.10 × 0.10 − 2520 = 4680.01; minus 1080.01 withheld = 3600.00
    assert slips["2026-02"]["income_tax"] == yuan("3600.00")


def test_cumulative_tax_of_the_example_chief(example_policy):
    # W005: 13591.81 − 5000 − 2295.00 = 6296.81 × 0.03 = 188.9043 → 188.90; Feb: 377.8086 → 377.81 − 188.90
    slips = payslips(example_policy, "2026-01", "2026-02", post="CHIEF", service_start="2001-09-01",
                     education="DOCTOR", certificate="SENIOR_SOCIAL_WORKER", certificate_date="2015-11-30",
                     assessment="EXCELLENT", previous_monthly_pay="15000.00")
    assert slips["2026-01"]["income_tax"] == yuan("188.90")
    assert slips["2026-02"]["income_tax"] == yuan("188.91")


def test_special_deduction_reduces_the_tax(example_policy):
    kwargs = dict(post="CHIEF", service_start="2001-09-01", education="DOCTOR", previous_monthly_pay="15000.00")
    without = payslips(example_policy, "2026-01", "2026-01", **kwargs)["2026-01"]
    with_deduction = payslips(example_policy, "2026-01", "2026-01", special_deduction_monthly="1000.00",
                              **kwargs)["2026-01"]
    assert without["income_tax"] - with_deduction["income_tax"] == yuan("30.00")  # 1000 × 3%


@pytest.mark.parametrize(
    "base_income,bonus_tax",
    [
        ("432000.00", "1080.00"),  # bonus 36000.00: /12 = 3000 → first row: 36000 × 0.03
        ("432000.12", "3390.00"),  # bonus 36000.01: /12 > 3000 → 3600.001 − 210 = 3390.001
    ],
)
def test_separate_bonus_tax_at_its_bracket_boundary(base_income, bonus_tax):
    # withheld_share 1: the whole grade pay is the reserve; a worker starting
    # 1 December accrues one month of grade pay (base / 12) and is paid it × 1.00.
    policy = one_version_policy(base_income_annual=base_income, performance__withheld_share="1")
    slip = payslips(policy, "2026-12", "2026-12", post="STAFF", service_start="2026-12-01")["2026-12"]
    assert slip["performance_pay"] == div_half_up(yuan(base_income), 12)
    assert slip["bonus_tax"] == yuan(bonus_tax)
    assert slip["basic_pay"] == 0


def test_separate_bonus_tax_of_the_example_chief(example_policy):
    # W001: 12 × 1106.44 × 1.20 = 15932.736 → 15932.74; /12 = 1327.73 → 3%: 477.9822 → 477.98
    slip = payslips(example_policy, "2026-12", "2026-12", post="CHIEF", service_start="2012-03-01",
                    education="BACHELOR", certificate="SOCIAL_WORKER", certificate_date="2018-06-20",
                    assessment="EXCELLENT", special_deduction_monthly="2000.00")["2026-12"]
    assert slip["performance_pay"] == yuan("15932.74")
    assert slip["bonus_tax"] == yuan("477.98")
    assert slip["income_tax"] == 0


def test_cumulative_tax_method_joins_the_bonus_to_income():
    policy = one_version_policy(performance__tax_method="CUMULATIVE")
    slips = payslips(policy, "2026-01", "2026-12", post="CHIEF", service_start="2001-09-01", education="DOCTOR",
                     previous_monthly_pay="15000.00")
    assert slips["2026-12"]["bonus_tax"] == 0
    assert slips["2026-12"]["income_tax"] > slips["2026-11"]["income_tax"]


def test_opening_balances(example_policy):
    # W006: opening through 2026-03 (3 months, 30000.00 income, 6000.00 deductions, 480.00 tax, 2400.00 reserve)
    kwargs = dict(post="DEPUTY", service_start="2016-05-01", education="BACHELOR", special_deduction_monthly="1000.00",
                  opening_through="2026-03", opening_months="3", opening_income="30000.00",
                  opening_deductions="6000.00", opening_tax="480.00", opening_reserve="2400.00")
    slips = payslips(example_policy, "2026-01", "2026-12", **kwargs)
    assert min(slips) == "2026-04"  # nothing is computed for months the old system paid
    # April: cum income 34001.06; deduction 5000 × 4 + 6000 + 1750.68 = 27750.68; taxable 6250.38 × 3%
    # = 187.51 < 480.00 already withheld → 0
    assert slips["2026-04"]["income_tax"] == 0
    # December: 2400.00 + 9 × 905.27 = 10547.43 × 1.00
    assert slips["2026-12"]["performance_pay"] == yuan("10547.43")
    # Opening balances of 2026 do not carry into 2027
    next_year = payslips(example_policy, "2027-01", "2027-01", **kwargs)["2027-01"]
    assert next_year["income_tax"] == payslips(example_policy, "2027-01", "2027-01", **{
        k: v for k, v in kwargs.items() if not k.startswith("opening")})["2027-01"]["income_tax"]


def test_opening_tax_below_the_cumulative_tax_is_topped_up(example_policy):
    # Same W006 with only 100.00 withheld by the old system: April owes 187.51 − 100.00 = 87.51
    slips = payslips(example_policy, "2026-04", "2026-04", post="DEPUTY", service_start="2016-05-01",
                     education="BACHELOR", special_deduction_monthly="1000.00", opening_through="2026-03",
                     opening_months="3", opening_income="30000.00", opening_deductions="6000.00",
                     opening_tax="100.00")
    assert slips["2026-04"]["income_tax"] == yuan("87.51")


# --- versions and posts from the document ----------------------------------------------------------


def test_a_new_version_applies_from_its_month():
    doc = example_document()
    later = copy.deepcopy(doc["versions"][1])
    later["effective_from"] = "2026-07-01"
    later["base_income_annual"] = "48000.00"
    doc["versions"].append(later)
    policy = parse_policy(doc)
    slips = payslips(policy, "2026-06", "2026-07", post="STAFF", service_start="2026-01-01")
    # grade 1: June R(40234/12 = 3352.833…) = 3352.83 − 670.57; July 4000.00 − 800.00
    assert slips["2026-06"]["basic_pay"] == yuan("2682.26")
    assert slips["2026-07"]["basic_pay"] == yuan("3200.00")


def _policy_with_grades(count: int, posts: dict) -> object:
    doc = example_document()
    version = doc["versions"][1]
    version["effective_from"] = "2020-01-01"
    version["grades"] = {"count": count, "coefficients": [f"{1 + i * 0.05:.2f}" for i in range(count)]}
    version["posts"] = posts
    doc["versions"] = [version]
    return parse_policy(doc)


def test_three_posts_eighteen_grades():
    policy = _policy_with_grades(18, {
        "CHIEF": {"title": "正职", "min_grade": 6, "max_grade": 18},
        "DEPUTY": {"title": "副职", "min_grade": 3, "max_grade": 15},
        "STAFF": {"title": "其他", "min_grade": 1, "max_grade": 13},
    })
    # CHIEF 40 years: 6 + 13 steps → capped at 18; coefficient 1.85: R(40234 × 1.85 / 12) = 6202.74
    slip = payslips(policy, "2026-01", "2026-01", post="CHIEF", service_start="1986-01-01")["2026-01"]
    assert slip["grade"] == 18
    assert slip["basic_pay"] == yuan("6202.74") - mul_rate(yuan("6202.74"), 200_000)


def test_four_posts_twenty_four_grades():
    policy = _policy_with_grades(24, {
        "CHIEF": {"title": "正职", "min_grade": 8, "max_grade": 24},
        "DEPUTY": {"title": "副职", "min_grade": 5, "max_grade": 20},
        "STAFF": {"title": "专职工作者", "min_grade": 2, "max_grade": 16},
        "ASSISTANT": {"title": "社区助理", "min_grade": 1, "max_grade": 10},
    })
    assert policy.post_keys == ("CHIEF", "DEPUTY", "STAFF", "ASSISTANT")
    chief = payslips(policy, "2026-01", "2026-01", post="CHIEF", service_start="1960-01-01")["2026-01"]
    assert chief["grade"] == 24
    # ASSISTANT 9 years → 3 steps → 1 + 3 = 4 (coefficient 1.15): R(40234 × 1.15 / 12 = 3855.758…) = 3855.76
    assistant = payslips(policy, "2026-01", "2026-01", post="ASSISTANT", service_start="2017-01-01")["2026-01"]
    assert assistant["grade"] == 4
    assert assistant["basic_pay"] == yuan("3855.76") - yuan("771.15")


def test_post_missing_from_the_version_in_force_is_an_error():
    doc = example_document()
    later = copy.deepcopy(doc["versions"][1])
    later["effective_from"] = "2027-01-01"
    later["posts"]["ASSISTANT"] = {"title": "社区助理", "min_grade": 1, "max_grade": 8}
    doc["versions"].append(later)
    policy = parse_policy(doc)
    with pytest.raises(EngineError, match=r"^工作者 T1：post：ASSISTANT 不是 2026-01 生效的政策版本（2026-01-01 起生效）中的"
                                          r"岗位 / worker T1: post: ASSISTANT is not a post of the policy version in "
                                          r"force for 2026-01 \(effective from 2026-01-01\)$"):
        payslips(policy, "2026-01", "2026-01", post="ASSISTANT", service_start="2020-01-01")
    assert payslips(policy, "2027-01", "2027-01", post="ASSISTANT", service_start="2020-01-01")["2027-01"]["grade"] == 3


# --- §1 input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,zh,en",
    [
        ({"post": "BOSS"}, "工作者 T1：post：“BOSS”不是政策中的岗位（可填 CHIEF、DEPUTY、STAFF 或岗位名称，如 正职、副职）",
         "worker T1: post: 'BOSS' is not a post of the policy (CHIEF, DEPUTY, STAFF, or a post's title)"),
        ({"prior_service_years": "-1"}, "工作者 T1：prior_service_years：-1 不能为负数",
         "worker T1: prior_service_years: -1 must not be negative"),
        ({"service_end": "2019-12-31"}, "工作者 T1：service_end：2019-12-31 早于 service_start 2020-01-01",
         "worker T1: service_end: 2019-12-31 is before service_start 2020-01-01"),
        ({"service_start": "2020-02-30"}, "工作者 T1：service_start：“2020-02-30”不是有效日期",
         "worker T1: service_start: '2020-02-30' is not a valid date (day is out of range for month)"),
        ({"special_deduction_monthly": "1,000"},
         "工作者 T1：special_deduction_monthly：“1,000”不是最多两位小数的元金额（如 3520.48）",
         "worker T1: special_deduction_monthly: '1,000' is not an amount of yuan with at most two decimals "
         "(e.g. 3520.48)"),
        ({"certificate": "SOCIAL_WORKER"}, "工作者 T1：certificate_date：有证书 SOCIAL_WORKER 时必填",
         "worker T1: certificate_date: is required for certificate SOCIAL_WORKER"),
        ({"education": "PHD"}, "工作者 T1：education：“PHD”不是可选值，可选：SECONDARY（高中/中专及以下）、"
         "JUNIOR_COLLEGE（大专）、BACHELOR（本科）、MASTER（硕士）、DOCTOR（博士）",
         "worker T1: education: 'PHD' is not one of SECONDARY, JUNIOR_COLLEGE, BACHELOR, MASTER, DOCTOR"),
        ({"assessment": "GOOD"}, "工作者 T1：assessment：“GOOD”不是可选值，可选：EXCELLENT（优秀）、COMPETENT（称职）、"
         "BASIC（基本称职）、INCOMPETENT（不称职）",
         "worker T1: assessment: 'GOOD' is not one of EXCELLENT, COMPETENT, BASIC, INCOMPETENT"),
        ({"opening_income": "100.00"}, "工作者 T1：opening_through：填写了 opening_income 时必填",
         "worker T1: opening_through: is required when opening_income is given"),
        ({"opening_through": "2026-02", "opening_months": "3"},
         "工作者 T1：opening_months：3 超过截至 opening_through 2026-02 的 2 个月",
         "worker T1: opening_months: 3 is more than the 2 months up to opening_through 2026-02"),
        ({"previous_monthly_pay": "-5.00"}, "工作者 T1：previous_monthly_pay：-5.00 不能为负数",
         "worker T1: previous_monthly_pay: -5.00 must not be negative"),
    ],
)
def test_bad_worker_inputs_name_the_worker_and_field(fields, zh, en, example_policy):
    row = {"worker_id": "T1", "post": "STAFF", "service_start": "2020-01-01", **fields}
    with pytest.raises(InputError) as info:
        worker_from_fields(row, post_keys=example_policy.post_keys)
    assert str(info.value) == f"{zh} / {en}"


def test_posts_and_codes_are_accepted_by_their_chinese_names(example_policy):
    row = {"worker_id": "T1", "post": "副职", "service_start": "2020-01-01", "education": "本科",
           "certificate": "社工师", "certificate_date": "2021-05-01", "assessment": "称职"}
    worker = worker_from_fields(row, post_keys=example_policy.post_keys, post_names=example_policy.post_names)
    assert (worker.post, worker.education, worker.certificate, worker.assessment) == (
        "DEPUTY", "BACHELOR", "SOCIAL_WORKER", "COMPETENT")
    assert worker_from_fields({**row, "post": " 书记 ", "certificate": "NONE"}, post_keys=example_policy.post_keys,
                              post_names=example_policy.post_names).post == "CHIEF"


def test_empty_codes_take_their_defaults(example_policy):
    worker = worker_from_fields({"worker_id": "T1", "post": "staff", "service_start": "2020-01-01",
                                 "education": "", "certificate": " ", "assessment": ""},
                                post_keys=example_policy.post_keys)
    assert (worker.post, worker.education, worker.certificate, worker.assessment) == ("STAFF", "SECONDARY", "NONE", None)
    assert worker.service_start == dt.date(2020, 1, 1)


def test_policy_adopted_mid_year_uses_opening_balances():
    # The city moves onto the system in July: the first version is 2026-07-01 and
    # the old system paid January–June (opening balances through 2026-06).
    doc = example_document()
    version = doc["versions"][1]
    version["effective_from"] = "2026-07-01"
    doc["versions"] = [version]
    policy = parse_policy(doc)
    slips = payslips(policy, "2026-07", "2026-12", post="STAFF", service_start="2020-01-01",
                     opening_through="2026-06", opening_months="6", opening_income="24000.00",
                     opening_deductions="4000.00", opening_tax="0", opening_reserve="3000.00")
    assert min(slips) == "2026-07"
    # December pays the old reserve too: 3000.00 + 6 × 737.62 (grade 3) = 7425.72
    assert slips["2026-12"]["performance_pay"] == yuan("7425.72")
    with pytest.raises(NoVersionInForce, match="no version is in force for 2026-01, which the year-to-date income tax "
                                               "of 2026-07 needs"):
        payslips(policy, "2026-07", "2026-12", post="STAFF", service_start="2020-01-01")


# --- revision 2 (▲) ------------------------------------------------------------------------------
# The example's 2026 version (base 40234.00) with the key under test; STAFF
# started 2023-01-01 is grade 2 in 2026 (grade pay 3520.48, tenure 60.00) and a
# STAFF started in 2026 is grade 1 (grade pay R(40234 / 12 = 3352.8333…) = 3352.83).

AMOUNTS = [f"{3000 + 100 * g}.00" for g in range(16)]


def test_grades_amounts_replace_coefficients():
    doc = example_document()
    version = copy.deepcopy(doc["versions"][1])
    version["effective_from"] = "2020-01-01"
    version["grades"] = {"amounts": AMOUNTS}
    doc["versions"] = [version]
    slip = payslips(parse_policy(doc), "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")["2026-01"]
    # grade 2: 3100.00; reserve R(3100 × 0.2) = 620.00; basic 2480.00
    assert (slip["grade"], slip["basic_pay"]) == (2, yuan("2480.00"))


def test_post_pay_adds_to_the_pay_base():
    policy = one_version_policy(posts__STAFF__post_pay="500.00")
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")["2026-01"]
    # pay_base 3520.48 + 500.00 = 4020.48; reserve R(804.096) = 804.10; basic 3216.38
    assert slip["basic_pay"] == yuan("3216.38")
    # W = 4020.48 + 60.00 = 4080.48 is above the 4000.00 floor: pension R(326.4384) = 326.44
    assert slip["si_base"] == yuan("4080.48") and slip["employee_pension"] == yuan("326.44")


@pytest.mark.parametrize("reserve,basic", [(False, "3017.55"), (True, "2414.04")])
def test_probation_reduces_the_pay_base_for_whole_months(reserve, basic):
    policy = one_version_policy(probation={"months": 3, "pay_share": "0.9", "reserve": reserve})
    # start 2026-01-31 + 3 months = 2026-04-30: January to April are on probation, May is not.
    slips = payslips(policy, "2026-02", "2026-05", post="STAFF", service_start="2026-01-31")
    # pay_base R(3352.83 × 0.9 = 3017.547) = 3017.55; with the reserve held: − R(603.51) = 2414.04
    assert [slips[p]["basic_pay"] for p in ("2026-02", "2026-04")] == [yuan(basic)] * 2
    # May: 3352.83 − R(670.566) = 2682.26, the reserve held again
    assert slips["2026-05"]["basic_pay"] == yuan("2682.26")
    # tenure and other allowances are paid in full; with prior service there is no probation
    prior = payslips(policy, "2026-02", "2026-02", post="STAFF", service_start="2026-01-31", prior_service_years="1")
    assert prior["2026-02"]["basic_pay"] == yuan("2682.26")


def test_probation_ending_past_the_end_of_a_month_ends_on_its_last_day():
    policy = one_version_policy(probation={"months": 1, "pay_share": "0.5"})
    # 2026-01-31 + 1 month = 2026-02-28: February (P1 2026-02-01 < 02-28) is still on probation
    slips = payslips(policy, "2026-01", "2026-03", post="STAFF", service_start="2026-01-31")
    # pay_base R(3352.83 × 0.5 = 1676.415) = 1676.42 in full; January has 1 day: R(1676.42 / 31) = 54.08
    assert slips["2026-01"]["basic_pay"] == yuan("54.08")
    assert slips["2026-02"]["basic_pay"] == yuan("1676.42")
    assert slips["2026-03"]["basic_pay"] == yuan("2682.26")


def test_withheld_monthly_is_a_fixed_reserve_paid_out_in_december():
    doc = example_document()
    version = copy.deepcopy(doc["versions"][1])
    version["effective_from"] = "2020-01-01"
    del version["performance"]["withheld_share"]
    version["performance"]["withheld_monthly"] = {"STAFF": "100.00"}
    doc["versions"] = [version]
    slips = payslips(parse_policy(doc), "2026-01", "2026-12", post="STAFF", service_start="2023-01-01")
    # withheld_share defaults to 0: the whole grade pay is basic pay; 100.00 a month accrues on top
    assert slips["2026-01"]["basic_pay"] == yuan("3520.48")
    # W = 3520.48 + 100.00 + 60.00 = 3680.48 (below the floor: 4000.00); December pays 12 × 100.00 × 1.00
    assert slips["2026-12"]["performance_pay"] == yuan("1200.00")
    # a post not in the map holds none
    deputy = payslips(parse_policy(doc), "2026-12", "2026-12", post="DEPUTY", service_start="2023-01-01")
    assert deputy["2026-12"]["performance_pay"] == 0


def test_fixed_allowances_by_post_and_prorated_as_one_amount():
    policy = one_version_policy(allowances__fixed=[
        {"code": "LIVING", "title": "生活补贴", "amount": "600.00"},
        {"code": "TRAFFIC", "title": "交通补贴", "amount": "0.50"},
        {"code": "ROLE", "title": "职务补贴", "amount": "300.00", "posts": ["CHIEF"]},
    ])
    slips = payslips(policy, "2026-01", "2026-02", post="STAFF", service_start="2026-01-17")
    # January: 15 of 31 days of 600.50 → R(290.5645…) = 290.56 (not 290.32 + 0.24)
    assert slips["2026-01"]["fixed_allowances"] == yuan("290.56")
    assert slips["2026-02"]["fixed_allowances"] == yuan("600.50")
    chief = payslips(policy, "2026-02", "2026-02", post="CHIEF", service_start="2026-01-01")
    assert chief["2026-02"]["fixed_allowances"] == yuan("900.50")


def test_promotion_counted_in_january():
    start = dict(post="STAFF", service_start="2023-06-01")
    anniversary = payslips(one_version_policy(), "2026-05", "2026-06", **start)
    january = payslips(one_version_policy(promotion__counting="JANUARY"), "2026-05", "2026-06", **start)
    # at the anniversary: 2 years in May, 3 in June; counted each January: 2 years all 2026
    assert [anniversary[p]["counted_years"] for p in ("2026-05", "2026-06")] == [2, 3]
    assert [january[p]["counted_years"] for p in ("2026-05", "2026-06")] == [2, 2]
    assert january["2026-06"]["tenure_allowance"] == yuan("40.00")


def test_certificate_counts_from_the_next_month():
    fields = dict(post="STAFF", service_start="2019-01-01", certificate="SOCIAL_WORKER", certificate_date="2026-05-10")
    same = payslips(one_version_policy(), "2026-05", "2026-06", **fields)
    after = payslips(one_version_policy(certificate_counts_from="NEXT_MONTH"), "2026-05", "2026-06", **fields)
    assert same["2026-05"]["certificate_allowance"] == yuan("200.00")
    assert after["2026-05"]["certificate_allowance"] == 0 and after["2026-05"]["grade"] == 3
    assert after["2026-06"]["certificate_allowance"] == yuan("200.00") and after["2026-06"]["grade"] == 4


def test_contribution_parts_and_rounding():
    policy = one_version_policy(
        social_insurance__employee__medical=[{"rate": "0.02"}, {"amount": "3.00"}],
        social_insurance__employer__work_injury=[{"rate": "0.002"}, {"rate": "0.0016"}],
    )
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")["2026-01"]
    # si_base 4000.00 (floor): 80.00 + 3.00; 8.00 + R(6.40) = 14.40
    assert slip["employee_medical"] == yuan("83.00")
    assert slip["employer_work_injury"] == yuan("14.40")


@pytest.mark.parametrize("mode,amount", [("FEN", "179.02"), ("YUAN", "179.00"), ("YUAN_UP", "180.00")])
def test_housing_fund_rounding(mode, amount):
    policy = one_version_policy(housing_fund__rounding=mode)
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")["2026-01"]
    # hf_base = W = 3520.48 + 60.00 = 3580.48; × 0.05 = 179.024
    assert slip["housing_fund_employee"] == slip["housing_fund_employer"] == yuan(amount)


def test_yuan_rounding_is_half_up_from_the_exact_product():
    policy = one_version_policy(social_insurance__rounding="YUAN", social_insurance__employee__unemployment="0.003125")
    slip = payslips(policy, "2026-01", "2026-01", post="STAFF", service_start="2023-01-01")["2026-01"]
    # 4000.00 × 0.003125 = 12.50 → 13 (half up), never 12
    assert slip["employee_unemployment"] == yuan("13.00")


def test_base_held_from_july_under_the_version_of_july(example_policy):
    doc = example_document()
    for version in doc["versions"]:
        version["housing_fund"]["base_month"] = 7
    policy = parse_policy(doc)
    # STAFF from 2023-09-01: July 2025 under the 2025 version: 1 year, grade 1,
    # R(38900 / 12) = 3241.67 + 20.00 = 3261.67 → R(163.0835) = 163.08 until June 2026;
    # July 2026: grade 1 under 2026, 3352.83 + 40.00 = 3392.83 → R(169.6415) = 169.64, held
    # after the grade rises in September (3580.48 would give 179.02).
    slips = payslips(policy, "2026-01", "2026-12", post="STAFF", service_start="2023-09-01")
    assert [slips[p]["housing_fund_employee"] for p in ("2026-01", "2026-06", "2026-07", "2026-10")] == [
        yuan("163.08"), yuan("163.08"), yuan("169.64"), yuan("169.64")]
    assert slips["2026-10"]["grade"] == 2


def test_held_base_of_a_late_starter_is_its_first_month():
    policy = one_version_policy(social_insurance__base_month=1, social_insurance__base_floor="0.00",
                                probation={"months": 2, "pay_share": "0.8"})
    # started 2026-03-10: the base is March's wage, a probation month: R(3352.83 × 0.8) = 2682.26
    slips = payslips(policy, "2026-03", "2026-06", post="STAFF", service_start="2026-03-10")
    assert {slips[p]["si_base"] for p in ("2026-03", "2026-06")} == {yuan("2682.26")}


def test_held_base_before_the_first_version_uses_the_earliest(example_policy):
    doc = example_document()
    doc["versions"][0]["social_insurance"]["base_month"] = 7
    policy = parse_policy(doc)
    # January 2025: base month 2024-07, before the first version (2025-01-01): its figures,
    # STAFF from 2020-01-01: 4 years at 2024-07 → grade 2, R(38900 × 1.05 / 12) = 3403.75 + 80.00
    slips = payslips(policy, "2025-01", "2025-01", post="STAFF", service_start="2020-01-01")
    assert slips["2025-01"]["si_base"] == yuan("3800.00")  # 3483.75 is below the 2025 floor 3800.00
    low = parse_policy({**doc, "versions": [dict(doc["versions"][0], social_insurance={
        **doc["versions"][0]["social_insurance"], "base_floor": "0.00"})]})
    assert payslips(low, "2025-01", "2025-01", post="STAFF", service_start="2020-01-01")["2025-01"]["si_base"] == \
        yuan("3483.75")


@pytest.mark.parametrize("rule,january,july_starter", [
    ("", "67.49", "79.56"), ("MONTHLY", "67.49", "79.56"), ("FULL_YEAR", "0.00", "0.00"), ("FROM_JANUARY", "67.49", "0.00"),
])
def test_tax_basic_deduction_rules(example_policy, rule, january, july_starter):
    fields = dict(post="CHIEF", previous_monthly_pay="10000.00", tax_basic_deduction=rule)
    # From 2000: 26 years, grade 13: R(40234 × 1.82 / 12) = 6102.16, basic 4881.73, tenure 520.00,
    # difference 10000.00 − 6622.16 = 3377.84: gross 8779.57; contributions on 10000.00: 1530.00.
    # January: 8779.57 − 1530.00 − 5000.00 × (1, 12 or 1) = 2249.57 → R(67.4871) = 67.49, or 0.
    slips = payslips(example_policy, "2026-01", "2026-01", service_start="2000-01-01", **fields)
    assert slips["2026-01"]["income_tax"] == yuan(january)
    # Started 2026-07-01, grade 5: gross 3272.37 + 5909.54 = 9181.91; − 1530.00 − 5000.00 × (1, 12 or 7):
    # 2651.91 → R(79.5573) = 79.56 per month of employment, nothing from January or for the full year.
    late = payslips(example_policy, "2026-07", "2026-07", service_start="2026-07-01", **fields)
    assert late["2026-07"]["income_tax"] == yuan(july_starter)


def test_bonus_tax_method_of_the_worker_overrides_the_policy(example_policy):
    # W001 of the example: SEPARATE by policy gives bonus_tax 477.98 in December;
    # COMBINED joins the payout to income, whose cumulative taxable stays 0.
    fields = dict(post="CHIEF", service_start="2012-03-01", education="BACHELOR", certificate="SOCIAL_WORKER",
                  certificate_date="2018-06-20", assessment="EXCELLENT", special_deduction_monthly="2000.00")
    separate = payslips(example_policy, "2026-12", "2026-12", **fields)["2026-12"]
    combined = payslips(example_policy, "2026-12", "2026-12", bonus_tax_method="COMBINED", **fields)["2026-12"]
    assert (separate["bonus_tax"], separate["net"]) == (yuan("477.98"), yuan("19610.04"))
    assert (combined["bonus_tax"], combined["income_tax"], combined["net"]) == (0, 0, yuan("20088.02"))
