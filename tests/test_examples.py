"""The spec's examples, to the fen, through the command line and the Python API."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from payroll.budget import compute_budget, parse_base_income_growth
from payroll.corrections import compute_corrections
from payroll.csvio import payslips_csv, read_communities, read_paid_payslips, read_population, read_workers
from payroll.engine import compute_month
from payroll.money import RateRangeError
from payroll.months import compute_periods
from payroll.periods import Period
from payroll.policy import load_policy
from payroll.staffing import compute_staffing
from payroll.workers import Population

from .conftest import EXAMPLE_POLICY, EXAMPLES

WORKERS = str(EXAMPLES / "workers.csv")
COMMUNITIES = str(EXAMPLES / "communities.csv")


def expected(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the installed console script (the way users run it)."""
    script = Path(sys.executable).with_name("community-payroll")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_quote_cli_reproduces_payslips_2026():
    run = cli("quote", "--policy", str(EXAMPLE_POLICY), "--workers", WORKERS, "--from", "2026-01", "--to", "2026-12")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected("payslips-2026.csv")


def test_staffing_cli_reproduces_example():
    run = cli("staffing", "--policy", str(EXAMPLE_POLICY), "--communities", COMMUNITIES, "--workers", WORKERS,
              "--date", "2026-11-01")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected("staffing-2026-11-01.csv")


def test_budget_cli_reproduces_example():
    run = cli("budget", "--policy", str(EXAMPLE_POLICY), "--communities", COMMUNITIES, "--workers", WORKERS,
              "--year", "2027", "--base-income-growth", "0.05")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected("budget-2027-growth-5pct.csv")


def test_cli_uses_the_shipped_example_policy_and_workers_by_default():
    run = cli("quote", "--from", "2026-01", "--to", "2026-12")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected("payslips-2026.csv")
    assert "shipped example" in run.stderr


def test_python_api_reproduces_payslips(example_policy):
    workers = read_workers(WORKERS, example_policy.post_keys).rows
    population = Population.from_workers(workers, example_policy.post_keys)
    months = list(compute_periods(example_policy, population, Period(2026, 1), Period(2026, 12)))
    assert payslips_csv(months, population.ids, example_policy.post_keys) == expected("payslips-2026.csv")


def test_progress_is_told_once_per_block_and_changes_nothing(example_policy):
    workers = read_workers(WORKERS, example_policy.post_keys).rows
    population = Population.from_workers(workers, example_policy.post_keys)
    told: list[tuple[int, int]] = []
    months = list(compute_periods(example_policy, population, Period(2026, 1), Period(2026, 12), chunk_size=4,
                                  progress=lambda done, total: told.append((done, total))))
    assert told == [(4, 6), (6, 6)]
    assert payslips_csv(months, population.ids, example_policy.post_keys) == expected("payslips-2026.csv")
    told.clear()
    communities = read_communities(COMMUNITIES).rows
    rows = compute_budget(example_policy, communities, workers, 2027, 50_000, lambda *event: told.append(event))
    assert told == [(6, 6)] and sum(r.total for r in rows) > 0


def test_budget_growth_outside_the_range_is_refused_with_the_percentage_hint(example_policy):
    workers = read_workers(WORKERS, example_policy.post_keys).rows
    communities = read_communities(COMMUNITIES).rows
    with pytest.raises(RateRangeError) as info:
        compute_budget(example_policy, communities, workers, 2027, growth=5_000_000)  # "5": 500 %
    assert info.value.text.zh == ("5 超出允许范围 -50 % 至 100 %（-0.5 至 1），比率须写成小数，如 0.05 表示 5 %；是否指 5 %"
                                  "（0.05）？")
    assert info.value.text.en == ("5 is outside the accepted range -50 % to 100 % (-0.5 to 1); give the rate as a "
                                  "decimal, e.g. 0.05 for 5 %; did you mean 5 % (0.05)?")
    assert parse_base_income_growth("-0.5") == -500_000 and parse_base_income_growth("1") == 1_000_000
    with pytest.raises(RateRangeError) as info:
        parse_base_income_growth("-0.6")
    assert str(info.value) == ("-0.6 超出允许范围 -50 % 至 100 %（-0.5 至 1） / -0.6 is outside the accepted range "
                               "-50 % to 100 % (-0.5 to 1)")
    with pytest.raises(RateRangeError, match=r"是否指 -2 %（-0.02）？.*did you mean -2 % \(-0.02\)\?$"):
        parse_base_income_growth("-2")
    with pytest.raises(RateRangeError) as info:
        parse_base_income_growth("150")  # 150 % is outside the range too: no hint
    assert "是否指" not in str(info.value) and "give the rate as a decimal" in str(info.value)


