"""The vectorized payroll engine: spec §2–§10 over whole populations.

:func:`compute_month` computes one month for every worker of a
:class:`~payroll.workers.Population` at once with int64 numpy arrays; the
policy's figures are looked up by indexing the version's compiled tables with
the workers' post, grade and code arrays.  There is no Python loop over
workers.  Months must be computed in order within a calendar year because the
income tax and the performance reserve are cumulative: a :class:`YearState`
carries the running totals from one month to the next.

:func:`compute_periods` runs whole years (from January, or from a worker's
opening month) and yields the months asked for.

Every amount is integer fen and every product of money and a rate is exact
before it is rounded half up (spec §0); see :mod:`payroll.money`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterator

import numpy as np

from .money import RATE_SCALE
from .periods import Period
from .policy import NoVersionInForce, Policy, PolicyVersion
from .workers import Population

_TWO_SCALE = 2 * RATE_SCALE


class EngineError(ValueError):
    """A computation that cannot be done as asked (names the worker and field)."""


@dataclass
class YearState:
    """Running totals of a calendar year, one entry per worker (spec §6, §9).

    ``tax_months`` is the ``n`` of §9, ``income`` the cumulative income taxed
    cumulatively, ``deductions`` the Σ of contributions and special deductions
    (the basic deduction is added as ``basic × n`` when the tax is computed),
    ``tax`` the income tax withheld so far and ``reserve`` the performance
    reserve accrued and not yet paid out.
    """

    tax_months: np.ndarray
    income: np.ndarray
    deductions: np.ndarray
    tax: np.ndarray
    reserve: np.ndarray

    @classmethod
    def zeros(cls, size: int) -> YearState:
        return cls(*(np.zeros(size, dtype=np.int64) for _ in range(5)))

    @classmethod
    def start_of_year(cls, population: Population, year: int) -> YearState:
        """Zero totals, or the opening balances of workers whose opening month is
        in this year (spec §9, "Opening balances")."""
        opening = (population.opening_through >= year * 12) & (population.opening_through < year * 12 + 12)
        if not opening.any():
            return cls.zeros(len(population))
        return cls(
            tax_months=np.where(opening, population.opening_months, 0),
            income=np.where(opening, population.opening_income, 0),
            deductions=np.where(opening, population.opening_deductions, 0),
            tax=np.where(opening, population.opening_tax, 0),
            reserve=np.where(opening, population.opening_reserve, 0),
        )

    def take(self, index: np.ndarray) -> YearState:
        return YearState(*(getattr(self, f.name)[index] for f in fields(self)))

    def slice(self, start: int, stop: int) -> YearState:
        return YearState(*(getattr(self, f.name)[start:stop] for f in fields(self)))


#: The payslip columns of interfaces.md §1, in order (after worker_id, period).
PAYSLIP_COLUMNS = (
    "post",
    "grade",
    "counted_years",
    "days",
    "basic_pay",
    "performance_pay",
    "education_allowance",
    "certificate_allowance",
    "tenure_allowance",
    "difference_allowance",
    "gross",
    "si_base",
    "employee_pension",
    "employee_medical",
    "employee_unemployment",
    "housing_fund_employee",
    "income_tax",
    "bonus_tax",
    "net",
    "employer_pension",
    "employer_medical",
    "employer_unemployment",
    "employer_work_injury",
    "housing_fund_employer",
    "accident_insurance",
    "employer_cost",
)
#: Payslip columns that are not money.
NON_MONEY_COLUMNS = ("post", "grade", "counted_years", "days")
MONEY_COLUMNS = tuple(c for c in PAYSLIP_COLUMNS if c not in NON_MONEY_COLUMNS)


@dataclass
class MonthResult:
    """One month for a whole population: every payslip column plus the
    intermediate values the explanation shows.  Arrays hold one entry per worker;
    entries of workers without a payslip this month (``paid`` false) are 0."""

    period: Period
    version: PolicyVersion
    #: Position of the first worker of these arrays in the whole population
    #: (non-zero when :func:`compute_periods` computes in chunks).
    offset: int
    paid: np.ndarray  # bool
    # §2 service
    service_months: np.ndarray
    service_years: np.ndarray
    counted_years: np.ndarray
    # §3 grade
    credit_years: np.ndarray
    steps: np.ndarray
    certificate_counts: np.ndarray  # bool
    education_bonus: np.ndarray
    certificate_bonus: np.ndarray
    bonus: np.ndarray
    grade: np.ndarray
    post: np.ndarray
    # §4 standard (full-month) amounts
    grade_pay: np.ndarray
    standard_reserve: np.ndarray
    standard_basic_pay: np.ndarray
    standard_education_allowance: np.ndarray
    standard_certificate_allowance: np.ndarray
    standard_tenure_allowance: np.ndarray
    standard_wage: np.ndarray
    standard_difference_allowance: np.ndarray
    # §5 proration
    days: np.ndarray
    basic_pay: np.ndarray
    performance_reserve: np.ndarray
    education_allowance: np.ndarray
    certificate_allowance: np.ndarray
    tenure_allowance: np.ndarray
    difference_allowance: np.ndarray
    # §6 performance pay
    payout: np.ndarray  # bool
    #: Reserve accrued this year up to and including this month, before any payout.
    accrued_reserve: np.ndarray
    performance_factor: np.ndarray  # scaled
    performance_pay: np.ndarray
    # §7
    gross: np.ndarray
    # §8
    si_base: np.ndarray
    employee_pension: np.ndarray
    employee_medical: np.ndarray
    employee_unemployment: np.ndarray
    hf_base: np.ndarray
    housing_fund_employee: np.ndarray
    employer_pension: np.ndarray
    employer_medical: np.ndarray
    employer_unemployment: np.ndarray
    employer_work_injury: np.ndarray
    housing_fund_employer: np.ndarray
    accident_insurance: np.ndarray
    # §9
    separate_bonus: np.ndarray  # bool
    tax_months: np.ndarray
    cum_income: np.ndarray
    cum_deduction: np.ndarray
    cum_taxable: np.ndarray
    tax_bracket: np.ndarray
    cum_tax: np.ndarray
    tax_withheld_before: np.ndarray
    income_tax: np.ndarray
    bonus_bracket: np.ndarray
    bonus_tax: np.ndarray
    # §10
    employee_contributions: np.ndarray
    net: np.ndarray
    employer_cost: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return getattr(self, name)


#: Workers computed together by :func:`compute_periods` when asked to chunk.
#: Arrays of 65,536 int64 (512 KB) stay in the CPU cache and are recycled by
#: the allocator; one pass over arrays of a million entries is about three
#: times slower per worker (measured by bench/engine.py).
CHUNK_SIZE = 65_536


def compute_month(
    version: PolicyVersion,
    population: Population,
    period: Period,
    state: YearState,
) -> tuple[MonthResult, YearState]:
    """Compute month ``period`` for every worker; return it and the new state.

    ``version`` must be the version in force for ``period``; ``state`` the
    totals of the same year up to the month before (see
    :meth:`YearState.start_of_year`).  The input state is not modified.
    """
    t = version.tables
    pop = population
    p1, pn, d = period.first_day, period.last_day, period.days

    # Posts must exist in the version in force.
    known = t.post_known[pop.post]
    if not known.all():
        bad = int(np.flatnonzero(~known)[0])
        raise EngineError(
            f"worker {pop.ids[bad]}: post: {pop.post_keys[pop.post[bad]]} is not a post of the policy "
            f"version in force for {period} (effective from {version.effective_from.isoformat()})"
        )

    # §5 who is paid, and for how many days.  Months up to a worker's
    # opening_through were paid by the system used before (§9).
    first = np.maximum(pop.start_day, p1)
    last = np.minimum(pop.end_day, pn)
    paid = (last >= first) & (pop.opening_through < period.index)
    days = np.where(paid, last - first + 1, 0)

    # §2 service years.  service_month0 already holds the "minus one when the
    # start is after the 1st" of §2.1.
    service_months = np.maximum(period.index - pop.service_month0, 0)
    service_years = service_months // 12
    counted = np.maximum(service_years + pop.year_adjustment, 0)

    # §3 grade.  min_grade + steps + bonus is never below min_grade (steps and
    # bonus are ≥ 0), so only the cap max_grade needs applying.
    promotion = version.promotion
    credit = t.education_credit_years[pop.education]
    steps = (counted + credit) // promotion.years_per_grade
    certificate_counts = pop.certificate_day <= pn
    certificate = np.where(certificate_counts, pop.certificate, 0)
    education_bonus = t.education_grade_bonus[pop.education]
    certificate_bonus = t.certificate_grade_bonus[certificate]
    if promotion.bonus_combine == "SUM":
        bonus = education_bonus + certificate_bonus
    else:
        bonus = np.maximum(education_bonus, certificate_bonus)
    grade = np.minimum(t.post_max_grade[pop.post], t.post_min_grade[pop.post] + steps + bonus)

    # §4 standard monthly amounts: table look-ups (the tables hold R(...) already).
    grade_pay = t.grade_pay[grade]
    standard_reserve = t.performance_reserve[grade]
    standard_basic = t.basic_pay[grade]
    standard_education = t.education_allowance[pop.education]
    standard_certificate = t.certificate_allowance[certificate]
    allowances = version.allowances
    standard_tenure = allowances.tenure_per_year * np.minimum(counted, allowances.tenure_cap_years)
    standard_wage = grade_pay + standard_education + standard_certificate + standard_tenure
    if version.protect_previous_pay:
        # previous_pay is 0 when not given, which gives max(0, 0 − wage) = 0.
        standard_difference = np.maximum(pop.previous_pay - standard_wage, 0)
    else:
        standard_difference = np.zeros_like(standard_wage)

    # §5 proration: R(amount × days / D); a full month leaves amounts unchanged.
    def prorate(amount: np.ndarray) -> np.ndarray:
        return (2 * days * amount + d) // (2 * d)

    basic_pay = prorate(standard_basic)
    reserve = prorate(standard_reserve)
    education_allowance = prorate(standard_education)
    certificate_allowance = prorate(standard_certificate)
    tenure_allowance = prorate(standard_tenure)
    difference_allowance = prorate(standard_difference)

    # §6 performance pay: reserves accrue; a payout month (or the month a
    # worker leaves) pays them out with the factor of the year's assessment.
    perf = version.performance
    accrued = state.reserve + reserve
    leaves = (pop.end_day >= p1) & (pop.end_day <= pn)
    if period.month in perf.payout_months:
        payout = paid.copy()
    else:
        payout = leaves & paid
    factor = t.factors[pop.assessment]  # index −1 is the default assessment
    performance_pay = np.where(payout, (2 * accrued * factor + RATE_SCALE) // _TWO_SCALE, 0)
    reserve_after = np.where(payout, 0, accrued)

    # §7 gross.
    gross = basic_pay + education_allowance + certificate_allowance + tenure_allowance
    gross += difference_allowance
    gross += performance_pay

    # §8 contributions on the standard (unprorated) wage, full-month whenever
    # there is a payslip.
    si = version.social_insurance
    base_wage = standard_wage + standard_difference
    si_base = np.where(paid, np.clip(base_wage, si.base_floor, si.base_ceiling), 0)

    def contribution(base: np.ndarray, rate: int) -> np.ndarray:
        if rate == 0:
            return np.zeros_like(base)
        return (2 * rate * base + RATE_SCALE) // _TWO_SCALE

    employee_pension = contribution(si_base, int(t.si_employee[0]))
    employee_medical = contribution(si_base, int(t.si_employee[1]))
    employee_unemployment = contribution(si_base, int(t.si_employee[2]))
    employer_pension = contribution(si_base, int(t.si_employer[0]))
    employer_medical = contribution(si_base, int(t.si_employer[1]))
    employer_unemployment = contribution(si_base, int(t.si_employer[2]))
    employer_work_injury = contribution(si_base, int(t.si_employer[3]))
    hf = version.housing_fund
    hf_base = np.where(paid, np.clip(base_wage, hf.base_floor, hf.base_ceiling), 0)
    housing_fund_employee = contribution(hf_base, hf.employee)
    housing_fund_employer = contribution(hf_base, hf.employer)
    accident = np.where(paid, t.accident_insurance, 0)

    # §9 income tax, cumulative withholding; the once-a-year bonus may be
    # taxed on its own.  A leaver's payout is always taxed cumulatively.
    if perf.tax_method == "SEPARATE" and version.single_payout_month == period.month:
        separate = payout & ~leaves
    else:
        separate = np.zeros(len(pop), dtype=bool)
    employee_contributions = employee_pension + employee_medical + employee_unemployment
    employee_contributions += housing_fund_employee
    tax_months = state.tax_months + paid
    cum_income = state.income + np.where(separate, gross - performance_pay, gross)
    cum_deductions = state.deductions + employee_contributions + np.where(paid, pop.special_deduction, 0)
    cum_deduction = cum_deductions + version.income_tax.monthly_basic_deduction * tax_months
    cum_taxable = np.maximum(cum_income - cum_deduction, 0)
    bracket = np.searchsorted(t.bracket_upto, cum_taxable, side="left")
    cum_tax = _round_signed(cum_taxable * t.bracket_rate[bracket] - t.bracket_quick[bracket] * RATE_SCALE)
    income_tax = np.where(paid, np.maximum(cum_tax - state.tax, 0), 0)

    if separate.any():
        # First row whose upto ≥ bonus / 12, i.e. upto × 12 ≥ bonus (exact).
        bonus_bracket = np.searchsorted(t.bonus_upto_times_12, performance_pay, side="left")
        raw_bonus_tax = _round_signed(
            performance_pay * t.bonus_rate[bonus_bracket] - t.bonus_quick[bonus_bracket] * RATE_SCALE
        )
        bonus_tax = np.where(separate, np.maximum(raw_bonus_tax, 0), 0)
    else:
        bonus_bracket = np.zeros(len(pop), dtype=np.int64)
        bonus_tax = np.zeros(len(pop), dtype=np.int64)

    # §10 net pay and employer cost.
    net = gross - employee_contributions - income_tax - bonus_tax
    employer_cost = gross + employer_pension + employer_medical + employer_unemployment
    employer_cost += employer_work_injury
    employer_cost += housing_fund_employer
    employer_cost += accident

    new_state = YearState(
        tax_months=tax_months,
        income=cum_income,
        deductions=cum_deductions,
        tax=state.tax + income_tax,
        reserve=reserve_after,
    )
    # Entries of workers without a payslip are zeroed so that sums over a
    # month never count them.
    result = MonthResult(
        period=period,
        version=version,
        offset=0,
        paid=paid,
        service_months=service_months,
        service_years=service_years,
        counted_years=counted,
        credit_years=credit,
        steps=steps,
        certificate_counts=certificate_counts,
        education_bonus=education_bonus,
        certificate_bonus=certificate_bonus,
        bonus=bonus,
        grade=grade,
        post=pop.post,
        grade_pay=grade_pay,
        standard_reserve=standard_reserve,
        standard_basic_pay=standard_basic,
        standard_education_allowance=standard_education,
        standard_certificate_allowance=standard_certificate,
        standard_tenure_allowance=standard_tenure,
        standard_wage=standard_wage,
        standard_difference_allowance=standard_difference,
        days=days,
        basic_pay=basic_pay,
        performance_reserve=reserve,
        education_allowance=education_allowance,
        certificate_allowance=certificate_allowance,
        tenure_allowance=tenure_allowance,
        difference_allowance=difference_allowance,
        payout=payout,
        accrued_reserve=accrued,
        performance_factor=factor,
        performance_pay=performance_pay,
        gross=gross,
        si_base=si_base,
        employee_pension=employee_pension,
        employee_medical=employee_medical,
        employee_unemployment=employee_unemployment,
        hf_base=hf_base,
        housing_fund_employee=housing_fund_employee,
        employer_pension=employer_pension,
        employer_medical=employer_medical,
        employer_unemployment=employer_unemployment,
        employer_work_injury=employer_work_injury,
        housing_fund_employer=housing_fund_employer,
        accident_insurance=accident,
        separate_bonus=separate,
        tax_months=tax_months,
        cum_income=cum_income,
        cum_deduction=cum_deduction,
        cum_taxable=cum_taxable,
        tax_bracket=bracket,
        cum_tax=cum_tax,
        tax_withheld_before=state.tax,
        income_tax=income_tax,
        bonus_bracket=bonus_bracket,
        bonus_tax=bonus_tax,
        employee_contributions=employee_contributions,
        net=net,
        employer_cost=employer_cost,
    )
    return result, new_state


def _round_signed(scaled: np.ndarray) -> np.ndarray:
    """``R(x / 10^6)`` half up, away from zero on a tie, for either sign."""
    magnitude = (2 * np.abs(scaled) + RATE_SCALE) // _TWO_SCALE
    return np.where(scaled < 0, -magnitude, magnitude)


def compute_periods(
    policy: Policy,
    population: Population,
    start: Period,
    end: Period,
    chunk_size: int | None = None,
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
    """
    if end < start:
        raise EngineError(f"the period {end} is before {start}")
    n = len(population)
    size = n if not chunk_size or chunk_size >= n else chunk_size
    for offset in range(0, max(n, 1), max(size, 1)):
        block = population if size == n else population.slice(offset, offset + size)
        for result in _compute_block_periods(policy, block, start, end):
            result.offset = offset
            yield result


