"""The vectorized payroll engine: spec §2–§10 over whole populations.

:func:`compute_month` computes one month for every worker of a
:class:`~payroll.workers.Population` at once with int64 numpy arrays; the
policy's figures are looked up by indexing the version's compiled tables with
the workers' post, grade and code arrays.  There is no Python loop over
workers.  Months must be computed in order within a calendar year because the
income tax and the performance reserve are cumulative: a :class:`YearState`
carries the running totals from one month to the next.

:func:`payroll.months.compute_periods` runs whole years (from January, or from a worker's
opening month) and yields the months asked for.

Every amount is integer fen and every product of money and a rate is exact
before it is rounded half up (spec §0); see :mod:`payroll.money`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from . import codes
from .money import RATE_SCALE, np_mul_rate_rounded
from .periods import Period
from .policy import ContributionRule, NoVersionInForce, Policy, PolicyVersion
from .texts import BilingualError
from .workers import Population

if TYPE_CHECKING:
    from .corrections import BackPayDetail

_TWO_SCALE = 2 * RATE_SCALE


class EngineError(BilingualError, ValueError):
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
    "fixed_allowances",
    "difference_allowance",
    "back_pay",
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
class StandardMonth:
    """§2–§4 for a month: service, grade and the full-month amounts, one entry
    per worker.  Computed for the month itself and, for a held contribution
    base (§8.2), for the base month."""

    service_months: np.ndarray
    service_years: np.ndarray
    counted_years: np.ndarray
    credit_years: np.ndarray
    steps: np.ndarray
    certificate_counts: np.ndarray  # bool
    certificate: np.ndarray  # the certificate that counts (NONE's index 0 otherwise)
    education_bonus: np.ndarray
    certificate_bonus: np.ndarray
    bonus: np.ndarray
    grade: np.ndarray
    probation: np.ndarray  # bool
    grade_pay: np.ndarray
    pay_base: np.ndarray  # after the probation reduction
    reserve: np.ndarray  # share part + fixed reserve held
    basic_pay: np.ndarray
    education_allowance: np.ndarray
    certificate_allowance: np.ndarray
    tenure_allowance: np.ndarray
    fixed_allowances: np.ndarray
    wage: np.ndarray  # standard_wage of §4.9
    difference_allowance: np.ndarray

    @property
    def contribution_wage(self) -> np.ndarray:
        """``W`` of §8: standard wage plus the difference allowance."""
        return self.wage + self.difference_allowance


def standard_month(version: PolicyVersion, population: Population, period: Period) -> StandardMonth:
    """§2–§4 for every worker in ``period`` under ``version`` (the version in
    force then, or for a held base the version of the base month)."""
    t = version.tables
    pop = population
    # §2 service years, counted at P1 or at 1 January.  service_month0 already
    # holds the "minus one when the start is after the 1st" of §2.1.
    counting_index = period.year * 12 if version.promotion.counting == "JANUARY" else period.index
    service_months = np.maximum(counting_index - pop.service_month0, 0)
    service_years = service_months // 12
    counted = np.maximum(service_years + pop.year_adjustment, 0)

    # §3 grade.  min_grade + steps + bonus is never below min_grade (steps and
    # bonus are ≥ 0), so only the cap max_grade needs applying.
    promotion = version.promotion
    credit = t.education_credit_years[pop.education]
    steps = (counted + credit) // promotion.years_per_grade
    if version.certificate_counts_from == "NEXT_MONTH":
        certificate_counts = pop.certificate_day < period.first_day
    else:
        certificate_counts = pop.certificate_day <= period.last_day
    certificate = np.where(certificate_counts, pop.certificate, 0)
    education_bonus = t.education_grade_bonus[pop.education]
    certificate_bonus = t.certificate_grade_bonus[certificate]
    if promotion.bonus_combine == "SUM":
        bonus = education_bonus + certificate_bonus
    else:
        bonus = np.maximum(education_bonus, certificate_bonus)
    grade = np.minimum(t.post_max_grade[pop.post], t.post_min_grade[pop.post] + steps + bonus)

    # §4.3 probation: P1 < service_start + months (a day past the end of the
    # target month being its last day) is period.index < service_month0 + months.
    if version.probation is not None:
        probation = (pop.prior_service_years == 0) & (period.index < pop.service_month0 + version.probation.months)
        pay_index = t.pay_index(probation, pop.post, grade)
    else:
        probation = np.zeros(len(pop), dtype=bool)
        pay_index = t.pay_index(None, pop.post, grade)

    # §4 full-month amounts: table look-ups (the tables hold R(...) already).
    pay_base = t.pay_base[pay_index]
    reserve = t.reserve[pay_index]
    basic = t.basic[pay_index]
    education = t.education_allowance[pop.education]
    certificate_allowance = t.certificate_allowance[certificate]
    allowances = version.allowances
    tenure = allowances.tenure_per_year * np.minimum(counted, allowances.tenure_cap_years)
    # basic + reserve = pay_base + the fixed reserve held (§4.9).
    wage = basic + reserve + education + certificate_allowance + tenure
    if t.fixed_allowances.any():
        fixed_allowances = t.fixed_allowances[pop.post]
        wage += fixed_allowances
    else:
        fixed_allowances = np.zeros_like(wage)
    if version.protect_previous_pay:
        # previous_pay is 0 when not given, which gives max(0, 0 − wage) = 0.
        difference = np.maximum(pop.previous_pay - wage, 0)
    else:
        difference = np.zeros_like(wage)
    return StandardMonth(
        service_months=service_months,
        service_years=service_years,
        counted_years=counted,
        credit_years=credit,
        steps=steps,
        certificate_counts=certificate_counts,
        certificate=certificate,
        education_bonus=education_bonus,
        certificate_bonus=certificate_bonus,
        bonus=bonus,
        grade=grade,
        probation=probation,
        grade_pay=t.grade_pay[grade],
        pay_base=pay_base,
        reserve=reserve,
        basic_pay=basic,
        education_allowance=education,
        certificate_allowance=certificate_allowance,
        tenure_allowance=tenure,
        fixed_allowances=fixed_allowances,
        wage=wage,
        difference_allowance=difference,
    )


@dataclass
class MonthResult:
    """One month for a whole population: every payslip column plus the
    intermediate values the explanation shows.  Arrays hold one entry per worker;
    entries of workers without a payslip this month (``paid`` false) are 0."""

    period: Period
    version: PolicyVersion
    #: Position of the first worker of these arrays in the whole population
    #: (non-zero when :func:`payroll.months.compute_periods` computes in chunks).
    offset: int
    #: Whether the worker has a payslip this month (a correction-only one included).
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
    probation: np.ndarray  # bool
    grade_pay: np.ndarray
    pay_base: np.ndarray
    standard_reserve: np.ndarray
    standard_basic_pay: np.ndarray
    standard_education_allowance: np.ndarray
    standard_certificate_allowance: np.ndarray
    standard_tenure_allowance: np.ndarray
    standard_fixed_allowances: np.ndarray
    standard_wage: np.ndarray
    standard_difference_allowance: np.ndarray
    # §5 proration
    days: np.ndarray
    basic_pay: np.ndarray
    performance_reserve: np.ndarray
    education_allowance: np.ndarray
    certificate_allowance: np.ndarray
    tenure_allowance: np.ndarray
    fixed_allowances: np.ndarray
    difference_allowance: np.ndarray
    # §6 performance pay
    payout: np.ndarray  # bool
    #: Reserve accrued this year up to and including this month, before any payout.
    accrued_reserve: np.ndarray
    performance_factor: np.ndarray  # scaled
    performance_pay: np.ndarray
    # §13 back pay, and whether this is a payslip that carries only it
    back_pay: np.ndarray
    correction_only: np.ndarray  # bool
    # §7
    gross: np.ndarray
    # §8
    #: The wage W the bases were taken from, and its month (index), per base.
    si_base_wage: np.ndarray
    si_base_month: np.ndarray
    hf_base_wage: np.ndarray
    hf_base_month: np.ndarray
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
    #: The months the basic deduction is counted for (n, 12 or P.month).
    basic_deduction_months: np.ndarray
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

    #: §13: the month-by-month differences behind ``back_pay`` (first month after paid months only).
    back_pay_detail: BackPayDetail | None = None

    def column(self, name: str) -> np.ndarray:
        return getattr(self, name)


#: Workers computed together by :func:`payroll.months.compute_periods` when asked to chunk.
#: Arrays of 65,536 int64 (512 KB) stay in the CPU cache and are recycled by
#: the allocator; one pass over arrays of a million entries is about three
#: times slower per worker (measured by bench/engine.py).
CHUNK_SIZE = 65_536


class HeldBaseCache:
    """Wages of base months (§8.2) already computed for one population.

    A held base is the same for a year of months, so :func:`payroll.months.compute_periods`
    keeps one cache per block of workers instead of computing the base month
    again every month.  Only valid for the population it was first used with.
    """

    #: Wages kept, in multiples of the population's size: the base months of
    #: this year and the last, and the small groups of workers who started since.
    KEEP = 3

    def __init__(self) -> None:
        self._wages: dict[tuple, np.ndarray] = {}
        self._start_month: np.ndarray | None = None

    def start_month(self, population: Population) -> np.ndarray:
        if self._start_month is None:
            self._start_month = population.start_month
        return self._start_month

    def wage(self, key: tuple, compute) -> np.ndarray:
        if key not in self._wages:
            wage = compute()
            budget = self.KEEP * len(self._start_month) if self._start_month is not None else 0
            while self._wages and sum(map(len, self._wages.values())) + len(wage) > budget:
                self._wages.pop(next(iter(self._wages)))  # the oldest first
            self._wages[key] = wage
        return self._wages[key]


def _held_base_wage(
    version: PolicyVersion,
    population: Population,
    period: Period,
    base_month: int | None,
    this_month: np.ndarray,
    needed: np.ndarray,
    cache: HeldBaseCache,
) -> tuple[np.ndarray, np.ndarray]:
    """``W`` of §8 for each worker and the month it was taken from (§8.2).

    The base month ``B`` is the latest month not after ``period`` whose month
    number is ``base_month``, or the month of service_start when that is later;
    ``W`` is §4's wage of ``B`` under the version in force in ``B`` (the
    document's earliest when none was).  ``needed`` marks the workers whose
    base is used (those with a payslip)."""
    if base_month is None:
        return this_month, np.broadcast_to(np.int64(period.index), (len(population),))
    common = period.year * 12 + base_month - 1
    if base_month > period.month:
        common -= 12
    held_month = np.maximum(common, cache.start_month(population))
    wage = this_month
    if common < period.index:
        wage = np.where(held_month == common, _base_month_wage(version, population, common, needed, cache), wage)
    late = needed & (held_month > common) & (held_month < period.index)
    if late.any():
        wage = wage.copy()
        for month in np.unique(held_month[late]).tolist():
            group = np.flatnonzero(held_month == month)
            wage[group] = _base_month_wage(version, population.take(group), month, needed[group], cache, key=("started", month))
    return wage, held_month


def _base_month_wage(
    version: PolicyVersion,
    population: Population,
    month_index: int,
    needed: np.ndarray,
    cache: HeldBaseCache,
    key: tuple | None = None,
) -> np.ndarray:
    base_period = Period.from_index(month_index)
    base_version = version.version_in_force_or_earliest(base_period)
    unknown = needed & ~base_version.tables.post_known[population.post]
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        worker, post = population.ids[i], population.post_keys[population.post[i]]
        raise EngineError(
            f"工作者 {worker}：post：{post} 不是 {base_period}（缴费基数核定月份，§8.2）生效的政策版本中的岗位",
            f"worker {worker}: post: {post} is not a post of the policy version in force for {base_period}, "
            "the month its contribution base is held from (§8.2)",
        )
    return cache.wage(
        key or ("all", month_index),
        lambda: standard_month(base_version, population, base_period).contribution_wage,
    )


def _contribution(base: np.ndarray, rule: ContributionRule, rounding: str, has_payslip: np.ndarray) -> np.ndarray:
    """A contribution item of §8.3: each rate part rounded on its own (§8.4),
    plus the fixed amounts, for workers with a payslip."""
    rates = [rate for rate in rule.rates if rate]
    if len(rates) == 1 and not rule.fixed:  # a plain rate: the common case
        return np_mul_rate_rounded(base, rates[0], rounding)
    amount = np.zeros_like(base)
    for rate in rates:
        amount += np_mul_rate_rounded(base, rate, rounding)
    if rule.fixed:
        amount += np.where(has_payslip, rule.fixed, 0)
    return amount


def in_service(population: Population, period: Period) -> np.ndarray:
    """Workers whose service overlaps ``period`` (§5) and whose month was not
    paid by the system used before (months up to opening_through, §9)."""
    return (
        (population.start_day <= period.last_day)
        & (population.end_day >= period.first_day)
        & (population.opening_through < period.index)
    )


#: MonthResult fields copied from the month's StandardMonth: (result field, StandardMonth field).
_STANDARD_RESULT_FIELDS = (
    *((name, name) for name in (
        "service_months", "service_years", "counted_years", "credit_years", "steps", "certificate_counts",
        "education_bonus", "certificate_bonus", "bonus", "grade", "probation", "grade_pay", "pay_base",
    )),
    ("standard_reserve", "reserve"),
    ("standard_basic_pay", "basic_pay"),
    ("standard_education_allowance", "education_allowance"),
    ("standard_certificate_allowance", "certificate_allowance"),
    ("standard_tenure_allowance", "tenure_allowance"),
    ("standard_fixed_allowances", "fixed_allowances"),
    ("standard_wage", "wage"),
    ("standard_difference_allowance", "difference_allowance"),
)


def _check_posts(version: PolicyVersion, pop: Population, period: Period) -> None:
    """Posts must exist in the version in force."""
    known = version.tables.post_known[pop.post]
    if not known.all():
        bad = int(np.flatnonzero(~known)[0])
        worker, post, since = pop.ids[bad], pop.post_keys[pop.post[bad]], version.effective_from.isoformat()
        raise EngineError(
            f"工作者 {worker}：post：{post} 不是 {period} 生效的政策版本（{since} 起生效）中的岗位",
            f"worker {worker}: post: {post} is not a post of the policy version in force for {period} "
            f"(effective from {since})",
        )


@dataclass
class _Service:
    """§5 who is paid this month, and for how many days."""

    serving: np.ndarray  # bool: service overlaps the month (and the month was not paid before, §9)
    days: np.ndarray
    #: §13: back pay, kept for workers with a payslip; a worker with back pay
    #: and no service gets a payslip of its own (days 0, so every prorated amount is 0).
    back_pay: np.ndarray
    correction_only: np.ndarray  # bool
    paid: np.ndarray  # bool: serving or correction only


def _service(pop: Population, period: Period, back_pay: np.ndarray | None) -> _Service:
    # Months up to a worker's opening_through were paid by the system used before (§9).
    first = np.maximum(pop.start_day, period.first_day)
    last = np.minimum(pop.end_day, period.last_day)
    serving = (last >= first) & (pop.opening_through < period.index)
    days = np.where(serving, last - first + 1, 0)
    if back_pay is None:
        back_pay = np.zeros(len(pop), dtype=np.int64)
        correction_only = np.zeros(len(pop), dtype=bool)
    else:
        correction_only = ~serving & (back_pay != 0)
        back_pay = np.where(serving | correction_only, back_pay, 0)
    return _Service(serving, days, back_pay, correction_only, serving | correction_only)


def _prorated_pay(version: PolicyVersion, std: StandardMonth, days: np.ndarray, month_days: int) -> dict[str, np.ndarray]:
    """§5 proration of the full-month amounts, R(amount × days / D) (a full
    month leaves them unchanged); the MonthResult fields."""

    def prorate(amount: np.ndarray) -> np.ndarray:
        return (2 * days * amount + month_days) // (2 * month_days)

    return {
        "basic_pay": prorate(std.basic_pay),
        "performance_reserve": prorate(std.reserve),
        "education_allowance": prorate(std.education_allowance),
        "certificate_allowance": prorate(std.certificate_allowance),
        "tenure_allowance": prorate(std.tenure_allowance),
        "fixed_allowances": prorate(std.fixed_allowances) if version.allowances.fixed else std.fixed_allowances,
        "difference_allowance": (prorate(std.difference_allowance) if version.protect_previous_pay
                                 else std.difference_allowance),
    }


@dataclass
class _Performance:
    """§6 the month's performance pay and the reserve carried on."""

    accrued: np.ndarray  # the reserve held, this month's included
    leaves: np.ndarray  # bool: service ends this month
    payout: np.ndarray  # bool
    factor: np.ndarray  # scaled factor of the year's assessment
    performance_pay: np.ndarray
    reserve_after: np.ndarray