def test_python_api_reproduces_staffing(example_policy):
    workers = read_workers(WORKERS, example_policy.post_keys).rows
    communities = read_communities(COMMUNITIES).rows
    rows = compute_staffing(example_policy, communities, workers, dt.date(2026, 11, 1))
    c01 = rows[0]
    assert (c01.required, c01.chief_required, c01.deputy_required, c01.staff_required) == (15, 1, 2, 12)
    assert (c01.chief_actual, c01.deputy_actual, c01.staff_actual, c01.gap, c01.grids) == (1, 1, 1, 12, 9)
    assert c01.residents_per_worker == "2600.0"
    assert rows[2].residents_per_worker == ""
    lines = ["community_id,required,chief_required,deputy_required,staff_required,chief_actual,deputy_actual,"
             "staff_actual,gap,grids,residents_per_worker"] + [",".join(r.as_csv()) for r in rows]
    assert "\n".join(lines) + "\n" == expected("staffing-2026-11-01.csv")


def test_python_api_reproduces_budget(example_policy):
    workers = read_workers(WORKERS, example_policy.post_keys).rows
    communities = read_communities(COMMUNITIES).rows
    rows = compute_budget(example_policy, communities, workers, 2027, growth=50_000)
    lines = ["community_id,year,workers_cost,vacancy_cost,funds,total"] + [",".join(r.as_csv()) for r in rows]
    assert "\n".join(lines) + "\n" == expected("budget-2027-growth-5pct.csv")


@pytest.mark.parametrize("start,end", [("2026-06", "2026-12"), ("2026-12", "2026-12")])
def test_quote_from_mid_year_computes_the_year_from_january(start, end, example_policy):
    """The cumulative tax of a month does not depend on where the quote starts."""
    run = cli("quote", "--workers", WORKERS, "--from", start, "--to", end)
    assert run.returncode == 0, run.stderr
    full = expected("payslips-2026.csv").splitlines()
    wanted = [full[0]] + [line for line in full[1:] if start <= line.split(",")[1] <= end]
    assert run.stdout.splitlines() == wanted


# --- revision 2 ---------------------------------------------------------------------

FIXED_POLICY = str(EXAMPLES / "policy-fixed-amounts.yaml")
CORRECTIONS = EXAMPLES / "corrections"


@pytest.mark.parametrize(
    "policy,workers,payslips",
    [
        (FIXED_POLICY, "workers-fixed-amounts.csv", "payslips-fixed-amounts-2026.csv"),
        (str(EXAMPLE_POLICY), "workers-tax-rules.csv", "payslips-tax-rules-2026.csv"),
    ],
)
def test_quote_cli_reproduces_the_revision_2_examples(policy, workers, payslips):
    run = cli("quote", "--policy", policy, "--workers", str(EXAMPLES / workers), "--from", "2026-01", "--to", "2026-12")
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected(payslips)


@pytest.mark.parametrize(
    "policy,workers,payslips",
    [
        (FIXED_POLICY, "workers-fixed-amounts.csv", "payslips-fixed-amounts-2026.csv"),
        (str(EXAMPLE_POLICY), "workers-tax-rules.csv", "payslips-tax-rules-2026.csv"),
    ],
)
def test_python_api_reproduces_the_revision_2_examples(policy, workers, payslips):
    loaded = load_policy(policy)
    population = read_population(str(EXAMPLES / workers), loaded.post_keys).population
    months = compute_periods(loaded, population, Period(2026, 1), Period(2026, 12), chunk_size=1)
    assert payslips_csv(months, population.ids, loaded.post_keys) == expected(payslips)


