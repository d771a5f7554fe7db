"""The spec's examples, to the fen, through the command line and the Python API."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from payroll.budget import compute_budget
from payroll.csvio import payslips_csv, read_communities, read_workers
from payroll.engine import compute_periods
from payroll.periods import Period
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