def _compute_block_periods(policy: Policy, population: Population, start: Period, end: Period) -> Iterator[MonthResult]:
    for year in range(start.year, end.year + 1):
        state = YearState.start_of_year(population, year)
        last_month = end.month if year == end.year else 12
        for month in range(1, last_month + 1):
            period = Period(year, month)
            if period < start:
                version = _version_for_year_to_date(policy, population, period, start)
                if version is None:
                    continue
            else:
                version = policy.version_for(period)
            result, state = compute_month(version, population, period, state)
            if period >= start:
                yield result


def _version_for_year_to_date(
    policy: Policy, population: Population, period: Period, start: Period
) -> PolicyVersion | None:
    """The version for a month computed only for the year-to-date of ``start``.

    A policy adopted mid-year has no version for the months before it; they
    need no computing when nobody is paid in them (the workers' opening
    balances carry the year so far), and are an error otherwise.
    """
    try:
        return policy.version_for(period)
    except NoVersionInForce:
        paid = (
            (population.start_day <= period.last_day)
            & (population.end_day >= period.first_day)
            & (population.opening_through < period.index)
        )
        if not paid.any():
            return None
        worker = population.ids[int(np.flatnonzero(paid)[0])]
        raise NoVersionInForce(
            f"policy {policy.id}: no version is in force for {period}, which the year-to-date income tax of {start} "
            f"needs (worker {worker} is paid in {period} and has no opening balances through it)"
        ) from None


def compute_year_state(
    policy: Policy, population: Population, period: Period
) -> YearState:
    """The totals of ``period``'s year up to the month before ``period``."""
    state = YearState.start_of_year(population, period.year)
    for month in range(1, period.month):
        p = Period(period.year, month)
        version = _version_for_year_to_date(policy, population, p, period)
        if version is not None:
            _, state = compute_month(version, population, p, state)
    return state
