"""What a month's payroll over a scope comes to, computed without writing:
the workers, their year so far, §13's back pay and the engine's month.

Used by :func:`api.services.payroll.create_run` (which then stores it) and by
the back-pay preview HR reads before creating the run.

**Back pay (salary-model.md §13).**  The months already paid — approved and
paid payslips of this and the previous calendar year — are compared with
what the rules give for them now, and the difference is paid (or taken back)
in the month computed.  Recomputing two years of months for every worker of
a city every month would cost more than the month itself, and almost always
find nothing, so only the workers whose paid months can have changed are
recomputed:

- everyone of the scope, when a paid run of the window (of the scope's
  jurisdiction: another jurisdiction's publications change nothing here) was
  computed with another policy or another policy version than the one in
  force for its month now (the year's disposable income published late);
- otherwise the workers whose pay inputs changed (``Worker.pay_changed_at``:
  a corrected record, an assessment, a late entry, a leaver found late)
  after the first paid run of the window was computed.

The others continue from their latest payslip's year-to-date totals, as
before revision 2.  A correction already paid counts as paid for its month
(the back-pay detail stored with each payslip), so a later run never pays it
again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import peewee as pw

from payroll.corrections import BackPayDetail, PaidPayslips, SettledBackPay, compute_corrections
from payroll.engine import MonthResult, YearState, compute_month
from payroll.periods import Period
from payroll.policy import Policy

from api.db.models import PayrollRun, Payslip, Worker
from api.db.models import Policy as PolicyRecord
from api.errors import ErrorCode, UserErrors
from api.reads.population import LoadedWorkers, Scope, in_service, load_workers, workers_query, year_to_date

PAID = ("APPROVED", "PAID")


@dataclass
class ComputedMonth:
    """A month of a scope: the workers loaded, the engine's result, the
    year-to-date totals before and after, and the back pay's detail (worker
    positions of :attr:`loaded`)."""

    loaded: LoadedWorkers
    result: MonthResult
    state_before: YearState
    state_after: YearState
    back_pay_detail: BackPayDetail
    #: The workers loaded, as a query (for checks on them in the same transaction).
    workers: pw.ModelSelect


@dataclass(frozen=True)
class PaidWindow:
    """The paid months §13 may correct before ``period``: where they start,
    when the first of their runs was computed, and whether the policy in
    force for any of them has changed since."""

    start: Period | None
    computed_since: object
    policy_changed: bool

    @classmethod
    def before(cls, period: Period, record: PolicyRecord, policy: Policy) -> PaidWindow:
        runs = list(PayrollRun.select(PayrollRun.period, PayrollRun.created_at, PayrollRun.policy,
                                      PayrollRun.policy_effective_from)
                    .where(PayrollRun.status.in_(PAID) & (PayrollRun.jurisdiction == record.jurisdiction_id)
                           & (PayrollRun.period >= f"{period.year - 1:04d}-01") & (PayrollRun.period < str(period))))
        if not runs:
            return cls(None, None, False)

        def changed(run: PayrollRun) -> bool:
            try:
                return (run.policy_id != record.id
                        or policy.version_for(Period.parse(run.period)).effective_from != run.policy_effective_from)
            except LookupError:
                return True

        return cls(Period.parse(min(r.period for r in runs)), min(r.created_at for r in runs),
                   any(changed(r) for r in runs))


def compute_scope_month(scope: Scope, period: Period, record: PolicyRecord, policy: Policy,
                        check_order: bool = True, visible: pw.Expression | None = None) -> ComputedMonth:
    """Load the scope's workers for ``period`` — those in service, and those
    §13 recomputes — and compute the month (no writes).  ``visible`` narrows
    the workers further (a report for a principal with a scope)."""
    window = PaidWindow.before(period, record, policy)
    changed = None
    if window.start is not None:
        overlaps = (Worker.service_start <= period.last) & (
            Worker.service_end.is_null() | (Worker.service_end >= window.start.first))
        changed = overlaps if window.policy_changed else overlaps & (Worker.pay_changed_at > window.computed_since)
    query = workers_query(scope, in_service(period) if changed is None else in_service(period) | changed)
    if visible is not None:
        query = query.where(visible)
    loaded = load_workers(query, policy.post_keys, period.year)
    ytd = year_to_date(loaded, period, query.select(Worker.id).order_by())
    recomputed = _positions(loaded, query.where(changed)) if changed is not None else np.zeros(0, np.int64)
    if check_order:
        edited = recomputed if not window.policy_changed else _positions(
            loaded, query.where(Worker.pay_changed_at > window.computed_since))
        _check_order(period, loaded, ytd.last_period, edited)
    state, back_pay, detail = ytd.state, np.zeros(len(loaded), dtype=np.int64), BackPayDetail.empty()
    if len(recomputed):
        state, back_pay, detail = _corrections(query, loaded, recomputed, period, window.start, policy, ytd.state)
    result, after = compute_month(policy.version_for(period), loaded.population, period, state, back_pay=back_pay)
    return ComputedMonth(loaded, result, state, after, detail, query.select(Worker.id).order_by())


def _positions(loaded: LoadedWorkers, query: pw.ModelSelect) -> np.ndarray:
    """Positions in ``loaded`` of the workers ``query`` selects."""
    ids = np.array(sorted(pk for (pk,) in query.select(Worker.id).order_by().tuples()), dtype=np.int64)
    return np.flatnonzero(np.isin(loaded.worker_ids, ids))


def _corrections(query: pw.ModelSelect, loaded: LoadedWorkers, recomputed: np.ndarray, period: Period,
                 window_start: Period, policy: Policy, state: YearState
                 ) -> tuple[YearState, np.ndarray, BackPayDetail]:
    """§13 for the workers at ``recomputed``: their year so far (paid months as
    paid), their back pay and its detail, merged into the whole scope's."""
    workers = loaded.population.take(recomputed)
    earlier = None
    if window_start.year < period.year:
        earlier = load_workers(query, policy.post_keys, period.year - 1).population.take(recomputed)
    paid, settled = _paid(loaded.worker_ids[recomputed], window_start, period)
    corrections = compute_corrections(policy, workers, paid, period, window_start=window_start,
                                      year_population=lambda year: earlier if year < period.year else workers,
                                      settled=settled)
    merged = YearState(*(getattr(state, name).copy() for name in ("tax_months", "income", "deductions", "tax",
                                                                  "reserve")))
    for name in ("tax_months", "income", "deductions", "tax", "reserve"):
        getattr(merged, name)[recomputed] = getattr(corrections.state, name)
    back_pay = np.zeros(len(loaded), dtype=np.int64)
    back_pay[recomputed] = corrections.back_pay
    d = corrections.detail
    return merged, back_pay, BackPayDetail(recomputed[d.worker], d.period, d.old, d.new)


