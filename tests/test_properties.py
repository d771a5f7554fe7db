"""The vectorized engine against the scalar reference, on random policies and workers."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payroll.budget import annual_employer_cost
from payroll.corrections import PaidPayslips, compute_corrections
from payroll.csvio import payslips_csv
from payroll.months import compute_periods
from payroll.periods import Period
from payroll.policy import parse_policy
from payroll.workers import InputError, Population, worker_from_fields

from . import reference
from .strategies import policy_documents, worker_rows


@st.composite
def scenarios(draw):
    document = draw(policy_documents())
    posts = tuple(document["versions"][0]["posts"])
    rows = draw(worker_rows(posts, draw(st.integers(1, 6))))
    return document, rows


def _build(document, rows):
    policy = parse_policy(document)
    workers = [worker_from_fields(r, post_keys=policy.post_keys) for r in rows]
    return policy, workers


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_engine_matches_scalar_reference(scenario):
    policy, workers = _build(*scenario)
    population = Population.from_workers(workers, policy.post_keys)
    months = list(compute_periods(policy, population, Period(2025, 1), Period(2026, 12)))
    engine_rows = payslips_csv(months, population.ids, policy.post_keys).splitlines()[1:]
    reference_rows = [
        ",".join(reference.as_csv_row(r)) for r in reference.quote(policy, workers, (2025, 1), (2026, 12))
    ]
    assert engine_rows == reference_rows


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios(), st.integers(1, 12))
def test_a_quote_from_any_month_is_the_tail_of_the_year(scenario, first_month):
    policy, workers = _build(*scenario)
    population = Population.from_workers(workers, policy.post_keys)
    whole = payslips_csv(list(compute_periods(policy, population, Period(2026, 1), Period(2026, 12))),
                         population.ids, policy.post_keys).splitlines()
    tail = payslips_csv(list(compute_periods(policy, population, Period(2026, first_month), Period(2026, 12))),
                        population.ids, policy.post_keys).splitlines()
    assert tail == [whole[0]] + [line for line in whole[1:] if line.split(",")[1] >= f"2026-{first_month:02d}"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_budget_workers_cost_is_the_sum_of_reference_employer_costs(scenario):
    policy, workers = _build(*scenario)
    population = Population.from_workers(workers, policy.post_keys)
    per_worker = annual_employer_cost(policy, population, 2026)
    rows = reference.quote(policy, workers, (2026, 1), (2026, 12))
    expected = {w.worker_id: 0 for w in workers}
    for row in rows:
        expected[row["worker_id"]] += int(row["employer_cost"] * 100)
    assert per_worker.tolist() == [expected[w.worker_id] for w in workers]
    assert isinstance(per_worker, np.ndarray) and per_worker.dtype == np.int64
    assert dt.date(2026, 1, 1)  # the year computed


# --- §13 corrections ------------------------------------------------------------------

#: Worker fields a correction may change, with the fields that must change with them.
CORRECTABLE = (
    ("education",), ("incompetent_years",), ("prior_service_years",), ("assessment",), ("post",),
    ("certificate", "certificate_date"), ("service_start", "service_end"), ("service_end",),
    ("previous_monthly_pay",), ("special_deduction_monthly",),
)


@st.composite
def correction_scenarios(draw):
    """A policy and workers as known now; what was paid before month F under an
    older policy and older records (some workers entered late, some months
    unpaid); F."""
    document = draw(policy_documents())
    posts = tuple(document["versions"][0]["posts"])
    old_document = draw(policy_documents(posts=posts))
    count = draw(st.integers(1, 5))
    rows = draw(worker_rows(posts, count))
    alternatives = draw(worker_rows(posts, count))
    old_rows = []
    for row, other in zip(rows, alternatives):
        if draw(st.integers(0, 4)) == 0:
            continue  # entered late: nothing was paid
        old = dict(row)
        for group in draw(st.lists(st.sampled_from(CORRECTABLE), max_size=3)):
            old.update({field: other[field] for field in group})
        old_rows.append(old)
    first = Period.from_index(draw(st.integers(Period(2025, 2).index, Period(2026, 12).index)))
    window_start = Period.from_index(draw(st.integers(Period(2025, 1).index, first.index - 1)))
    unpaid = draw(st.sets(st.integers(0, 200), max_size=5))
    # Some paid payslips carried back pay of an earlier correction.
    earlier_back_pay = draw(st.dictionaries(st.integers(0, 200), st.integers(-50_000_00, 50_000_00), max_size=5))
    return document, rows, old_document, old_rows, window_start, first, (unpaid, earlier_back_pay)


def _paid_history(old_policy, old_workers, ids, window_start, first, changes):
    """The old quote of window_start … first − 1 as PaidPayslips (positions in ``ids``)
    and as the reference's dicts; rows numbered in ``unpaid`` were never paid,
    those in ``earlier_back_pay`` carried that back pay on top of their gross."""
    unpaid, earlier_back_pay = changes
    population = Population.from_workers(old_workers, old_policy.post_keys)
    end = Period.from_index(first.index - 1)
    columns = {name: [] for name in ("worker", "period", "gross", "back_pay", "performance_pay", "bonus_tax",
                                     "income_tax", "employee_contributions")}
    dicts = []
    number = 0
    for month in compute_periods(old_policy, population, window_start, end):
        for i in np.flatnonzero(month.paid).tolist():
            number += 1
            if number in unpaid:
                continue
            back_pay = earlier_back_pay.get(number, 0)
            values = {
                "gross": int(month.gross[i]) + back_pay, "back_pay": back_pay,
                "performance_pay": int(month.performance_pay[i]),
                "bonus_tax": int(month.bonus_tax[i]), "income_tax": int(month.income_tax[i]),
                "employee_contributions": int(month.employee_contributions[i]),
            }
            columns["worker"].append(ids.index(population.ids[i]))
            columns["period"].append(month.period.index)
            for name, value in values.items():
                columns[name].append(value)
            dicts.append({"worker_id": population.ids[i], "period": (month.period.year, month.period.month),
                          **{name: reference.yuan(value) for name, value in values.items()}})
    return PaidPayslips(**columns), dicts


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(correction_scenarios(), st.sampled_from([None, 2]))
def test_back_pay_matches_scalar_reference(scenario, chunk_size):
    document, rows, old_document, old_rows, window_start, first, changes = scenario
    policy, workers = _build(document, rows)
    old_policy = parse_policy(old_document)
    old_workers = []
    for row in old_rows:
        try:
            old_workers.append(worker_from_fields(row, post_keys=old_policy.post_keys))
        except InputError:  # the combination drawn is not a valid record: it was not changed
            old_workers.append(worker_from_fields(next(r for r in rows if r["worker_id"] == row["worker_id"]),
                                                  post_keys=old_policy.post_keys))
    population = Population.from_workers(workers, policy.post_keys)
    paid, paid_dicts = _paid_history(old_policy, old_workers, population.ids.tolist(), window_start, first, changes)
    end = Period(first.year, 12)
    months = list(compute_periods(policy, population, first, end, chunk_size=chunk_size, paid=paid))
    engine_rows = payslips_csv(months, population.ids, policy.post_keys).splitlines()[1:]
    expected = reference.quote(policy, workers, (first.year, first.month), (end.year, end.month), paid=paid_dicts)
    assert engine_rows == [",".join(reference.as_csv_row(r)) for r in expected]
    # The detail adds up to the back pay of each worker's first payslip.
    corrections = compute_corrections(policy, population, paid, first)
    for i in range(len(population)):
        assert sum(m.difference for m in corrections.detail.months_of(i)) == corrections.back_pay[i]
