"""Explanations: which rule and which policy figures produced each amount.

For one worker and month the engine's own arrays (a population of one) are
turned into lines such as::

    §4.1 岗位等级工资 Grade pay = 5532.18
         40234.00 × 1.65 / 12 = 5532.175 → 5532.18
         versions[1].base_income_annual = 40234.00, versions[1].grades.coefficients[10] = 1.65

The numbers come from the same computation that produced the payslip, so an
explanation can never disagree with the amount it explains.  The service calls
:func:`explain_result` on a stored payslip's inputs; the CLI and
``salaryQuote`` call :func:`explain_month`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import codes
from .engine import MonthResult, YearState, compute_month, compute_year_state
from .money import RATE_SCALE, exact_text, format_fen, format_rate
from .periods import Period
from .policy import Policy, PolicyVersion
from .workers import Population, WorkerInput

#: Chinese and English names of every explained item.
LABELS: dict[str, tuple[str, str]] = {
    "counted_years": ("计算工龄", "Counted years of service"),
    "grade": ("岗位等级", "Grade"),
    "grade_pay": ("岗位等级工资", "Grade pay"),
    "performance_reserve": ("绩效预留", "Performance reserve"),
    "days": ("计薪天数", "Days paid"),
    "basic_pay": ("基本报酬", "Basic pay"),
    "education_allowance": ("学历津贴", "Education allowance"),
    "certificate_allowance": ("职业资格津贴", "Certificate allowance"),
    "tenure_allowance": ("任期（工龄）补贴", "Tenure allowance"),
    "standard_wage": ("标准月工资", "Standard monthly wage"),
    "difference_allowance": ("套改保留补差", "Conversion difference allowance"),
    "performance_pay": ("绩效工资", "Performance pay"),
    "gross": ("应发工资", "Gross pay"),
    "si_base": ("社保缴费基数", "Social insurance base"),
    "employee_pension": ("个人养老保险", "Employee pension"),
    "employee_medical": ("个人医疗保险", "Employee medical insurance"),
    "employee_unemployment": ("个人失业保险", "Employee unemployment insurance"),
    "housing_fund_employee": ("个人住房公积金", "Employee housing fund"),
    "income_tax": ("个人所得税（累计预扣）", "Income tax (cumulative withholding)"),
    "bonus_tax": ("全年一次性奖金个税", "Annual bonus tax"),
    "net": ("实发工资", "Net pay"),
    "employer_pension": ("单位养老保险", "Employer pension"),
    "employer_medical": ("单位医疗保险", "Employer medical insurance"),
    "employer_unemployment": ("单位失业保险", "Employer unemployment insurance"),
    "employer_work_injury": ("单位工伤保险", "Employer work injury insurance"),
    "housing_fund_employer": ("单位住房公积金", "Employer housing fund"),
    "accident_insurance": ("人身意外伤害保险", "Accident insurance"),
    "employer_cost": ("单位用人成本", "Employer cost"),
}


@dataclass(frozen=True)
class Figure:
    """A policy figure used by a line: its path in the document and its value."""

    path: str
    value: str


@dataclass(frozen=True)
class ExplanationLine:
    item: str
    rule: str
    formula: str
    calculation: str
    value: str
    figures: tuple[Figure, ...] = ()

    @property
    def label_zh(self) -> str:
        return LABELS[self.item][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.item][1]


@dataclass(frozen=True)
class Explanation:
    worker_id: str
    period: Period
    policy_id: str
    version_effective_from: str
    lines: tuple[ExplanationLine, ...] = field(default=())

    def line(self, item: str) -> ExplanationLine:
        for line in self.lines:
            if line.item == item:
                return line
        raise KeyError(item)


def _yuan(fen: int) -> str:
    return format_fen(int(fen))


def _times_rate(fen: int, rate: int, divisor: int = 1) -> str:
    """Exact ``fen × rate / divisor`` in yuan, for display."""
    return exact_text(Decimal(int(fen)) * Decimal(int(rate)) / (Decimal(100 * RATE_SCALE) * divisor))


def _minus_quick(fen: int, rate: int, quick: int) -> str:
    """Exact ``amount × rate − quick_deduction`` in yuan."""
    value = (Decimal(int(fen)) * Decimal(int(rate)) / RATE_SCALE - Decimal(int(quick))) / 100
    return ("-" if value < 0 else "") + exact_text(abs(value))


def _rounded(exact: str, fen: int) -> str:
    """``exact → R(exact)``, or just the amount when it needed no rounding."""
    if not exact.endswith("…") and Decimal(exact) == Decimal(int(fen)).scaleb(-2):
        return _yuan(fen)
    return f"{exact} → {_yuan(fen)}"


def explain_month(
    policy: Policy, worker: WorkerInput, period: Period, state: YearState | None = None
) -> Explanation | None:
    """Explain one worker's payslip for ``period``; ``None`` when there is none.

    ``state`` is the worker's year-to-date totals before ``period``; when not
    given, the year is computed from January (or the opening month).
    """
    population = Population.from_workers([worker], policy.post_keys)
    if state is None:
        state = compute_year_state(policy, population, period)
    version = policy.version_for(period)
    result, _ = compute_month(version, population, period, state)
    return explain_result(policy, result, 0, worker)


def explain_result(policy: Policy, result: MonthResult, i: int, worker: WorkerInput) -> Explanation | None:
    """Explain entry ``i`` of a computed month (the worker it belongs to given)."""
    if not result.paid[i]:
        return None
    v: PolicyVersion = result.version
    vp = v.path
    P = result.period
    get = lambda name: int(result.column(name)[i])  # noqa: E731
    lines: list[ExplanationLine] = []

    def add(item: str, rule: str, formula: str, calculation: str, value: str, *figures: tuple[str, str]) -> None:
        lines.append(
            ExplanationLine(
                item=item,
                rule=rule,
                formula=formula,
                calculation=calculation,
                value=value,
                figures=tuple(Figure(f"{vp}.{path}", text) for path, text in figures),
            )
        )

    # §2 service years
    s = worker.service_start
    months, years, counted = get("service_months"), get("service_years"), get("counted_years")
    raw_months = (P.year - s.year) * 12 + (P.month - s.month) - (1 if s.day > 1 else 0)
    add(
        "counted_years",
        "§2",
        "months = (P.year − start.year) × 12 + (P.month − start.month) − (1 if start day > 1), at least 0; "
        "service_years = floor(months / 12); counted_years = max(0, service_years + prior_service_years − incompetent_years)",
        f"start {s.isoformat()}: months = ({P.year} − {s.year}) × 12 + ({P.month} − {s.month})"
        + (" − 1" if s.day > 1 else "")
        + f" = {raw_months}"
        + (f" → {months}" if months != raw_months else "")
        + f"; service_years = floor({months} / 12) = {years}; "
        f"counted_years = max(0, {years} + {worker.prior_service_years} − {worker.incompetent_years}) = {counted}",
        str(counted),
    )

    # §3 grade
    post = v.posts[worker.post]
    promo = v.promotion
    credit, steps = get("credit_years"), get("steps")
    eb, cb, bonus, grade = get("education_bonus"), get("certificate_bonus"), get("bonus"), get("grade")
    counts = bool(result.certificate_counts[i])
    cert = worker.certificate if counts else "NONE"
    if worker.certificate == "NONE":
        cert_note = "no certificate"
    elif counts:
        cert_note = f"certificate {worker.certificate} registered {worker.certificate_date.isoformat()} counts"
    else:
        cert_note = f"certificate {worker.certificate} registered {worker.certificate_date.isoformat()} does not count yet"
    add(
        "grade",
        "§3",
        "steps = floor((counted_years + education_credit_years[education]) / years_per_grade); "
        "bonus = education_grade_bonus[education] "
        + ("+" if promo.bonus_combine == "SUM" else "max with")
        + " certificate_grade_bonus[certificate]; grade = min(max_grade, max(min_grade, min_grade + steps + bonus))",
        f"steps = floor(({counted} + {credit}) / {promo.years_per_grade}) = {steps}; {cert_note}; "
        f"bonus = {promo.bonus_combine}({eb}, {cb}) = {bonus}; "
        f"grade = min({post.max_grade}, max({post.min_grade}, {post.min_grade} + {steps} + {bonus})) = {grade}",
        str(grade),
        (f"promotion.education_credit_years.{worker.education}", str(credit)),
        ("promotion.years_per_grade", str(promo.years_per_grade)),
        (f"promotion.education_grade_bonus.{worker.education}", str(eb)),
        (f"promotion.certificate_grade_bonus.{cert}", str(cb)),
        ("promotion.bonus_combine", promo.bonus_combine),
        (f"posts.{worker.post}.min_grade", str(post.min_grade)),
        (f"posts.{worker.post}.max_grade", str(post.max_grade)),
    )

    # §4.1–4.2 grade pay and the reserve
    coefficient = v.grades.coefficients[grade - 1]
    grade_pay = get("grade_pay")
    add(
        "grade_pay",
        "§4.1",
        "R(base_income_annual × grades.coefficients[grade] / 12)",
        f"{_yuan(v.base_income_annual)} × {format_rate(coefficient)} / 12 = "
        + _rounded(_times_rate(v.base_income_annual, coefficient, 12), grade_pay),
        _yuan(grade_pay),
        ("base_income_annual", _yuan(v.base_income_annual)),
        (f"grades.coefficients[{grade - 1}]", format_rate(coefficient)),
    )
    share = v.performance.withheld_share
    reserve_std = get("standard_reserve")
    add(
        "performance_reserve",
        "§4.2",
        "R(grade_pay × performance.withheld_share), held back for the assessment",
        f"{_yuan(grade_pay)} × {format_rate(share)} = " + _rounded(_times_rate(grade_pay, share), reserve_std),
        _yuan(reserve_std),
        ("performance.withheld_share", format_rate(share)),
    )

    # §5 days
    days, d = get("days"), P.days
    first = max(worker.service_start, P.first)
    last = min(worker.service_end or P.last, P.last)
    add(
        "days",
        "§5",
        "days = min(service_end or Pn, Pn) − max(service_start, P1) + 1",
        f"{last.isoformat()} − {first.isoformat()} + 1 = {days} of {d} days",
        str(days),
    )

    def prorated(item: str, standard: int, rule: str, formula: str, calculation: str, *figures: tuple[str, str]) -> None:
        amount = get(item)
        if days == d:
            text = f"{calculation}; full month"
        else:
            text = f"{calculation}; × {days} / {d} = " + _rounded(
                exact_text(Decimal(standard) * days / (100 * d)), amount
            )
        add(item, rule, formula + ("" if days == d else ", then R(amount × days / D)"), text, _yuan(amount), *figures)

    standard_basic = get("standard_basic_pay")
    prorated(
        "basic_pay",
        standard_basic,
        "§4.2, §5",
        "grade_pay − performance_reserve",
        f"{_yuan(grade_pay)} − {_yuan(reserve_std)} = {_yuan(standard_basic)}",
    )
    edu = get("standard_education_allowance")
    prorated(
        "education_allowance",
        edu,
        "§4.3, §5",
        "allowances.education[education] (0 when absent)",
        f"{worker.education} ({codes.EDUCATION_LABELS[worker.education]}): {_yuan(edu)}",
        (f"allowances.education.{worker.education}", _yuan(edu)),
    )
    cert_amount = get("standard_certificate_allowance")
    prorated(
        "certificate_allowance",
        cert_amount,
        "§4.4, §5",
        "allowances.certificate[certificate] when the certificate counts in the month, else 0",
        f"{cert_note}: {_yuan(cert_amount)}",
        *((((f"allowances.certificate.{cert}", _yuan(cert_amount)),) if cert != "NONE" else ())),
    )
    tenure = get("standard_tenure_allowance")
    al = v.allowances
    prorated(
        "tenure_allowance",
        tenure,
        "§4.5, §5",
        "allowances.tenure_per_year × min(counted_years, allowances.tenure_cap_years)",
        f"{_yuan(al.tenure_per_year)} × min({counted}, {al.tenure_cap_years}) = {_yuan(tenure)}",
        ("allowances.tenure_per_year", _yuan(al.tenure_per_year)),
        ("allowances.tenure_cap_years", str(al.tenure_cap_years)),
    )
    wage = get("standard_wage")
    add(
        "standard_wage",
        "§4.6",
        "grade_pay + education_allowance + certificate_allowance + tenure_allowance (full month)",
        f"{_yuan(grade_pay)} + {_yuan(edu)} + {_yuan(cert_amount)} + {_yuan(tenure)} = {_yuan(wage)}",
        _yuan(wage),
    )
    diff = get("standard_difference_allowance")
    if not v.protect_previous_pay:
        diff_text = "conversion.protect_previous_pay is false: 0.00"
    elif worker.previous_monthly_pay is None:
        diff_text = "no previous monthly pay given: 0.00"
    else:
        diff_text = f"max(0, {_yuan(worker.previous_monthly_pay)} − {_yuan(wage)}) = {_yuan(diff)}"
    prorated(
        "difference_allowance",
        diff,
        "§4.7, §5",
        "max(0, previous_monthly_pay − standard_wage) when conversion.protect_previous_pay",
        diff_text,
        ("conversion.protect_previous_pay", str(v.protect_previous_pay).lower()),
    )

    # §6 performance pay
    perf = v.performance
    accrued, perf_pay, factor = get("accrued_reserve"), get("performance_pay"), get("performance_factor")
    reserve_month = get("performance_reserve")
    assessment = worker.assessment or perf.default_assessment
    assessment_text = f"{assessment} ({codes.ASSESSMENT_LABELS[assessment]})" + (
        "" if worker.assessment else ", the default assessment"
    )
    months_text = ", ".join(str(m) for m in perf.payout_months)
    if result.payout[i]:
        why = "payout month" if P.month in perf.payout_months else "the worker leaves this month"
        calc = (
            f"{why}; reserve this month {_yuan(reserve_month)}, accrued this year {_yuan(accrued)}; "
            f"{_yuan(accrued)} × {format_rate(factor)} ({assessment_text}) = "
            + _rounded(_times_rate(accrued, factor), perf_pay)
        )
    else:
        calc = (
            f"not a payout month (payout months: {months_text}); reserve this month {_yuan(reserve_month)} "
            f"accrues, {_yuan(accrued)} accrued so far: 0.00"
        )
    add(
        "performance_pay",
        "§6",
        "in a payout month (or when the worker leaves): R(accrued reserve × performance.factors[assessment])",
        calc,
        _yuan(perf_pay),
        ("performance.payout_months", f"[{months_text}]"),
        (f"performance.factors.{assessment}", format_rate(factor)),
    )

    # §7 gross
    parts = ["basic_pay", "education_allowance", "certificate_allowance", "tenure_allowance", "difference_allowance", "performance_pay"]
    add(
        "gross",
        "§7",
        " + ".join(parts),
        " + ".join(_yuan(get(p)) for p in parts) + f" = {_yuan(get('gross'))}",
        _yuan(get("gross")),
    )

    # §8 contributions
    si = v.social_insurance
    si_base = get("si_base")
    add(
        "si_base",
        "§8",
        "min(base_ceiling, max(base_floor, standard_wage + difference_allowance)) (full-month amounts)",
        f"min({_yuan(si.base_ceiling)}, max({_yuan(si.base_floor)}, {_yuan(wage)} + {_yuan(diff)})) = {_yuan(si_base)}",
        _yuan(si_base),
        ("social_insurance.base_floor", _yuan(si.base_floor)),
        ("social_insurance.base_ceiling", _yuan(si.base_ceiling)),
    )
    for side, items, rates in (
        ("employee", codes.SI_EMPLOYEE_ITEMS, si.employee),
        ("employer", codes.SI_EMPLOYER_ITEMS, si.employer),
    ):
        for item in items:
            rate = rates.get(item, 0)
            amount = get(f"{side}_{item}")
            add(
                f"{side}_{item}",
                "§8",
                f"R(si_base × social_insurance.{side}.{item})",
                f"{_yuan(si_base)} × {format_rate(rate)} = " + _rounded(_times_rate(si_base, rate), amount),
                _yuan(amount),
                (f"social_insurance.{side}.{item}", format_rate(rate)),
            )
    hf = v.housing_fund
    hf_base = get("hf_base")
    for side, rate in (("employee", hf.employee), ("employer", hf.employer)):
        amount = get(f"housing_fund_{side}")
        add(
            f"housing_fund_{side}",
            "§8",
            f"R(hf_base × housing_fund.{side}), hf_base = min(base_ceiling, max(base_floor, standard_wage + difference_allowance))",
            f"hf_base = min({_yuan(hf.base_ceiling)}, max({_yuan(hf.base_floor)}, {_yuan(wage + diff)})) = {_yuan(hf_base)}; "
            f"{_yuan(hf_base)} × {format_rate(rate)} = " + _rounded(_times_rate(hf_base, rate), amount),
            _yuan(amount),
            ("housing_fund.base_floor", _yuan(hf.base_floor)),
            ("housing_fund.base_ceiling", _yuan(hf.base_ceiling)),
            (f"housing_fund.{side}", format_rate(rate)),
        )
    accident = get("accident_insurance")
    add(
        "accident_insurance",
        "§8",
        "R(accident_insurance_annual / 12), employer only",
        f"{_yuan(v.accident_insurance_annual)} / 12 = "
        + _rounded(exact_text(Decimal(v.accident_insurance_annual) / 1200), accident),
        _yuan(accident),
        ("accident_insurance_annual", _yuan(v.accident_insurance_annual)),
    )

    # §9 income tax
    tax = v.income_tax
    n, cum_income, cum_deduction = get("tax_months"), get("cum_income"), get("cum_deduction")
    taxable, b, cum_tax = get("cum_taxable"), get("tax_bracket"), get("cum_tax")
    before, income_tax = get("tax_withheld_before"), get("income_tax")
    bracket = tax.brackets[b]
    items = cum_deduction - tax.monthly_basic_deduction * n
    separate = bool(result.separate_bonus[i])
    upto = "no upper limit" if bracket.upto is None else f"up to {_yuan(bracket.upto)}"
    add(
        "income_tax",
        "§9",
        "cum_taxable = max(0, Σ income − (monthly_basic_deduction × n + Σ contributions and special deductions)); "
        "cum_tax = R(cum_taxable × rate − quick_deduction) of the first bracket whose upto ≥ cum_taxable; "
        "income_tax = max(0, cum_tax − tax already withheld this year)",
        f"n = {n} months; cum_income = {_yuan(cum_income)}"
        + (" (performance pay taxed separately)" if separate else "")
        + f"; cum_deduction = {_yuan(tax.monthly_basic_deduction)} × {n} + {_yuan(items)} = {_yuan(cum_deduction)}; "
        f"cum_taxable = {_yuan(taxable)}; bracket {b + 1} ({upto}): {_yuan(taxable)} × {format_rate(bracket.rate)} − "
        f"{_yuan(bracket.quick_deduction)} = " + _rounded(_minus_quick(taxable, bracket.rate, bracket.quick_deduction), cum_tax)
        + f"; income_tax = max(0, {_yuan(cum_tax)} − {_yuan(before)}) = {_yuan(income_tax)}",
        _yuan(income_tax),
        ("income_tax.monthly_basic_deduction", _yuan(tax.monthly_basic_deduction)),
        (f"income_tax.brackets[{b}].rate", format_rate(bracket.rate)),
        (f"income_tax.brackets[{b}].quick_deduction", _yuan(bracket.quick_deduction)),
    )
    bonus_tax = get("bonus_tax")
    if separate:
        bb = get("bonus_bracket")
        row = tax.bonus_brackets[bb]
        upto = "no upper limit" if row.upto is None else f"up to {_yuan(row.upto)}"
        add(
            "bonus_tax",
            "§9",
            "max(0, R(performance_pay × rate − quick_deduction)) of the first bonus bracket whose upto ≥ performance_pay / 12",
            f"{_yuan(perf_pay)} / 12 = {exact_text(Decimal(perf_pay) / 1200)}: bonus bracket {bb + 1} ({upto}); "
            f"{_yuan(perf_pay)} × {format_rate(row.rate)} − {_yuan(row.quick_deduction)} = "
            + _rounded(_minus_quick(perf_pay, row.rate, row.quick_deduction), bonus_tax),
            _yuan(bonus_tax),
            ("performance.tax_method", perf.tax_method),
            (f"income_tax.bonus_brackets[{bb}].rate", format_rate(row.rate)),
            (f"income_tax.bonus_brackets[{bb}].quick_deduction", _yuan(row.quick_deduction)),
        )
    else:
        if perf_pay == 0:
            why = "no performance pay this month"
        elif not perf.separate_by_default:
            why = "performance.tax_method is CUMULATIVE: the payout is taxed with the month's income"
        elif v.single_payout_month is None:
            why = "performance is paid more than once a year: the payout is taxed with the month's income"
        else:
            why = "a leaver's payout in the final month is taxed cumulatively"
        add("bonus_tax", "§9", "separate tax only for the once-a-year payout", f"{why}: 0.00", "0.00",
            ("performance.tax_method", perf.tax_method))

    # §10 net and employer cost
    contributions = get("employee_contributions")
    add(
        "net",
        "§10",
        "gross − employee contributions (social insurance + housing fund) − income_tax − bonus_tax",
        f"{_yuan(get('gross'))} − {_yuan(contributions)} − {_yuan(income_tax)} − {_yuan(bonus_tax)} = {_yuan(get('net'))}",
        _yuan(get("net")),
    )
    employer_parts = ["gross", "employer_pension", "employer_medical", "employer_unemployment", "employer_work_injury",
                      "housing_fund_employer", "accident_insurance"]
    add(
        "employer_cost",
        "§10",
        " + ".join(employer_parts),
        " + ".join(_yuan(get(p)) for p in employer_parts) + f" = {_yuan(get('employer_cost'))}",
        _yuan(get("employer_cost")),
    )
    return Explanation(
        worker_id=worker.worker_id,
        period=P,
        policy_id=policy.id,
        version_effective_from=v.effective_from.isoformat(),
        lines=tuple(lines),
    )


def explanation_text(explanation: Explanation) -> str:
    """A plain-text rendering for the command line."""
    out = [
        f"{explanation.worker_id} {explanation.period} — policy {explanation.policy_id}, "
        f"version effective from {explanation.version_effective_from}"
    ]
    for line in explanation.lines:
        out.append(f"{line.rule:>9} {line.label_zh} {line.label_en} ({line.item}) = {line.value}")
        out.append(f"{'':>10}{line.calculation}")
        if line.figures:
            out.append(f"{'':>10}[" + ", ".join(f"{f.path} = {f.value}" for f in line.figures) + "]")
    return "\n".join(out) + "\n"


__all__ = [
    "Explanation",
    "ExplanationLine",
    "Figure",
    "LABELS",
    "explain_month",
    "explain_result",
    "explanation_text",
]
