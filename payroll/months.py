"""Ranges of months: whole years computed from January (or a worker's
opening month) so that the cumulative tax and the performance reserve are
right, in blocks of workers, with §13's back pay in the first month computed
after months already paid.

The month itself is :func:`payroll.engine.compute_month`; §13 is
:mod:`payroll.corrections`; this module drives both over a range.
"""

from __future__ import annotations

from typing import Callable, Iterator

from .corrections import PaidPayslips, checked_paid, compute_corrections, paid_window_start
from .engine import EngineError, HeldBaseCache, MonthResult, YearState, compute_month, version_for_year_to_date
from .periods import Period
from .policy import Policy
from .workers import Population


def compute_periods(
    policy: Policy,
    population: Population,
    start: Period,
    end: Period,
    chunk_size: int | None = None,
    paid: PaidPayslips | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[MonthResult]:
    """Yield the months ``start`` … ``end`` in order.

    Each calendar year is computed from its January (from a worker's opening
    balances where they apply) so that the cumulative tax and the performance
    reserve are right even when ``start`` is not January; months before
    ``start`` are computed but not yielded.

    With ``chunk_size`` the population is computed in blocks of that many
    workers — every month of the first block, then every month of the next —
    and each result's ``offset`` says where its block begins.  Blocks keep the
    arrays in the CPU cache (see :data:`CHUNK_SIZE`); callers that fold
    results (sums, files written block by block) should use them.

    With ``paid`` (the payslips already paid, §13) ``start`` is the first month
    computed after them: its year-to-date figures are the paid ones and its
    payslips carry the back pay, whose month-by-month detail is the first
    result's ``back_pay_detail`` (see :func:`payroll.corrections.compute_corrections`).

    ``progress(done, total)`` is called after each block with the workers
    computed so far — once per block, never per worker, so it costs nothing.
    """
    if end < start:
        raise EngineError(f"截止月份 {end} 早于起始月份 {start}", f"the period {end} is before {start}")
    n = len(population)
    size = n if not chunk_size or chunk_size >= n else chunk_size
    window_start = None
    if paid is not None:
        paid = checked_paid(paid, population, start)
        window_start = paid_window_start(paid)
    for offset in range(0, max(n, 1), max(size, 1)):
        block = population if size == n else population.slice(offset, offset + size)
        block_paid = None if paid is None else paid.for_workers(offset, offset + len(block))
        for result in _compute_block_periods(policy, block, start, end, block_paid, window_start):
            result.offset = offset
            yield result
        if progress is not None:
            progress(offset + len(block), n)


def _compute_block_periods(
    policy: Policy,
    population: Population,
    start: Period,
    end: Period,
    paid: PaidPayslips | None,
    window_start: Period | None,
) -> Iterator[MonthResult]:
    held_bases = HeldBaseCache()
    corrections = None
    if paid is not None:
        corrections = compute_corrections(policy, population, paid, start, held_bases, window_start)
    for year in range(start.year, end.year + 1):
        state = YearState.start_of_year(population, year)
        first_month = 1
        if corrections is not None and year == start.year:
            state, first_month = corrections.state, start.month
        last_month = end.month if year == end.year else 12
        for month in range(first_month, last_month + 1):
            period = Period(year, month)
            if period < start:
                version = version_for_year_to_date(policy, population, period, start)
                if version is None:
                    continue
            else:
                version = policy.version_for(period)
            back_pay = corrections.back_pay if corrections is not None and period == start else None
            result, state = compute_month(version, population, period, state, back_pay, held_bases)
            if back_pay is not None:
                result.back_pay_detail = corrections.detail
            if period >= start:
                yield result
