"""Reading payroll: runs, payslips, their explanations, the months with
payslips and the totals of a month — limited to the caller's scope.

A payslip is visible by the street and community it was paid for (stored with
it), a run by its street or community (:mod:`api.access.scopes`).  Totals
add up only the visible payslips; a run's own totals are shown only with
the run, which is visible only when all of it is.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import peewee as pw

from payroll.corrections import BackPayMonth
from payroll.engine import YearState
from payroll.explain import Explanation, explain_stored_payslip
from payroll.periods import Period
from payroll.workers import STORED_INPUTS, WorkerInput

from api.access import scopes
from api.access.principal import Principal
from api.db.models import PAYSLIP_MONEY, PayrollRun, Payslip, Worker
from api.db.models import Policy as PolicyRecord
from api.fastpath.pages import Listing, OrderKey
from api.fastpath.views import GLOBAL_ID, MONEY, Column, Relation, View
from api.reads.common import Ordering, filter_text, order_keys
from api.reads.policies import policy_from_document, policy_from_record
from api.reads.records import COMMUNITY, STREET, WORKER

RUN = View("PayrollRun", PayrollRun, scopes.runs, columns={
    "id": Column(PayrollRun.id, GLOBAL_ID),
    "period": PayrollRun.period,
    "payslip_count": PayrollRun.payslip_count,
    **{name: Column(getattr(PayrollRun, name), MONEY)
       for name in ("gross", "net", "income_tax", "employee_contributions", "employer_cost")},
})

#: What a payslip shows (the inputs and year-to-date totals stored with it are
#: read by its explanation, by id).
PAYSLIP_FIELDS = (
    Payslip.id, Payslip.run, Payslip.worker, Payslip.community, Payslip.street, Payslip.period, Payslip.post,
    Payslip.grade, Payslip.counted_years, Payslip.days, *(getattr(Payslip, name) for name in PAYSLIP_MONEY),
)

PAYSLIP = View("Payslip", Payslip, scopes.payslips, fields=PAYSLIP_FIELDS, columns={
    "id": Column(Payslip.id, GLOBAL_ID),
    "period": Payslip.period,
    "post": Payslip.post,
    "grade": Payslip.grade,
    "counted_years": Payslip.counted_years,
    "days": Payslip.days,
    **{name: Column(getattr(Payslip, name), MONEY) for name in PAYSLIP_MONEY},
}, relations={
    "worker": Relation(Payslip.worker, WORKER),
    "community": Relation(Payslip.community, COMMUNITY),
    "street": Relation(Payslip.street, STREET),
    "payroll_run": Relation(Payslip.run, RUN),
})

PAYSLIP_ORDER = {"id": Payslip.id, "period": Payslip.period, "net": Payslip.net, "gross": Payslip.gross}
RUN_ORDER = {"period": PayrollRun.period, "created_at": PayrollRun.created_at}


def _in_runs_of_status(status: str) -> pw.Expression:
    return Payslip.run.in_(PayrollRun.select(PayrollRun.id).where(PayrollRun.status == status))


def payslips(
    principal: Principal,
    *,
    period: Period | None = None,
    run_pk: int | None = None,
    worker_pk: int | None = None,
    street_pk: int | None = None,
    community_pk: int | None = None,
    post: str | None = None,
    status: str | None = None,
    order: Ordering = (),
    newest_first: bool = False,
    within_run: int | None = None,
) -> Listing:
    """Payslips (``within_run``: of the run whose list this is)."""
    conditions = [c for c in (scopes.payslips(principal),) if c is not None]
    for field, value in ((Payslip.run, run_pk), (Payslip.run, within_run), (Payslip.worker, worker_pk),
                         (Payslip.street, street_pk), (Payslip.community, community_pk)):
        if value is not None:
            conditions.append(field == value)
    if period is not None:
        conditions.append(Payslip.period == str(period))
    if post:
        conditions.append(Payslip.post == filter_text(post, "where.post").upper())
    if status:
        conditions.append(_in_runs_of_status(status))
    default = ([OrderKey(Payslip.period, True), OrderKey(Payslip.id, True)] if newest_first
               else [OrderKey(Payslip.id)])
    return Listing(principal, PAYSLIP, conditions, order_keys(order, PAYSLIP_ORDER, default, Payslip.id))


def runs(
    principal: Principal,
    *,
    period: Period | None = None,
    year: int | None = None,
    status: str | None = None,
    scope_type: str | None = None,
    street_pk: int | None = None,
    community_pk: int | None = None,
    order: Ordering = (),
) -> Listing:
    conditions = [c for c in (scopes.runs(principal),) if c is not None]
    if period is not None:
        conditions.append(PayrollRun.period == str(period))
    if year is not None:
        conditions.append((PayrollRun.period >= f"{year:04d}-01") & (PayrollRun.period <= f"{year:04d}-12"))
    if status is not None:
        conditions.append(PayrollRun.status == status)
    if scope_type is not None:
        conditions.append(PayrollRun.scope_type == scope_type)
    if street_pk is not None:
        conditions.append(PayrollRun.street == street_pk)
    if community_pk is not None:
        conditions.append(PayrollRun.community == community_pk)
    keys = order_keys(order, RUN_ORDER, [OrderKey(PayrollRun.period, True)], PayrollRun.id)
    return Listing(principal, RUN, conditions, keys)


def run(principal: Principal, pk: int) -> dict[str, Any] | None:
    """A visible run, or None (the same for a missing one)."""
    return RUN.fetch_by_ids(principal, [pk]).get(pk)


def periods(principal: Principal, first: int) -> list[Period]:
    """The months with payslips the principal may see, newest first."""
    query = Payslip.select(Payslip.period).distinct().order_by(Payslip.period.desc()).limit(first)
    scope = scopes.payslips(principal)
    if scope is not None:
        query = query.where(scope)
    return [Period.parse(period) for (period,) in query.tuples()]


def totals(principal: Principal, period: Period, by_community: bool, status: str | None) -> list[dict[str, Any]]:
    """A month's totals of the visible payslips by street (and community)."""
    keys = [Payslip.street] + ([Payslip.community] if by_community else [])
    query = (
        Payslip.select(
            *keys,
            pw.fn.COUNT(Payslip.id),
            pw.fn.SUM(Payslip.gross),
            pw.fn.SUM(Payslip.net),
            pw.fn.SUM(Payslip.income_tax + Payslip.bonus_tax),
            pw.fn.SUM(Payslip.employer_cost),
        )
        .where(Payslip.period == str(period))
        .group_by(*keys)
        .order_by(*keys)
    )
    scope = scopes.payslips(principal)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(_in_runs_of_status(status))
    out = []
    for row in query.tuples():
        values = row[len(keys):]
        out.append(dict(street=row[0], community=row[1] if by_community else None, payslip_count=int(values[0]),
                        gross=int(values[1]), net=int(values[2]), income_tax=int(values[3]),
                        employer_cost=int(values[4])))
    return out


