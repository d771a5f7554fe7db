"""Explanations: every amount with its rule and figures, Chinese first, and
the same values as the payslips."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from payroll.corrections import compute_corrections
from payroll.csvio import read_paid_payslips, read_population, read_workers
from payroll.engine import YearState
from payroll.explain import explain_month, explain_result, explain_stored_payslip
from payroll.months import compute_periods
from payroll.periods import Period
from payroll.policy import load_policy

from .conftest import EXAMPLE_POLICY, EXAMPLES

CORRECTIONS = EXAMPLES / "corrections"
RULE_BOOK = Path(__file__).resolve().parent.parent / "docs" / "salary-model.md"
CASES = [
    (EXAMPLE_POLICY, EXAMPLES / "workers.csv", None),
    (EXAMPLE_POLICY, EXAMPLES / "workers-tax-rules.csv", None),
    (EXAMPLES / "policy-fixed-amounts.yaml", EXAMPLES / "workers-fixed-amounts.csv", None),
    (EXAMPLE_POLICY, CORRECTIONS / "workers-corrected.csv", CORRECTIONS / "paid-2026-01-to-03.csv"),
]


def explanations(policy_path, workers_path, paid_path):
    """(explanation, payslip values) of every payslip of a year (from April with paid months)."""
    policy = load_policy(policy_path)
    workers = read_workers(workers_path, policy.post_keys).rows
    population = read_population(workers_path, policy.post_keys).population
    paid = read_paid_payslips(paid_path, population.ids.tolist()) if paid_path else None
    start = Period(2026, 4) if paid_path else Period(2026, 1)
    for month in compute_periods(policy, population, start, Period(2026, 12), paid=paid):
        for i in np.flatnonzero(month.paid).tolist():
            yield explain_result(policy, month, i, workers[i]), month, i


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[1].name)
def test_every_explained_value_is_the_payslip_value(case):
    count = 0
    for explanation, month, i in explanations(*case):
        for line in explanation.lines:
            if line.item in ("standard_wage", "pay_base", "performance_reserve"):
                continue  # full-month amounts, not payslip columns
            column = month.column(line.item)[i]
            expected = str(int(column)) if line.item in ("grade", "counted_years", "days") else \
                f"{int(column) // 100 if column >= 0 else -(-int(column) // 100)}"
            assert line.value.split(".")[0].lstrip("-") == expected.lstrip("-"), (explanation.worker_id, line)
            count += 1
    assert count > 500


_ENGLISH_WORD = re.compile(r"(?<![\w.\[])[a-z]{3,}(?![\w.(\[]| =)")  # names assigned (steps = …) are not words
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[1].name)
def test_every_text_is_chinese_first_then_english(case):
    for explanation, _, _ in explanations(*case):
        for line in explanation.lines:
            for text in (line.formula, line.calculation):
                english = _ENGLISH_WORD.search(text)
                if english is None:
                    continue  # a formula or a calculation of numbers and names only
                chinese = _CHINESE.search(text)
                assert chinese is not None and chinese.start() < english.start(), (line.item, text)


def correction_only_explanation(tmp_path, example_policy):
    """W004's service_end corrected to 2026-02-10 after January–March were paid:
    April carries only the amount taken back."""
    text = (CORRECTIONS / "workers-corrected.csv").read_text(encoding="utf-8").replace("2026-08-20", "2026-02-10")
    path = tmp_path / "workers.csv"
    path.write_text(text, encoding="utf-8")
    workers = read_workers(path, example_policy.post_keys).rows
    population = read_population(path, example_policy.post_keys).population
    paid = read_paid_payslips(CORRECTIONS / "paid-2026-01-to-03.csv", population.ids.tolist())
    april = next(compute_periods(example_policy, population, Period(2026, 4), Period(2026, 4), paid=paid))
    w004 = population.ids.tolist().index("W004")
    assert april.correction_only[w004]
    return explain_result(example_policy, april, w004, workers[w004])


def test_correction_only_payslip_is_explained(tmp_path, example_policy):
    explanation = correction_only_explanation(tmp_path, example_policy)
    assert [line.item for line in explanation.lines] == [
        "counted_years", "grade", "days", "back_pay", "gross", "income_tax", "net", "employer_cost"]
    assert explanation.line("days").rule == "§13.3"
    assert explanation.line("back_pay").calculation == (
        "2026-01: 应发 4,370.13 → 4,294.73, 差额 -75.40；2026-02: 应发 4,370.13 → 2,516.70, 差额 -1,853.43；"
        "2026-03: 应发 4,370.13 → 0.00, 差额 -4,370.13；合计 total -6,298.96"
    )
    assert explanation.line("gross").value == explanation.line("net").value == "-6298.96"


def test_every_rule_cited_is_a_section_of_the_rule_book(tmp_path, example_policy):
    headings = set(re.findall(r"^#+ (§[\d.]+)", RULE_BOOK.read_text(encoding="utf-8"), flags=re.M))
    cited = set()
    for case in CASES:
        for explanation, _, _ in explanations(*case):
            for line in explanation.lines:
                cited.update(r.strip() for r in line.rule.split(","))
    for line in correction_only_explanation(tmp_path, example_policy).lines:
        cited.update(r.strip() for r in line.rule.split(","))
    assert cited - headings == set()
    assert {"§4.2", "§4.3", "§4.8", "§8.2", "§8.3", "§8.4", "§9.2", "§9.3", "§13", "§13.3"} <= cited


def test_back_pay_is_explained_month_by_month(example_policy):
    workers = read_workers(CORRECTIONS / "workers-corrected.csv", example_policy.post_keys).rows
    population = read_population(CORRECTIONS / "workers-corrected.csv", example_policy.post_keys).population
    paid = read_paid_payslips(CORRECTIONS / "paid-2026-01-to-03.csv", population.ids.tolist())
    april = next(compute_periods(example_policy, population, Period(2026, 4), Period(2026, 4), paid=paid))
    line = explain_result(example_policy, april, 1, workers[1]).line("back_pay")
    assert line.rule == "§13"
    assert line.calculation == (
        "2026-01: 应发 3,423.86 → 3,793.30, 差额 +369.44；2026-02: 应发 3,423.86 → 3,793.30, 差额 +369.44；"
        "2026-03: 应发 3,423.86 → 3,793.30, 差额 +369.44；合计 total +1,108.32"
    )
    assert line.value == "1108.32"


def test_stored_payslip_is_explained_from_its_own_policy_snapshot(example_policy):
    """January was computed under the policy as it stood in March; explained
    from that snapshot, the stored inputs and a zero year-to-date, the
    explanation gives the amounts that were paid, whatever today's policy says."""
    snapshot = load_policy(CORRECTIONS / "policy-as-of-march.yaml")
    worker = read_workers(EXAMPLES / "workers.csv", snapshot.post_keys).rows[0]  # W001 as stored then
    explanation = explain_stored_payslip(snapshot, worker, Period(2026, 1), YearState.zeros(1))
    assert explanation.version_effective_from == "2025-01-01"
    assert explanation.line("gross").value == "4939.00"  # paid-2026-01-to-03.csv, W001 2026-01
    assert explanation.line("grade_pay").calculation == "38900.00 × 1.65 / 12 = 5348.75"


