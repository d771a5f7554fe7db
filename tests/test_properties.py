"""The vectorized engine against the scalar reference, on random policies and workers."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payroll.budget import annual_employer_cost
from payroll.csvio import payslips_csv
from payroll.engine import compute_periods
from payroll.periods import Period
from payroll.policy import parse_policy
from payroll.workers import Population, worker_from_fields

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


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
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