def _performance(version: PolicyVersion, pop: Population, period: Period, state: YearState, serving: np.ndarray,
                 reserve: np.ndarray) -> _Performance:
    """Reserves accrue; a payout month (or the month a worker leaves) pays them
    out with the factor of the year's assessment."""
    accrued = state.reserve + reserve
    leaves = (pop.end_day >= period.first_day) & (pop.end_day <= period.last_day)
    if period.month in version.performance.payout_months:
        payout = serving.copy()
    else:
        payout = leaves & serving
    factor = version.tables.factors[pop.assessment]  # index −1 is the default assessment
    performance_pay = np.where(payout, (2 * accrued * factor + RATE_SCALE) // _TWO_SCALE, 0)
    return _Performance(accrued, leaves, payout, factor, performance_pay, np.where(payout, 0, accrued))


def compute_month(
    version: PolicyVersion,
    population: Population,
    period: Period,
    state: YearState,
    back_pay: np.ndarray | None = None,
    held_bases: HeldBaseCache | None = None,
) -> tuple[MonthResult, YearState]:
    """Compute month ``period`` for every worker; return it and the new state.

    ``version`` must be the version in force for ``period``; ``state`` the
    totals of the same year up to the month before (see
    :meth:`YearState.start_of_year`, or :func:`payroll.corrections.compute_corrections`
    for the first month after paid months).  ``back_pay`` (fen per worker,
    §13) is added to the month's gross; a worker with back pay and no service
    gets a payslip that carries only it.  ``held_bases`` may be passed by a
    caller computing consecutive months of the same population, so a held
    contribution base (§8.2) is computed once.  The input state is not modified.
    """
    pop = population
    _check_posts(version, pop, period)
    if held_bases is None:
        held_bases = HeldBaseCache()
    service = _service(pop, period, back_pay)
    serving, paid, back_pay, correction_only = service.serving, service.paid, service.back_pay, service.correction_only
    std = standard_month(version, pop, period)
    pay = _prorated_pay(version, std, service.days, period.days)
    perf = _performance(version, pop, period, state, serving, pay["performance_reserve"])

    # §7 gross.
    gross = pay["basic_pay"] + pay["education_allowance"] + pay["certificate_allowance"] + pay["tenure_allowance"]
    gross += pay["fixed_allowances"]
    gross += pay["difference_allowance"]
    gross += perf.performance_pay
    if correction_only.any() or back_pay.any():
        gross += back_pay

    c = _contributions(version, pop, period, std, serving, held_bases)
    employee_contributions = c["employee_pension"] + c["employee_medical"] + c["employee_unemployment"]
    employee_contributions += c["housing_fund_employee"]
    tax = _income_tax(version, pop, period, state, paid, gross, perf.performance_pay, perf.payout & ~perf.leaves,
                      employee_contributions)
    cum_deductions = tax.pop("cum_deductions")  # the state's, not a MonthResult field

    # §10 net pay and employer cost.
    net = gross - employee_contributions - tax["income_tax"] - tax["bonus_tax"]
    employer_cost = gross + c["employer_pension"] + c["employer_medical"] + c["employer_unemployment"]
    employer_cost += c["employer_work_injury"]
    employer_cost += c["housing_fund_employer"]
    employer_cost += c["accident_insurance"]

    new_state = YearState(
        tax_months=tax["tax_months"],
        income=tax["cum_income"],
        deductions=cum_deductions,
        tax=state.tax + tax["income_tax"],
        reserve=perf.reserve_after,
    )
    result = MonthResult(
        period=period,
        version=version,
        offset=0,
        paid=paid,
        **{result_field: getattr(std, std_field) for result_field, std_field in _STANDARD_RESULT_FIELDS},
        post=pop.post,
        days=service.days,
        **pay,
        payout=perf.payout,
        accrued_reserve=perf.accrued,
        performance_factor=perf.factor,
        performance_pay=perf.performance_pay,
        back_pay=back_pay,
        correction_only=correction_only,
        gross=gross,
        **c,
        **tax,
        employee_contributions=employee_contributions,
        net=net,
        employer_cost=employer_cost,
    )
    return result, new_state


def _contributions(
    version: PolicyVersion,
    pop: Population,
    period: Period,
    std: StandardMonth,
    serving: np.ndarray,
    held_bases: HeldBaseCache,
) -> dict[str, np.ndarray]:
    """§8 contributions on the standard (unprorated) wage, or the wage of the
    base month, full-month whenever there is service; the MonthResult fields."""
    t = version.tables
    si, hf = version.social_insurance, version.housing_fund
    this_wage = std.contribution_wage
    si_wage, si_month = _held_base_wage(version, pop, period, si.base_month, this_wage, serving, held_bases)
    if hf.base_month == si.base_month:
        hf_wage, hf_month = si_wage, si_month
    else:
        hf_wage, hf_month = _held_base_wage(version, pop, period, hf.base_month, this_wage, serving, held_bases)
    si_base = np.where(serving, np.clip(si_wage, si.base_floor, si.base_ceiling), 0)
    hf_base = np.where(serving, np.clip(hf_wage, hf.base_floor, hf.base_ceiling), 0)
    employee = {
        f"employee_{item}": _contribution(si_base, rule, si.rounding, serving)
        for item, rule in zip(codes.SI_EMPLOYEE_ITEMS, t.si_employee_rules)
    }
    employer = {
        f"employer_{item}": _contribution(si_base, rule, si.rounding, serving)
        for item, rule in zip(codes.SI_EMPLOYER_ITEMS, t.si_employer_rules)
    }
    return {
        "si_base_wage": si_wage,
        "si_base_month": si_month,
        "hf_base_wage": hf_wage,
        "hf_base_month": hf_month,
        "si_base": si_base,
        "hf_base": hf_base,
        **employee,
        **employer,
        "housing_fund_employee": np_mul_rate_rounded(hf_base, hf.employee, hf.rounding),
        "housing_fund_employer": np_mul_rate_rounded(hf_base, hf.employer, hf.rounding),
        "accident_insurance": np.where(serving, t.accident_insurance, 0),
    }


def _income_tax(
    version: PolicyVersion,
    pop: Population,
    period: Period,
    state: YearState,
    paid: np.ndarray,
    gross: np.ndarray,
    performance_pay: np.ndarray,
    payout_staying: np.ndarray,
    employee_contributions: np.ndarray,
) -> dict[str, np.ndarray]:
    """§9 income tax, cumulative withholding; the once-a-year payout may be
    taxed on its own, by the worker's choice or the policy's.  A leaver's
    payout (not in ``payout_staying``) is always taxed cumulatively, and so is
    back pay.  The MonthResult fields, plus ``cum_deductions`` for the state."""
    t = version.tables
    if version.single_payout_month == period.month:
        chooses_separate = np.where(
            pop.bonus_tax_method == codes.DEFAULT_BONUS_TAX_METHOD,
            version.performance.separate_by_default,
            pop.bonus_tax_method == codes.BONUS_TAX_METHOD_INDEX["SEPARATE"],
        )
        separate = payout_staying & chooses_separate
    else:
        separate = np.zeros(len(pop), dtype=bool)
    tax_months = state.tax_months + paid
    basic_months = _basic_deduction_months(pop.tax_basic_deduction, tax_months, period)
    cum_income = state.income + np.where(separate, gross - performance_pay, gross)
    cum_deductions = state.deductions + employee_contributions + np.where(paid, pop.special_deduction, 0)
    cum_deduction = cum_deductions + version.income_tax.monthly_basic_deduction * basic_months
    cum_taxable = np.maximum(cum_income - cum_deduction, 0)
    bracket = np.searchsorted(t.bracket_upto, cum_taxable, side="left")
    cum_tax = _round_signed(cum_taxable * t.bracket_rate[bracket] - t.bracket_quick[bracket] * RATE_SCALE)
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
    return {
        "separate_bonus": separate,
        "tax_months": tax_months,
        "basic_deduction_months": basic_months,
        "cum_income": cum_income,
        "cum_deductions": cum_deductions,
        "cum_deduction": cum_deduction,
        "cum_taxable": cum_taxable,
        "tax_bracket": bracket,
        "cum_tax": cum_tax,
        "tax_withheld_before": state.tax,
        "income_tax": np.where(paid, np.maximum(cum_tax - state.tax, 0), 0),
        "bonus_bracket": bonus_bracket,
        "bonus_tax": bonus_tax,
    }


def _basic_deduction_months(rule: np.ndarray, tax_months: np.ndarray, period: Period) -> np.ndarray:
    """How many months of basic deduction §9 counts: ``n`` (MONTHLY), 12
    (FULL_YEAR, 公告2020年第13号) or the month number (FROM_JANUARY, 第19号)."""
    if not rule.any():
        return tax_months
    months = np.where(rule == codes.TAX_BASIC_DEDUCTION_INDEX["FULL_YEAR"], 12, tax_months)
    return np.where(rule == codes.TAX_BASIC_DEDUCTION_INDEX["FROM_JANUARY"], period.month, months)


def _round_signed(scaled: np.ndarray) -> np.ndarray:
    """``R(x / 10^6)`` half up, away from zero on a tie, for either sign."""
    magnitude = (2 * np.abs(scaled) + RATE_SCALE) // _TWO_SCALE
    return np.where(scaled < 0, -magnitude, magnitude)


def version_for_year_to_date(
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
        paid = in_service(population, period)
        if not paid.any():
            return None
        worker = population.ids[int(np.flatnonzero(paid)[0])]
        raise NoVersionInForce(
            f"政策 {policy.id}：{period} 没有生效的版本，而计算 {start} 的累计个税需要它（工作者 {worker} 在 {period} "
            "有工资且没有截至该月的期初数据）",
            f"policy {policy.id}: no version is in force for {period}, which the year-to-date income tax of {start} "
            f"needs (worker {worker} is paid in {period} and has no opening balances through it)",
        ) from None


def compute_year_state(
    policy: Policy, population: Population, period: Period
) -> YearState:
    """The totals of ``period``'s year up to the month before ``period``."""
    state = YearState.start_of_year(population, period.year)
    held_bases = HeldBaseCache()
    for month in range(1, period.month):
        p = Period(period.year, month)
        version = version_for_year_to_date(policy, population, p, period)
        if version is not None:
            _, state = compute_month(version, population, p, state, held_bases=held_bases)
    return state