def test_stored_payslip_with_back_pay_detail(example_policy):
    population = read_population(CORRECTIONS / "workers-corrected.csv", example_policy.post_keys).population
    workers = read_workers(CORRECTIONS / "workers-corrected.csv", example_policy.post_keys).rows
    paid = read_paid_payslips(CORRECTIONS / "paid-2026-01-to-03.csv", population.ids.tolist())
    corrections = compute_corrections(example_policy, population, paid, Period(2026, 4))
    w007 = population.ids.tolist().index("W007")
    stored_state = corrections.state.take(np.array([w007]))
    explanation = explain_stored_payslip(example_policy, workers[w007], Period(2026, 4), stored_state,
                                         corrections.detail.months_of(w007))
    assert explanation.line("back_pay").value == "5564.52"
    assert explanation.line("gross").value == "8346.78"  # payslips-2026-04-to-12.csv, W007 2026-04
    assert explanation.line("income_tax").calculation.startswith("n = 3; cum_income = 8346.78;")


def test_fixed_amount_lines_name_their_rules_and_figures():
    policy = load_policy(EXAMPLES / "policy-fixed-amounts.yaml")
    workers = read_workers(EXAMPLES / "workers-fixed-amounts.csv", policy.post_keys).rows
    f01 = explain_month(policy, workers[0], Period(2026, 4))
    assert f01.line("fixed_allowances").calculation == "生活补贴 LIVING 600.00 + 书记主任职务补贴 ROLE_CHIEF 300.00 = 900.00；整月 / full month"
    assert f01.line("performance_reserve").calculation == "4060.00 × 0.1 = 406.00；+ 奖励绩效 fixed reserve 700.00 = 1106.00"
    assert "versions[0].performance.withheld_monthly.CHIEF" in [f.path for f in f01.line("performance_reserve").figures]
    assert f01.line("grade_pay").calculation == "第 12 级 / grade 12: 1260.00"
    assert f01.line("employee_medical").calculation == "5735.00 × 0.02 = 114.70 + 固定 fixed 3.00 = 117.70（四舍五入到分 / half up to the fen）"
    assert f01.line("housing_fund_employee").calculation.endswith("5735.00 × 0.07 = 401.45 → 401.00（四舍五入到元 / half up to the yuan）")
    assert "基数月 2025-07（每年 7 月核定，版本 2025-07-01）" in f01.line("si_base").calculation
    f02 = explain_month(policy, workers[1], Period(2026, 3))
    assert f02.line("pay_base").rule == "§4.2, §4.3"
    assert "2900.00 × 0.8 = 2320.00" in f02.line("pay_base").calculation
    assert "自1月起累计 FROM_JANUARY" in f02.line("income_tax").calculation