def _paid(worker_ids: np.ndarray, window_start: Period, period: Period) -> tuple[PaidPayslips, SettledBackPay]:
    """The approved and paid payslips of these workers in the window, and the
    back pay they already paid for months of the window (positions in ``worker_ids``)."""
    position = {int(pk): i for i, pk in enumerate(worker_ids.tolist())}
    rows = (Payslip.select(Payslip.worker, Payslip.period, Payslip.gross, Payslip.back_pay, Payslip.performance_pay,
                           Payslip.bonus_tax, Payslip.income_tax,
                           Payslip.employee_pension + Payslip.employee_medical + Payslip.employee_unemployment
                           + Payslip.housing_fund_employee, Payslip.back_pay_detail)
            .join(PayrollRun, on=(Payslip.run == PayrollRun.id))
            .where(PayrollRun.status.in_(PAID) & (Payslip.period >= str(window_start)) & (Payslip.period < str(period))
                   & Payslip.worker.in_(list(position)))
            .tuples())
    columns: list[list[int]] = [[] for _ in range(8)]
    settled: list[tuple[int, int, int]] = []
    for worker, month, *money, detail in rows:
        i = position[worker]
        columns[0].append(i)
        columns[1].append(Period.parse(month).index)
        for column, value in zip(columns[2:], money):
            column.append(int(value))
        for corrected, old, new in json.loads(detail) if detail else ():
            index = Period.parse(corrected).index
            if index >= window_start.index:
                settled.append((i, index, new - old))
    paid = PaidPayslips(*(np.array(c, dtype=np.int64) for c in columns))
    entries = np.array(settled, dtype=np.int64).reshape(-1, 3)
    return paid, SettledBackPay(entries[:, 0], entries[:, 1], entries[:, 2])


def _check_order(period: Period, loaded: LoadedWorkers, last_period: np.ndarray, edited: np.ndarray) -> None:
    """Months are run in order: a worker in service last month (this year,
    after any opening balances) must have last month's payslip — unless the
    worker's record changed since the paid months were computed (entered
    late, or found to have served): §13 pays those months as back pay."""
    if period.month == 1 or not len(loaded):
        return
    previous = Period(period.year, period.month - 1)
    pop = loaded.population
    worked_last_month = (
        (pop.start_day <= previous.last_day)
        & (pop.end_day >= previous.first_day)
        & (pop.opening_through < previous.index)
    )
    missing = worked_last_month & (last_period != previous.index)
    missing[edited] = False
    if missing.any():
        codes_ = [str(pop.ids[i]) for i in np.flatnonzero(missing)[:5]]
        more = int(missing.sum()) - len(codes_)
        listed = ", ".join(codes_) + (f" 等 {more} 人" if more > 0 else "")
        listed_en = ", ".join(codes_) + (f" and {more} more" if more > 0 else "")
        raise UserErrors.one(
            "period",
            ErrorCode.INVALID_STATE,
            f"{int(missing.sum())} 名在 {previous} 在职的工作者没有该月工资条（{listed}）：请按月依次生成 / "
            f"{int(missing.sum())} workers in service in {previous} have no payslip for it ({listed_en}); create the "
            "runs month by month",
        )