def test_quote_cli_with_paid_reproduces_the_corrections_example():
    run = cli("quote", "--policy", str(EXAMPLE_POLICY), "--workers", str(CORRECTIONS / "workers-corrected.csv"),
              "--from", "2026-04", "--to", "2026-12", "--paid", str(CORRECTIONS / "paid-2026-01-to-03.csv"))
    assert run.returncode == 0, run.stderr
    assert run.stdout == (CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_python_api_with_paid_reproduces_the_corrections_example(example_policy, chunk_size):
    population = read_population(str(CORRECTIONS / "workers-corrected.csv"), example_policy.post_keys).population
    paid = read_paid_payslips(str(CORRECTIONS / "paid-2026-01-to-03.csv"), population.ids.tolist())
    months = list(compute_periods(example_policy, population, Period(2026, 4), Period(2026, 12),
                                  chunk_size=chunk_size, paid=paid))
    assert payslips_csv(months, population.ids, example_policy.post_keys) == (
        CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8")


def test_corrections_example_back_pay_detail(example_policy):
    """W002's degree was corrected: January–March differ; W007 was entered late:
    February and March were never paid."""
    population = read_population(str(CORRECTIONS / "workers-corrected.csv"), example_policy.post_keys).population
    paid = read_paid_payslips(str(CORRECTIONS / "paid-2026-01-to-03.csv"), population.ids.tolist())
    corrections = compute_corrections(example_policy, population, paid, Period(2026, 4))
    assert corrections.window_start == Period(2026, 1)
    ids = population.ids.tolist()
    w007 = corrections.detail.months_of(ids.index("W007"))
    assert [(str(m.period), m.old) for m in w007] == [("2026-02", 0), ("2026-03", 0)]
    assert sum(m.difference for m in w007) == corrections.back_pay[ids.index("W007")] == 556452
    w002 = corrections.detail.months_of(ids.index("W002"))
    assert [str(m.period) for m in w002] == ["2026-01", "2026-02", "2026-03"]
    assert all(m.old == 342386 for m in w002)
    assert sum(m.difference for m in w002) == 110832
    assert not corrections.correction_only.any()
    # W006's months up to its opening_through (2026-03) are outside the window.
    assert corrections.detail.months_of(ids.index("W006")) == ()
    assert int(corrections.state.tax_months[ids.index("W007")]) == 2  # unpaid months with service count in n


def test_paid_file_without_the_revision_2_columns_reads_them_as_zero(tmp_path, example_policy):
    text = (CORRECTIONS / "paid-2026-01-to-03.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    keep = [i for i, h in enumerate(header) if h not in ("fixed_allowances", "back_pay")]
    old = tmp_path / "paid-rev1.csv"
    old.write_text("\n".join(",".join(line.split(",")[i] for i in keep) for line in text) + "\n", encoding="utf-8")
    run = cli("quote", "--workers", str(CORRECTIONS / "workers-corrected.csv"), "--from", "2026-04", "--to", "2026-12",
              "--paid", str(old))
    assert run.returncode == 0, run.stderr
    assert run.stdout == (CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8")


def test_one_month_at_a_time_as_the_service_computes_it(example_policy):
    """compute_corrections then compute_month: April of the corrections example."""
    population = read_population(str(CORRECTIONS / "workers-corrected.csv"), example_policy.post_keys).population
    paid = read_paid_payslips(str(CORRECTIONS / "paid-2026-01-to-03.csv"), population.ids.tolist())
    april = Period(2026, 4)
    corrections = compute_corrections(example_policy, population, paid, april)
    result, _ = compute_month(example_policy.version_for(april), population, april, corrections.state,
                              back_pay=corrections.back_pay)
    lines = payslips_csv([result], population.ids, example_policy.post_keys).splitlines()
    expected = (CORRECTIONS / "payslips-2026-04-to-12.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [expected[0]] + [line for line in expected[1:] if line.split(",")[1] == "2026-04"]
