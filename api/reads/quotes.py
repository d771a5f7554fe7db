"""The salary calculator (``salaryQuote``): one real or hypothetical worker and
month, with the explanation of every line.  Writes nothing.

For a real worker the year so far comes from the stored payslips (the latest
of the year before the month), continued with the engine over any months not
yet run; for a hypothetical worker, or a real one without payslips this
year, the engine computes the year from January (or the opening month).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np

from payroll.engine import MonthResult, YearState, compute_month, compute_year_state
from payroll.explain import Explanation, explain_result
from payroll.money import format_fen
from payroll.periods import Period
from payroll.policy import Policy
from payroll.texts import join
from payroll.workers import (
    MONTHLY_AMOUNT_FIELDS,
    SERVICE_FIELDS,
    InputError,
    Population,
    WorkerInput,
    worker_from_fields,
)

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Assessment, Payslip, Worker
from api.errors import BadRequest, NotFound, UserErrors, camel
from api.reads.policies import jurisdiction_of_community, require_active_policy


@dataclass
class Quote:
    worker_pk: int | None
    worker: WorkerInput
    result: MonthResult
    explanation: Explanation
    post_keys: tuple[str, ...]


def _salary_fields(worker: Worker | WorkerInput, worker_id: str, incompetent_years: int,
                   assessment: str | None) -> dict[str, Any]:
    """The fields of :func:`worker_from_fields` (amounts as yuan text) of a stored worker or a worker input."""
    return {
        "worker_id": worker_id,
        **{name: getattr(worker, name) for name in SERVICE_FIELDS},
        # worker_from_fields reads amounts as yuan text
        **{name: None if getattr(worker, name) is None else format_fen(getattr(worker, name))
           for name in MONTHLY_AMOUNT_FIELDS},
        "incompetent_years": incompetent_years,
        "assessment": assessment,
    }


def worker_input(worker: Worker, year: int) -> WorkerInput:
    assessments = {a.year: a.result for a in Assessment.select().where(Assessment.worker == worker.id)}
    incompetent = worker.incompetent_years_before + sum(1 for y, r in assessments.items() if y < year and r == "INCOMPETENT")
    fields = {
        **_salary_fields(worker, worker.code, incompetent, assessments.get(year)),
        "opening_through": worker.opening_through,
        "opening_months": worker.opening_months if worker.opening_through else None,
        "opening_income": format_fen(worker.opening_income) if worker.opening_through else None,
        "opening_deductions": format_fen(worker.opening_deductions) if worker.opening_through else None,
        "opening_tax": format_fen(worker.opening_tax) if worker.opening_through else None,
        "opening_reserve": format_fen(worker.opening_reserve) if worker.opening_through else None,
    }
    return worker_from_fields(fields)


def _input_problems(exc: InputError) -> BadRequest:
    """The problems of a quote's input, each naming its field (``input.post：… / input.post: …``)."""
    return BadRequest(str(join(p.text.about(f"input.{camel(p.field)}") for p in exc.problems)))


def _apply_overrides(worker: WorkerInput, overrides: Mapping[str, Any], policy: Policy) -> WorkerInput:
    if not overrides:
        return worker
    fields = _salary_fields(worker, worker.worker_id, worker.incompetent_years, worker.assessment)
    for key, value in overrides.items():
        fields[key] = format_fen(value) if key in ("special_deduction_monthly", "previous_monthly_pay") and value is not None else value
    try:
        updated = worker_from_fields(fields, post_keys=policy.post_keys, post_names=policy.post_names)
    except InputError as exc:
        raise _input_problems(exc) from None
    return replace(updated, opening=worker.opening)


def quote(principal: Principal, period: Period, worker_pk: int | None, overrides: Mapping[str, Any],
          jurisdiction_pk: int | None = None) -> Quote:
    """Compute one month for a real (``worker_pk``, visible to the principal,
    under its jurisdiction's policy) or hypothetical worker (under the
    policy in force for ``jurisdiction_pk``, or the one active policy)."""
    row = None
    if worker_pk is not None:
        query = Worker.select().where(Worker.id == worker_pk)
        scope = scopes.workers(principal)
        row = (query.where(scope) if scope is not None else query).first()
        if row is None:
            raise NotFound(f"input.workerId：工作者 {worker_pk} 不存在 / input.workerId: worker {worker_pk} does not "
                             "exist")
        jurisdiction_pk = jurisdiction_of_community(row.community_id)
    try:
        _, policy = require_active_policy(jurisdiction_pk)
    except UserErrors as exc:
        raise BadRequest(str(exc)) from None
    if row is not None:
        worker = _apply_overrides(worker_input(row, period.year), overrides, policy)
    else:
        fields = {"worker_id": "(hypothetical)", **{k: v for k, v in overrides.items()}}
        for key in ("special_deduction_monthly", "previous_monthly_pay"):
            if fields.get(key) is not None:
                fields[key] = format_fen(fields[key])
        if "service_start" not in fields:
            fields["service_start"] = period.first
        try:
            worker = worker_from_fields(fields, post_keys=policy.post_keys, post_names=policy.post_names)
        except InputError as exc:
            raise _input_problems(exc) from None
    population = Population.from_workers([worker], policy.post_keys)
    # A month before the policy's first version is refused before any month is replayed.
    try:
        version = policy.version_for(period)
    except LookupError as exc:
        raise BadRequest(str(exc)) from None
    state = _state_before(policy, population, period, worker_pk)
    result, _ = compute_month(version, population, period, state)
    explanation = explain_result(policy, result, 0, worker)
    if explanation is None:
        raise BadRequest(f"工作者 {worker.worker_id} 在 {period} 不在职（当月无工资条）/ worker {worker.worker_id} is not in "
                         f"service in {period} (no payslip that month)")
    return Quote(worker_pk, worker, result, explanation, policy.post_keys)


def _state_before(policy, population: Population, period: Period, worker_pk: int | None) -> YearState:
    if worker_pk is not None:
        last = (
            Payslip.select()
            .where((Payslip.worker == worker_pk) & (Payslip.period >= f"{period.year:04d}-01") & (Payslip.period < str(period)))
            .order_by(Payslip.period.desc())
            .first()
        )
        if last is not None:
            state = YearState(
                *(np.array([getattr(last, f"ytd_{name}")], dtype=np.int64)
                  for name in ("tax_months", "income", "deductions", "tax", "reserve"))
            )
            # Continue with the engine over months not yet run.
            for index in range(Period.parse(last.period).index + 1, period.index):
                month = Period.from_index(index)
                _, state = compute_month(policy.version_for(month), population, month, state)
            return state
    return compute_year_state(policy, population, period)

