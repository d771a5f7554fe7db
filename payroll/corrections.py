"""Corrections and back pay (补发 · 补扣), salary-model §13.

Paid payslips never change.  When the rules applied to what is known now —
the policy as published now, the worker records as corrected now — give a
month already paid other amounts, the difference is paid (or taken back) in
the first month computed, ``F``.

The input is plain arrays, so that the command line (a payslips CSV) and the
service (approved and paid payslips from its database) give the engine the
same thing: :class:`PaidPayslips`, one entry per paid payslip.
:func:`compute_corrections` returns, for every worker at once, the back pay
of ``F``, its month-by-month detail, the year-to-date totals to continue from
and which workers need a payslip that carries only the back pay.  It loops
over months, never over workers.

Typical use::

    paid = PaidPayslips(worker=..., period=..., gross=..., ...)   # int64 arrays
    months = compute_periods(policy, population, F, end, paid=paid)

or, one month at a time (the service)::

    corrections = compute_corrections(policy, population, paid, F)
    result, state = compute_month(policy.version_for(F), population, F,
                                  corrections.state, back_pay=corrections.back_pay)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import numpy as np

from .engine import EngineError, HeldBaseCache, YearState, compute_month, in_service, version_for_year_to_date
from .periods import Period
from .policy import Policy
from .workers import Population

_MONEY_FIELDS = ("gross", "back_pay", "performance_pay", "bonus_tax", "income_tax", "employee_contributions")


@dataclass
class PaidPayslips:
    """What was paid: one entry per paid payslip, int64 arrays of one length.

    - ``worker``: the worker's position in the population computed with;
    - ``period``: the month as an index ``year × 12 + month − 1``
      (:attr:`payroll.periods.Period.index`);
    - ``gross``, ``back_pay`` (0 for payslips without one), ``performance_pay``,
      ``bonus_tax``, ``income_tax``: the payslip's columns, in fen;
    - ``employee_contributions``: employee pension + medical + unemployment +
      housing_fund_employee, in fen.

    The service loads approved and paid payslips of the current and the
    previous calendar year; the command line reads a payslips CSV
    (:func:`payroll.csvio.read_paid_payslips`).  A worker has at most one paid
    payslip a month.
    """

    worker: np.ndarray
    period: np.ndarray
    gross: np.ndarray
    back_pay: np.ndarray
    performance_pay: np.ndarray
    bonus_tax: np.ndarray
    income_tax: np.ndarray
    employee_contributions: np.ndarray

    def __post_init__(self) -> None:
        for f in fields(self):
            setattr(self, f.name, np.asarray(getattr(self, f.name), dtype=np.int64))
        lengths = {len(getattr(self, f.name)) for f in fields(self)}
        if len(lengths) > 1:
            raise ValueError(f"paid payslip arrays differ in length ({sorted(lengths)})")

    def __len__(self) -> int:
        return len(self.worker)

    @classmethod
    def empty(cls) -> PaidPayslips:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in fields(cls)))

    def take(self, index: np.ndarray) -> PaidPayslips:
        return PaidPayslips(*(getattr(self, f.name)[index] for f in fields(self)))

    def for_workers(self, start: int, stop: int) -> PaidPayslips:
        """The payslips of workers ``start`` … ``stop − 1``, renumbered from 0
        (for a block of a population computed in chunks)."""
        selected = self.take(np.flatnonzero((self.worker >= start) & (self.worker < stop)))
        selected.worker = selected.worker - start
        return selected


@dataclass
class SettledBackPay:
    """Back pay already paid for a month (int64 arrays of one length): the
    corrected month ``period`` (index) of the worker at ``worker`` and the
    amount paid for it later (fen).

    §13 compares what the rules give for a month with what was paid for it.
    A correction paid in a later month is paid for that month too: without
    it, every run after the one that paid a correction would pay it again
    (old(Q) of §13 is the payslip's gross less its own back pay).  The service
    stores the detail of every back pay and gives it here; the command line's
    paid file has no detail, so a paid file holding back pay should start
    after the months it corrected (docs/salary-model.md, §13).
    """

    worker: np.ndarray
    period: np.ndarray
    amount: np.ndarray

    def __post_init__(self) -> None:
        for name in ("worker", "period", "amount"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))

    @classmethod
    def empty(cls) -> SettledBackPay:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(3)))


@dataclass(frozen=True)
class BackPayMonth:
    """One corrected month: what was paid (``old``, gross less back pay) and
    what the rules give now (``new``), in fen."""

    period: Period
    old: int
    new: int

    @property
    def difference(self) -> int:
        return self.new - self.old


@dataclass
class BackPayDetail:
    """The months behind the back pay, sparse: one entry per worker and month
    whose amount changed, ordered by worker then month (int64 arrays)."""

    worker: np.ndarray
    period: np.ndarray  # month index
    old: np.ndarray
    new: np.ndarray

    @classmethod
    def empty(cls) -> BackPayDetail:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(4)))

    def months_of(self, worker: int) -> tuple[BackPayMonth, ...]:
        """The corrected months of the worker at position ``worker``."""
        lo, hi = np.searchsorted(self.worker, [worker, worker + 1])
        return tuple(
            BackPayMonth(Period.from_index(int(p)), int(o), int(n))
            for p, o, n in zip(self.period[lo:hi], self.old[lo:hi], self.new[lo:hi])
        )


@dataclass
class Corrections:
    """§13 for every worker of a population, before the first month computed."""

    first: Period
    #: The first month that may be corrected (None when nothing was paid).
    window_start: Period | None
    #: Back pay of ``first`` per worker, fen (negative: 补扣).
    back_pay: np.ndarray
    #: Workers with back pay and no service in ``first``: their payslip carries only it.
    correction_only: np.ndarray
    #: Year-to-date totals of ``first``'s year before ``first`` (paid months as paid).
    state: YearState
    detail: BackPayDetail


def compute_corrections(
    policy: Policy,
    population: Population,
    paid: PaidPayslips,
    first: Period,
    held_bases: HeldBaseCache | None = None,
    window_start: Period | None = None,
    year_population: Callable[[int], Population] | None = None,
    settled: SettledBackPay | None = None,
) -> Corrections:
    """The back pay of month ``first`` and the totals to compute it from (§13).

    ``policy`` and ``population`` are as known now (corrected records, late
    entries and leavers included); ``paid`` holds what was paid before
    ``first``.  A paid month at or after ``first``, a worker position outside
    the population or two payslips of one worker in one month raise
    :class:`~payroll.engine.EngineError` naming the worker and month.  Paid
    payslips of months covered by a worker's opening balances are ignored.

    The window of months corrected starts at the earliest paid month over all
    workers; a caller computing a population in blocks passes that month as
    ``window_start`` (see :func:`paid_window_start`) so that a block whose own
    workers have no paid payslips still corrects the same months.

    ``population`` is the workers as of ``first``'s year.  Where the inputs of
    a year differ (the service counts 不称职 years and takes the assessment of
    each year from its records), ``year_population(year)`` gives the same
    workers, in the same order, as of ``year``; months of an earlier year are
    then computed with it.  ``settled`` is the back pay already paid for
    months of the window (see :class:`SettledBackPay`).
    """
    held_bases = held_bases or HeldBaseCache()
    paid = checked_paid(paid, population, first)
    n = len(population)
    if window_start is None:
        window_start = paid_window_start(paid)
    first_year = first.year if window_start is None else min(window_start.year, first.year)
    back_pay = np.zeros(n, dtype=np.int64)
    details: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []
    order = np.argsort(paid.period, kind="stable")
    paid = paid.take(order)

    def population_of(year: int) -> Population:
        return population if year_population is None or year == first.year else year_population(year)

    # A held-base cache is valid for one population only: one per year's workers.
    caches = {first.year: held_bases}

    def cache_of(year: int) -> HeldBaseCache:
        return held_bases if year_population is None else caches.setdefault(year, HeldBaseCache())

    year_workers = population_of(first_year)
    state = YearState.start_of_year(year_workers, first_year)
    for index in range(first_year * 12, first.index):
        period = Period.from_index(index)
        if period.month == 1:
            year_workers = population_of(period.year)
            state = YearState.start_of_year(year_workers, period.year)
        version = version_for_year_to_date(policy, year_workers, period, first)
        in_window = window_start is not None and period >= window_start
        if version is None:
            # No version in force and nobody in service: the rules give no payslip.
            serving, new, rules_state = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), state
        else:
            result, rules_state = compute_month(version, year_workers, period, state,
                                                held_bases=cache_of(period.year))
            serving, new = result.paid, np.where(result.paid, result.gross, 0)
        if not in_window:
            state = rules_state
            continue
        lo, hi = np.searchsorted(paid.period, [index, index + 1])
        month_paid = paid.take(np.arange(lo, hi))
        old = np.zeros(n, dtype=np.int64)
        old[month_paid.worker] = month_paid.gross - month_paid.back_pay
        if settled is not None:
            here = settled.period == index
            np.add.at(old, settled.worker[here], settled.amount[here])
        changed = np.flatnonzero(new != old)
        back_pay += new - old
        details.append((changed, index, old[changed], new[changed]))
        if period.year == first.year:
            state = _paid_month_state(state, rules_state, month_paid, serving, population)
        else:
            state = rules_state
    if first.month == 1:
        # The loop ended in December: first's year starts afresh.
        state = YearState.start_of_year(population, first.year)
    return Corrections(
        first=first,
        window_start=window_start,
        back_pay=back_pay,
        correction_only=(back_pay != 0) & ~in_service(population, first),
        state=state,
        detail=_detail(details),
    )


def paid_window_start(paid: PaidPayslips) -> Period | None:
    """The first month of §13's window: the earliest month of checked paid
    payslips (:func:`checked_paid`) over all workers; None when nothing was paid."""
    return Period.from_index(int(paid.period.min())) if len(paid) else None


def checked_paid(paid: PaidPayslips, population: Population, first: Period) -> PaidPayslips:
    """The paid payslips §13 uses: impossible rows refused (a worker position
    outside the population, a month at or after ``first``, two payslips of one
    worker in one month), rows of months covered by opening balances dropped."""
    n = len(population)
    outside = (paid.worker < 0) | (paid.worker >= n)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise EngineError(f"已发放工资条 {i}：工作者位置 {int(paid.worker[i])} 不在 {n} 名工作者之中",
                          f"paid payslip {i}: worker position {int(paid.worker[i])} is not among the {n} workers")
    late = paid.period >= first.index
    if late.any():
        i = int(np.flatnonzero(late)[0])
        worker, month = population.ids[paid.worker[i]], Period.from_index(int(paid.period[i]))
        raise EngineError(
            f"工作者 {worker}：{month} 的已发放工资条不早于计算的第一个月 {first}；请从最后已发放月份的下一个月开始计算",
            f"worker {worker}: a payslip paid for {month} is at or after {first}, the first month computed; "
            "quote from the month after the last one paid",
        )
    key = paid.worker * (12 * 10_000) + paid.period
    unique, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        twice = int(unique[np.flatnonzero(counts > 1)[0]])
        worker, period = divmod(twice, 12 * 10_000)
        raise EngineError(
            f"工作者 {population.ids[worker]}：{Period.from_index(period)} 有两张已发放工资条，每月只能一张",
            f"worker {population.ids[worker]}: two paid payslips for {Period.from_index(period)}; give one a month",
        )
    covered = paid.period <= population.opening_through[paid.worker]
    return paid.take(np.flatnonzero(~covered)) if covered.any() else paid


def _paid_month_state(
    state: YearState, rules_state: YearState, month_paid: PaidPayslips, serving: np.ndarray, population: Population
) -> YearState:
    """§13's year-to-date after a month of the window in ``first``'s year: a
    paid month counts as paid; a month with service and nothing paid counts in
    n and adds the special deduction; the accrued reserve is the corrected one."""
    n = len(population)
    has_paid = np.zeros(n, dtype=bool)
    has_paid[month_paid.worker] = True

    def scatter(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=np.int64)
        out[month_paid.worker] = values
        return out

    separately_taxed = np.where(month_paid.bonus_tax > 0, month_paid.performance_pay, 0)
    counts = has_paid | serving
    return YearState(
        tax_months=state.tax_months + counts,
        income=state.income + scatter(month_paid.gross - separately_taxed),
        deductions=state.deductions + scatter(month_paid.employee_contributions)
        + np.where(counts, population.special_deduction, 0),
        tax=state.tax + scatter(month_paid.income_tax),
        reserve=rules_state.reserve,
    )


def _detail(months: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]) -> BackPayDetail:
    if not months:
        return BackPayDetail.empty()
    worker = np.concatenate([m[0] for m in months])
    period = np.concatenate([np.full(len(m[0]), m[1], dtype=np.int64) for m in months])
    old = np.concatenate([m[2] for m in months])
    new = np.concatenate([m[3] for m in months])
    order = np.lexsort((period, worker))
    return BackPayDetail(worker[order], period[order], old[order], new[order])