# --- explanations of stored payslips ----------------------------------------------------------


def worker_input_of(payslip: Payslip, worker_code: str) -> WorkerInput:
    """The worker exactly as the payslip was computed."""
    return WorkerInput(
        worker_id=worker_code,
        **{name: getattr(payslip, name) for name in STORED_INPUTS},
        incompetent_years=payslip.incompetent_years,
        assessment=payslip.assessment,
        tax_basic_deduction=payslip.tax_basic_deduction,
        bonus_tax_method=payslip.bonus_tax_method,
    )


def back_pay_months(payslip: Payslip) -> list[BackPayMonth]:
    """The §13 months stored with a payslip."""
    return [BackPayMonth(Period.parse(period), old, new)
            for period, old, new in (json.loads(payslip.back_pay_detail) if payslip.back_pay_detail else ())]


def explain_payslips(payslips: Sequence[Payslip]) -> dict[int, Explanation]:
    """Explanations of stored payslips, from what was stored with them: the
    policy document as it was when the run was computed, the worker's inputs,
    the year-to-date totals before the month and the back-pay detail — never
    from today's policy or records, so an approved payslip's explanation never
    changes."""
    if not payslips:
        return {}
    runs_by_id = {r.id: r for r in PayrollRun.select(PayrollRun.id, PayrollRun.policy, PayrollRun.policy_document)
                  .where(PayrollRun.id.in_({p.run_id for p in payslips}))}
    stored = {record.id: record for record in PolicyRecord.select().where(
        PolicyRecord.id.in_({r.policy_id for r in runs_by_id.values() if r.policy_document is None}))}
    worker_codes = {w.id: w.code for w in
                    Worker.select(Worker.id, Worker.code).where(Worker.id.in_({p.worker_id for p in payslips}))}
    out: dict[int, Explanation] = {}
    for payslip in payslips:
        run = runs_by_id[payslip.run_id]
        # Runs computed before the document was kept with them use the stored policy.
        policy = (policy_from_document(run.policy_document) if run.policy_document is not None
                  else policy_from_record(stored[run.policy_id]))
        state = YearState(*(np.array([getattr(payslip, f"prior_{name}")], dtype=np.int64)
                            for name in ("tax_months", "income", "deductions", "tax", "reserve")))
        explanation = explain_stored_payslip(policy, worker_input_of(payslip, worker_codes[payslip.worker_id]),
                                             Period.parse(payslip.period), state, back_pay_months(payslip))
        if explanation is not None:
            out[payslip.id] = explanation
    return out


def explanations(principal: Principal, payslip_ids: Sequence[int]) -> list[Explanation | None]:
    """The explanations of visible payslips (a batch for the nested field)."""
    query = Payslip.select().where(Payslip.id.in_(list(payslip_ids)))
    scope = scopes.payslips(principal)
    explained = explain_payslips(list(query.where(scope) if scope is not None else query))
    return [explained.get(pk) for pk in payslip_ids]

