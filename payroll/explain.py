"""Explanations: which rule and which policy figures produced each amount.

For one worker and month the engine's own arrays (a population of one) are
turned into lines such as::

    §4.1 岗位等级工资 Grade pay = 5532.18
         40234.00 × 1.65 / 12 = 5532.175 → 5532.18
         versions[1].base_income_annual = 40234.00, versions[1].grades.coefficients[10] = 1.65

The numbers come from the same computation that produced the payslip, so an
explanation can never disagree with the amount it explains.  Every text is
Chinese first, then English; the § numbers are those of the project's rule
book, ``docs/salary-model.md``.

Entry points:

- :func:`explain_month` — a worker and month, the year computed from January
  (the command line, ``salaryQuote``);
- :func:`explain_stored_payslip` — a payslip computed earlier, from what was
  stored with it: the policy as it was (an explicit :class:`Policy`), the
  worker's inputs, the year-to-date totals before the month and the back-pay
  detail.  Today's policy is not needed;
- :func:`explain_result` — entry ``i`` of a computed :class:`MonthResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Sequence

import numpy as np

from . import codes
from .corrections import BackPayMonth
from .engine import MonthResult, YearState, compute_month, compute_year_state
from .money import RATE_SCALE, exact_text, format_fen, format_rate, np_mul_rate_rounded
from .periods import Period
from .policy import ContributionPart, Policy, PolicyVersion
from .workers import Population, WorkerInput

#: Chinese and English names of every explained item.
LABELS: dict[str, tuple[str, str]] = {
    "counted_years": ("计算工龄", "Counted years of service"),
    "grade": ("岗位等级", "Grade"),
    "grade_pay": ("岗位等级工资", "Grade pay"),
    "pay_base": ("岗位工资基数", "Pay base"),
    "performance_reserve": ("绩效预留", "Performance reserve"),
    "days": ("计薪天数", "Days paid"),
    "basic_pay": ("基本报酬", "Basic pay"),
    "education_allowance": ("学历津贴", "Education allowance"),
    "certificate_allowance": ("职业资格津贴", "Certificate allowance"),
    "tenure_allowance": ("任期（工龄）补贴", "Tenure allowance"),
    "fixed_allowances": ("固定津贴补贴", "Fixed allowances"),
    "standard_wage": ("标准月工资", "Standard monthly wage"),
    "difference_allowance": ("套改保留补差", "Conversion difference allowance"),
    "performance_pay": ("绩效工资", "Performance pay"),
    "back_pay": ("补发（补扣）", "Back pay"),
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

#: How each rounding mode of §8.4 reads.
ROUNDING_TEXT = {
    "FEN": "四舍五入到分 / half up to the fen",
    "YUAN": "四舍五入到元 / half up to the yuan",
    "YUAN_UP": "见角进元 / up to the next yuan",
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


# --- entry points ----------------------------------------------------------------------


def explain_month(
    policy: Policy,
    worker: WorkerInput,
    period: Period,
    state: YearState | None = None,
    back_pay: Sequence[BackPayMonth] = (),
) -> Explanation | None:
    """Explain one worker's payslip for ``period``; ``None`` when there is none.

    ``state`` is the worker's year-to-date totals before ``period``; when not
    given, the year is computed from January (or the opening month).
    ``back_pay`` is the §13 detail of the month, when it carries back pay.
    """
    population = Population.from_workers([worker], policy.post_keys)
    if state is None:
        state = compute_year_state(policy, population, period)
    return explain_stored_payslip(policy, worker, period, state, back_pay)


def explain_stored_payslip(
    policy: Policy,
    worker: WorkerInput,
    period: Period,
    state_before: YearState,
    back_pay: Sequence[BackPayMonth] = (),
) -> Explanation | None:
    """Explain a payslip from what was stored with it: ``policy`` as it was
    when the run was computed (its versions then, not today's), the worker's
    stored inputs, the year-to-date totals before the month (one-entry
    arrays) and the stored back-pay detail (its differences add up to the
    payslip's back pay).  ``None`` when the inputs give no payslip."""
    population = Population.from_workers([worker], policy.post_keys)
    amount = np.array([sum(m.difference for m in back_pay)], dtype=np.int64)
    result, _ = compute_month(policy.version_for(period), population, period, state_before, back_pay=amount)
    return explain_result(policy, result, 0, worker, back_pay)


def explain_result(
    policy: Policy,
    result: MonthResult,
    i: int,
    worker: WorkerInput,
    back_pay: Sequence[BackPayMonth] | None = None,
) -> Explanation | None:
    """Explain entry ``i`` of a computed month (the worker it belongs to given).

    ``back_pay`` is the worker's §13 detail; when not given it is taken from
    ``result.back_pay_detail`` (set by :func:`payroll.months.compute_periods`)."""
    if not result.paid[i]:
        return None
    if back_pay is None:
        detail = result.back_pay_detail
        back_pay = detail.months_of(i) if detail is not None else ()
    ctx = _Context(policy, result, i, worker, tuple(back_pay))
    sections = _CORRECTION_ONLY_SECTIONS if result.correction_only[i] else _SECTIONS
    for section in sections:
        section(ctx)
    return Explanation(
        worker_id=worker.worker_id,
        period=result.period,
        policy_id=policy.id,
        version_effective_from=result.version.effective_from.isoformat(),
        lines=tuple(ctx.lines),
    )


def explanation_text(explanation: Explanation) -> str:
    """A plain-text rendering for the command line."""
    out = [
        f"{explanation.worker_id} {explanation.period} — 政策 policy {explanation.policy_id}, "
        f"版本生效日期 version effective from {explanation.version_effective_from}"
    ]
    for line in explanation.lines:
        out.append(f"{line.rule:>9} {line.label_zh} {line.label_en} ({line.item}) = {line.value}")
        out.append(f"{'':>10}{line.calculation}")
        if line.figures:
            out.append(f"{'':>10}[" + ", ".join(f"{f.path} = {f.value}" for f in line.figures) + "]")
    return "\n".join(out) + "\n"


# --- formatting -------------------------------------------------------------------------


def _yuan(fen: int) -> str:
    return format_fen(int(fen))


def _signed(fen: int) -> str:
    return ("+" if fen >= 0 else "") + _grouped(fen)


def _grouped(fen: int) -> str:
    """Yuan with thousands separators, for the back-pay months: ``5,800.20``."""
    text = _yuan(abs(fen))
    whole, cents = text.split(".")
    return ("-" if fen < 0 else "") + f"{int(whole):,}.{cents}"


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


def _bi(chinese: str, english: str) -> str:
    return f"{chinese} / {english}"


# --- the sections -----------------------------------------------------------------------


class _Context:
    """One payslip being explained: the values, the version and the lines so far."""

    def __init__(self, policy: Policy, result: MonthResult, i: int, worker: WorkerInput,
                 back_pay: tuple[BackPayMonth, ...]):
        self.policy = policy
        self.result = result
        self.i = i
        self.worker = worker
        self.back_pay = back_pay
        self.v: PolicyVersion = result.version
        self.period: Period = result.period
        self.lines: list[ExplanationLine] = []

    def get(self, name: str) -> int:
        return int(self.result.column(name)[self.i])

    def flag(self, name: str) -> bool:
        return bool(self.result.column(name)[self.i])

    def add(self, item: str, rule: str, formula: str, calculation: str, value: str,
            *figures: tuple[str, str], version: PolicyVersion | None = None) -> None:
        """A line; figure paths are relative to ``version`` (the version in force by default)."""
        prefix = (version or self.v).path
        self.lines.append(ExplanationLine(
            item=item, rule=rule, formula=formula, calculation=calculation, value=value,
            figures=tuple(Figure(f"{prefix}.{path}", text) for path, text in figures),
        ))

    @property
    def full_month(self) -> bool:
        return self.get("days") == self.period.days

    def prorated(self, item: str, standard: int, rule: str, formula: str, calculation: str,
                 *figures: tuple[str, str]) -> None:
        """A §5 amount: its full-month calculation, then the days."""
        amount, days, d = self.get(item), self.get("days"), self.period.days
        if days == d:
            text = f"{calculation}；整月 / full month"
        else:
            text = f"{calculation}；× {days} / {d} = " + _rounded(
                exact_text(Decimal(standard) * days / (100 * d)), amount
            )
        suffix = "" if days == d else "，再按天折算 R(金额 × 天数 / D) / then R(amount × days / D)"
        self.add(item, rule + ("" if days == d else ", §5"), formula + suffix, text, _yuan(amount), *figures)


def _explain_service(ctx: _Context) -> None:
    """§2 service years, counted at P1 or at 1 January."""
    w, P, v = ctx.worker, ctx.period, ctx.v
    s = w.service_start
    months, years, counted = ctx.get("service_months"), ctx.get("service_years"), ctx.get("counted_years")
    january = v.promotion.counting == "JANUARY"
    c_month = 1 if january else P.month
    raw = (P.year - s.year) * 12 + (c_month - s.month) - (1 if s.day > 1 else 0)
    when = "按1月1日计 counted at 1 January" if january else "按当月1日计 counted at the 1st of the month"
    ctx.add(
        "counted_years",
        "§2",
        _bi(
            "月数 = (计算日年 − 参加工作年) × 12 + (计算日月 − 参加工作月)，参加工作日不是1日时减1，不小于0；"
            "工作年限 = floor(月数 / 12)；计算工龄 = max(0, 工作年限 + 认定工作年限 − 不称职年数)",
            "months = (C.year − start.year) × 12 + (C.month − start.month) − (1 if start day > 1), at least 0; "
            "service_years = floor(months / 12); counted_years = max(0, service_years + prior_service_years − "
            "incompetent_years)",
        ),
        f"参加工作 start {s.isoformat()}, {when}: months = ({P.year} − {s.year}) × 12 + ({c_month} − {s.month})"
        + (" − 1" if s.day > 1 else "")
        + f" = {raw}"
        + (f" → {months}" if months != raw else "")
        + f"; service_years = floor({months} / 12) = {years}; "
        f"counted_years = max(0, {years} + {w.prior_service_years} − {w.incompetent_years}) = {counted}",
        str(counted),
        ("promotion.counting", v.promotion.counting),
    )


def _certificate_note(ctx: _Context) -> str:
    """§3.3 whether the certificate counts this month, in words."""
    w = ctx.worker
    if w.certificate == "NONE":
        return "无证书 / no certificate"
    label = f"{codes.CERTIFICATE_LABELS[w.certificate]} {w.certificate}"
    date = w.certificate_date.isoformat()
    next_month = ctx.v.certificate_counts_from == "NEXT_MONTH"
    rule = "登记次月起计 counts from the month after registration" if next_month else \
        "登记当月起计 counts from the month of registration"
    if ctx.flag("certificate_counts"):
        return f"证书 {label} {date} 登记，本月计入 / registered {date}, counts ({rule})"
    return f"证书 {label} {date} 登记，本月尚不计入 / registered {date}, does not count yet ({rule})"


def _counting_certificate(ctx: _Context) -> str:
    return ctx.worker.certificate if ctx.flag("certificate_counts") else "NONE"


def _explain_grade(ctx: _Context) -> None:
    """§3 grade."""
    w, v = ctx.worker, ctx.v
    post, promo = v.posts[w.post], v.promotion
    counted, credit, steps = ctx.get("counted_years"), ctx.get("credit_years"), ctx.get("steps")
    eb, cb, bonus, grade = ctx.get("education_bonus"), ctx.get("certificate_bonus"), ctx.get("bonus"), ctx.get("grade")
    combine = "+" if promo.bonus_combine == "SUM" else "与 max with"
    ctx.add(
        "grade",
        "§3",
        _bi(
            f"晋级步数 = floor((计算工龄 + 学历视同年限) / 每级年限)；加级 = 学历加级 {combine} 证书加级；"
            "等级 = min(最高级, max(最低级, 最低级 + 步数 + 加级))",
            "steps = floor((counted_years + education_credit_years[education]) / years_per_grade); "
            f"bonus = education_grade_bonus[education] {'+' if promo.bonus_combine == 'SUM' else 'max with'} "
            "certificate_grade_bonus[certificate]; grade = min(max_grade, max(min_grade, min_grade + steps + bonus))",
        ),
        f"steps = floor(({counted} + {credit}) / {promo.years_per_grade}) = {steps}; {_certificate_note(ctx)}; "
        f"bonus = {promo.bonus_combine}({eb}, {cb}) = {bonus}; "
        f"grade = min({post.max_grade}, max({post.min_grade}, {post.min_grade} + {steps} + {bonus})) = {grade}",
        str(grade),
        (f"promotion.education_credit_years.{w.education}", str(credit)),
        ("promotion.years_per_grade", str(promo.years_per_grade)),
        (f"promotion.education_grade_bonus.{w.education}", str(eb)),
        (f"promotion.certificate_grade_bonus.{_counting_certificate(ctx)}", str(cb)),
        ("promotion.bonus_combine", promo.bonus_combine),
        ("certificate_counts_from", v.certificate_counts_from),
        (f"posts.{w.post}.min_grade", str(post.min_grade)),
        (f"posts.{w.post}.max_grade", str(post.max_grade)),
    )


def _explain_grade_pay(ctx: _Context) -> None:
    """§4.1 grade pay: a coefficient of the base income, or a fixed amount."""
    v, grade, grade_pay = ctx.v, ctx.get("grade"), ctx.get("grade_pay")
    if v.grades.amounts is not None:
        ctx.add(
            "grade_pay",
            "§4.1",
            _bi("等级工资表中本级的月额", "grades.amounts[grade], the monthly amount of the grade"),
            f"第 {grade} 级 / grade {grade}: {_yuan(grade_pay)}",
            _yuan(grade_pay),
            (f"grades.amounts[{grade - 1}]", _yuan(grade_pay)),
        )
        return
    coefficient = v.grades.coefficients[grade - 1]
    ctx.add(
        "grade_pay",
        "§4.1",
        "R(base_income_annual × grades.coefficients[grade] / 12)",
        f"{_yuan(v.base_income_annual)} × {format_rate(coefficient)} / 12 = "
        + _rounded(_times_rate(v.base_income_annual, coefficient, 12), grade_pay),
        _yuan(grade_pay),
        ("base_income_annual", _yuan(v.base_income_annual)),
        (f"grades.coefficients[{grade - 1}]", format_rate(coefficient)),
    )


def _explain_pay_base(ctx: _Context) -> None:
    """§4.2 post pay, §4.3 probation."""
    v, w = ctx.v, ctx.worker
    grade_pay, pay_base = ctx.get("grade_pay"), ctx.get("pay_base")
    post_pay = v.posts[w.post].post_pay
    full = grade_pay + post_pay
    calculation = f"{_yuan(grade_pay)} + {_yuan(post_pay)} = {_yuan(full)}"
    figures: list[tuple[str, str]] = [(f"posts.{w.post}.post_pay", _yuan(post_pay))]
    rule = "§4.2"
    if ctx.flag("probation"):
        probation = v.probation
        ends = f"{w.service_start.isoformat()} + {probation.months} 个月 months"
        calculation += (
            f"；试用期（{ends}）按 {format_rate(probation.pay_share)} 发放 / on probation until {ends}: "
            f"{_yuan(full)} × {format_rate(probation.pay_share)} = "
            + _rounded(_times_rate(full, probation.pay_share), pay_base)
        )
        figures += [("probation.months", str(probation.months)), ("probation.pay_share", format_rate(probation.pay_share))]
        rule = "§4.2, §4.3"
    elif v.probation is not None:
        reason = "有认定工作年限 / has prior service" if w.prior_service_years else "试用期已满 / probation is over"
        calculation += f"；不在试用期：{reason}"
    ctx.add(
        "pay_base",
        rule,
        _bi("岗位等级工资 + 岗位工资；试用期内 R(× 试用期工资比例)",
            "grade_pay + posts[post].post_pay; on probation R(× probation.pay_share)"),
        calculation,
        _yuan(pay_base),
        *figures,
    )


def _explain_reserve(ctx: _Context) -> None:
    """§4.4 the performance reserve: a share of pay plus a fixed 奖励绩效."""
    v, w = ctx.v, ctx.worker
    perf = v.performance
    pay_base, reserve = ctx.get("pay_base"), ctx.get("standard_reserve")
    fixed = perf.fixed_reserve(w.post)
    figures = [("performance.withheld_share", format_rate(perf.withheld_share))]
    if isinstance(perf.withheld_monthly, int):
        figures.append(("performance.withheld_monthly", _yuan(fixed)))
    elif perf.withheld_monthly is not None:
        figures.append((f"performance.withheld_monthly.{w.post}", _yuan(fixed)))
    if ctx.flag("probation") and not v.probation.reserve:
        calculation = "试用期不预留绩效（probation.reserve 为 false） / no reserve is held on probation: 0.00"
        figures.append(("probation.reserve", "false"))
    else:
        share_part = reserve - fixed
        calculation = (f"{_yuan(pay_base)} × {format_rate(perf.withheld_share)} = "
                       + _rounded(_times_rate(pay_base, perf.withheld_share), share_part))
        if fixed:
            calculation += f"；+ 奖励绩效 fixed reserve {_yuan(fixed)} = {_yuan(reserve)}"
    ctx.add(
        "performance_reserve",
        "§4.4",
        _bi("R(岗位工资基数 × 绩效预留比例) + 每月固定奖励绩效，留待考核后发放",
            "R(pay_base × performance.withheld_share) + performance.withheld_monthly, held back for the assessment"),
        calculation,
        _yuan(reserve),
        *figures,
    )


def _explain_days(ctx: _Context) -> None:
    """§5 days of service in the month."""
    w, P = ctx.worker, ctx.period
    days = ctx.get("days")
    first = max(w.service_start, P.first)
    last = min(w.service_end or P.last, P.last)
    ctx.add(
        "days",
        "§5",
        _bi("天数 = min(离职日或月末, 月末) − max(参加工作日, 月初) + 1",
            "days = min(service_end or Pn, Pn) − max(service_start, P1) + 1"),
        f"{last.isoformat()} − {first.isoformat()} + 1 = {days}（本月 {P.days} 天 / of {P.days} days）",
        str(days),
    )


def _explain_allowances(ctx: _Context) -> None:
    """§4.4 basic pay, §4.5–4.8 allowances, §4.9 standard wage, §4.10 difference, each prorated (§5)."""
    v, w = ctx.v, ctx.worker
    pay_base, reserve, basic = ctx.get("pay_base"), ctx.get("standard_reserve"), ctx.get("standard_basic_pay")
    fixed_reserve = reserve - (pay_base - basic)
    ctx.prorated(
        "basic_pay", basic, "§4.4",
        _bi("岗位工资基数 − 按比例预留的绩效", "pay_base − R(pay_base × withheld_share)"),
        f"{_yuan(pay_base)} − {_yuan(pay_base - basic)} = {_yuan(basic)}",
    )
    edu = ctx.get("standard_education_allowance")
    ctx.prorated(
        "education_allowance", edu, "§4.5",
        _bi("按学历的学历津贴（未列出为 0）", "allowances.education[education] (0 when absent)"),
        f"{codes.EDUCATION_LABELS[w.education]} {w.education}: {_yuan(edu)}",
        (f"allowances.education.{w.education}", _yuan(edu)),
    )
    cert = _counting_certificate(ctx)
    cert_amount = ctx.get("standard_certificate_allowance")
    ctx.prorated(
        "certificate_allowance", cert_amount, "§4.6",
        _bi("证书本月计入时按证书的职业资格津贴，否则为 0",
            "allowances.certificate[certificate] when the certificate counts in the month, else 0"),
        f"{_certificate_note(ctx)}: {_yuan(cert_amount)}",
        *(((f"allowances.certificate.{cert}", _yuan(cert_amount)),) if cert != "NONE" else ()),
    )
    al = v.allowances
    counted, tenure = ctx.get("counted_years"), ctx.get("standard_tenure_allowance")
    ctx.prorated(
        "tenure_allowance", tenure, "§4.7",
        _bi("每年任期补贴 × min(计算工龄, 封顶年限)",
            "allowances.tenure_per_year × min(counted_years, allowances.tenure_cap_years)"),
        f"{_yuan(al.tenure_per_year)} × min({counted}, {al.tenure_cap_years}) = {_yuan(tenure)}",
        ("allowances.tenure_per_year", _yuan(al.tenure_per_year)),
        ("allowances.tenure_cap_years", str(al.tenure_cap_years)),
    )
    _explain_fixed_allowances(ctx)
    wage = ctx.get("standard_wage")
    fixed_allowances = ctx.get("standard_fixed_allowances")
    ctx.add(
        "standard_wage",
        "§4.9",
        _bi("岗位工资基数 + 奖励绩效 + 学历津贴 + 职业资格津贴 + 任期补贴 + 固定津贴补贴（整月）",
            "pay_base + fixed reserve + education + certificate + tenure + fixed allowances (full month)"),
        " + ".join(_yuan(a) for a in (pay_base, fixed_reserve, edu, cert_amount, tenure, fixed_allowances))
        + f" = {_yuan(wage)}",
        _yuan(wage),
    )
    diff = ctx.get("standard_difference_allowance")
    if not v.protect_previous_pay:
        diff_text = "未实行套改保留补差 / conversion.protect_previous_pay is false: 0.00"
    elif w.previous_monthly_pay is None:
        diff_text = "未填套改前月工资 / no previous monthly pay given: 0.00"
    else:
        diff_text = f"max(0, {_yuan(w.previous_monthly_pay)} − {_yuan(wage)}) = {_yuan(diff)}"
    ctx.prorated(
        "difference_allowance", diff, "§4.10",
        _bi("保留补差时 max(0, 套改前月工资 − 标准月工资)",
            "max(0, previous_monthly_pay − standard_wage) when conversion.protect_previous_pay"),
        diff_text,
        ("conversion.protect_previous_pay", str(v.protect_previous_pay).lower()),
    )


def _explain_fixed_allowances(ctx: _Context) -> None:
    """§4.8 flat allowances, each by its title."""
    v, w = ctx.v, ctx.worker
    entries = v.allowances.fixed_for(w.post)
    total = ctx.get("standard_fixed_allowances")
    if entries:
        calculation = " + ".join(f"{a.title} {a.code} {_yuan(a.amount)}" for a in entries) + f" = {_yuan(total)}"
    else:
        calculation = "本岗位无固定津贴补贴 / no fixed allowance for this post: 0.00"
    index = {a.code: k for k, a in enumerate(v.allowances.fixed)}
    ctx.prorated(
        "fixed_allowances", total, "§4.8",
        _bi("适用于本岗位的各项固定津贴补贴之和（合计折算）",
            "Σ allowances.fixed[].amount of the entries for the post (prorated as one amount)"),
        calculation,
        *((f"allowances.fixed[{index[a.code]}].amount", _yuan(a.amount)) for a in entries),
    )


def _explain_performance(ctx: _Context) -> None:
    """§6 performance pay."""
    v, w, P = ctx.v, ctx.worker, ctx.period
    perf = v.performance
    accrued, pay, factor = ctx.get("accrued_reserve"), ctx.get("performance_pay"), ctx.get("performance_factor")
    reserve_month = ctx.get("performance_reserve")
    assessment = w.assessment or perf.default_assessment
    assessment_text = f"{codes.ASSESSMENT_LABELS[assessment]} {assessment}" + (
        "" if w.assessment else "，默认考核结果 / the default assessment"
    )
    months_text = ", ".join(str(m) for m in perf.payout_months)
    if ctx.flag("payout"):
        why = "发放月 / payout month" if P.month in perf.payout_months else "本月离职 / the worker leaves this month"
        calculation = (
            f"{why}；本月预留 reserve this month {_yuan(reserve_month)}，本年累计 accrued this year {_yuan(accrued)}；"
            f"{_yuan(accrued)} × {format_rate(factor)}（{assessment_text}）= " + _rounded(_times_rate(accrued, factor), pay)
        )
    else:
        calculation = (
            f"非发放月（发放月 payout months: {months_text}） / not a payout month；本月预留 {_yuan(reserve_month)} "
            f"累计 accrues, {_yuan(accrued)} accrued so far: 0.00"
        )
    ctx.add(
        "performance_pay",
        "§6",
        _bi("发放月或离职月：R(累计预留 × 考核系数)",
            "in a payout month (or when the worker leaves): R(accrued reserve × performance.factors[assessment])"),
        calculation,
        _yuan(pay),
        ("performance.payout_months", f"[{months_text}]"),
        (f"performance.factors.{assessment}", format_rate(factor)),
    )


def _explain_back_pay(ctx: _Context) -> None:
    """§13 back pay, month by month."""
    amount = ctx.get("back_pay")
    if amount == 0 and not ctx.back_pay:
        return
    months = "；".join(
        f"{m.period}: 应发 {_grouped(m.old)} → {_grouped(m.new)}, 差额 {_signed(m.difference)}" for m in ctx.back_pay
    )
    ctx.add(
        "back_pay",
        "§13",
        _bi("已发月份按现行政策和更正后档案重算的应发（不含补发）减实发时的应发，逐月相加",
            "Σ over the months already paid of new gross (rules as known now) − old gross (as paid, less its back pay)"),
        (months + f"；合计 total {_signed(amount)}") if months else f"合计 total {_signed(amount)}",
        _yuan(amount),
    )


def _explain_gross(ctx: _Context) -> None:
    """§7 gross pay."""
    parts = ["basic_pay", "education_allowance", "certificate_allowance", "tenure_allowance", "fixed_allowances",
             "difference_allowance", "performance_pay", "back_pay"]
    ctx.add(
        "gross",
        "§7",
        _bi("各项应发之和（含补发）", " + ".join(parts)),
        " + ".join(_yuan(ctx.get(p)) for p in parts) + f" = {_yuan(ctx.get('gross'))}",
        _yuan(ctx.get("gross")),
    )


def _held_base_text(ctx: _Context, base_month: int | None, wage_name: str, month_name: str) -> tuple[str, PolicyVersion]:
    """How W of §8 was found (§8.1, §8.2): this month's wage, or a base month's."""
    wage, month = ctx.get(wage_name), Period.from_index(ctx.get(month_name))
    if base_month is None:
        this = ctx.get("standard_wage") + ctx.get("standard_difference_allowance")
        return f"本月标准月工资 + 保留补差 / this month's standard wage + difference {_yuan(this)}", ctx.v
    version = ctx.v.version_in_force_or_earliest(month)
    return (f"基数月 {month}（每年 {base_month} 月核定，版本 {version.effective_from.isoformat()}）的工资 / "
            f"the wage of base month {month} (fixed each month {base_month}, version "
            f"{version.effective_from.isoformat()}) {_yuan(wage)}"), version


def _explain_contributions(ctx: _Context) -> None:
    """§8 social insurance: the base (held or not), each item and its parts, rounding."""
    si = ctx.v.social_insurance
    si_base = ctx.get("si_base")
    held, _ = _held_base_text(ctx, si.base_month, "si_base_wage", "si_base_month")
    ctx.add(
        "si_base",
        "§8.1" if si.base_month is None else "§8.1, §8.2",
        _bi("min(缴费基数上限, max(缴费基数下限, W))，W 为标准月工资 + 保留补差（整月）",
            "min(base_ceiling, max(base_floor, W)), W = standard_wage + difference_allowance (full month)"),
        f"W = {held}; min({_yuan(si.base_ceiling)}, max({_yuan(si.base_floor)}, {_yuan(ctx.get('si_base_wage'))})) "
        f"= {_yuan(si_base)}",
        _yuan(si_base),
        ("social_insurance.base_floor", _yuan(si.base_floor)),
        ("social_insurance.base_ceiling", _yuan(si.base_ceiling)),
        *((("social_insurance.base_month", str(si.base_month)),) if si.base_month else ()),
    )
    for side, items, parts_by_item in (
        ("employee", codes.SI_EMPLOYEE_ITEMS, si.employee_parts),
        ("employer", codes.SI_EMPLOYER_ITEMS, si.employer_parts),
    ):
        for item in items:
            _explain_item(ctx, side, item, parts_by_item.get(item, ()), si_base, si.rounding)


def _explain_item(ctx: _Context, side: str, item: str, parts: tuple[ContributionPart, ...], base: int,
                  rounding: str) -> None:
    """One contribution item of §8.3: each part on its own, rounded by §8.4."""
    amount = ctx.get(f"{side}_{item}")
    path = f"social_insurance.{side}.{item}"
    plain = len(parts) == 1 and parts[0].rate is not None
    texts, figures = [], []
    for k, part in enumerate(parts):
        part_path = path if plain else f"{path}[{k}]"
        if part.rate is not None:
            rounded = int(_round_rate(base, part.rate, rounding))
            texts.append(f"{_yuan(base)} × {format_rate(part.rate)} = "
                         + _rounded(_times_rate(base, part.rate), rounded))
            figures.append((part_path if plain else f"{part_path}.rate", format_rate(part.rate)))
        else:
            texts.append(f"固定 fixed {_yuan(part.amount)}")
            figures.append((f"{part_path}.amount", _yuan(part.amount)))
    calculation = " + ".join(texts) if texts else "未列出，费率为 0 / not in the policy: 0.00"
    if len(texts) > 1:
        calculation += f" = {_yuan(amount)}"
    if any(p.rate for p in parts):
        calculation += f"（{ROUNDING_TEXT[rounding]}）"
    ctx.add(
        f"{side}_{item}",
        "§8.3, §8.4",
        _bi("各组成部分之和：费率部分为 缴费基数 × 费率，按舍入规则取整；固定金额部分照列",
            f"Σ of the parts of {path}: R(si_base × rate) by social_insurance.rounding, plus fixed amounts"),
        calculation,
        _yuan(amount),
        *figures,
        ("social_insurance.rounding", rounding),
    )


def _round_rate(base: int, rate: int, rounding: str) -> int:
    """The §8.4 rounding of one rate part, as the engine computes it."""
    return int(np_mul_rate_rounded(np.array([base], dtype=np.int64), rate, rounding)[0])


def _explain_housing_fund(ctx: _Context) -> None:
    """§8.5 housing fund, §8.6 accident insurance."""
    v = ctx.v
    hf = v.housing_fund
    hf_base = ctx.get("hf_base")
    held, _ = _held_base_text(ctx, hf.base_month, "hf_base_wage", "hf_base_month")
    for side, rate in (("employee", hf.employee), ("employer", hf.employer)):
        amount = ctx.get(f"housing_fund_{side}")
        ctx.add(
            f"housing_fund_{side}",
            "§8.5" if hf.base_month is None else "§8.5, §8.2",
            _bi("公积金基数 × 缴存比例，按舍入规则取整；基数 = min(上限, max(下限, W))",
                f"hf_base × housing_fund.{side} rounded by housing_fund.rounding, "
                "hf_base = min(base_ceiling, max(base_floor, W))"),
            f"W = {held}; hf_base = min({_yuan(hf.base_ceiling)}, max({_yuan(hf.base_floor)}, "
            f"{_yuan(ctx.get('hf_base_wage'))})) = {_yuan(hf_base)}; "
            f"{_yuan(hf_base)} × {format_rate(rate)} = " + _rounded(_times_rate(hf_base, rate), amount)
            + f"（{ROUNDING_TEXT[hf.rounding]}）",
            _yuan(amount),
            ("housing_fund.base_floor", _yuan(hf.base_floor)),
            ("housing_fund.base_ceiling", _yuan(hf.base_ceiling)),
            (f"housing_fund.{side}", format_rate(rate)),
            ("housing_fund.rounding", hf.rounding),
            *((("housing_fund.base_month", str(hf.base_month)),) if hf.base_month else ()),
        )
    accident = ctx.get("accident_insurance")
    ctx.add(
        "accident_insurance",
        "§8.6",
        _bi("R(人身意外伤害保险年额 / 12)，单位负担", "R(accident_insurance_annual / 12), employer only"),
        f"{_yuan(v.accident_insurance_annual)} / 12 = "
        + _rounded(exact_text(Decimal(v.accident_insurance_annual) / 1200), accident),
        _yuan(accident),
        ("accident_insurance_annual", _yuan(v.accident_insurance_annual)),
    )


#: How each basic-deduction rule of §9.2 counts its months.
_BASIC_DEDUCTION_TEXT = {
    "MONTHLY": "× 本年有工资条的月数 n / per month with a payslip: × n",
    "FULL_YEAR": "公告2020年第13号，× 12 / the whole year from January (announcement 2020 No. 13): × 12",
    "FROM_JANUARY": "公告2020年第19号，× 当月月份 / from January (announcement 2020 No. 19): × the month number",
}


def _explain_income_tax(ctx: _Context) -> None:
    """§9.1 cumulative withholding, §9.2 the worker's basic-deduction rule."""
    v, w = ctx.v, ctx.worker
    tax = v.income_tax
    n, basic_months = ctx.get("tax_months"), ctx.get("basic_deduction_months")
    cum_income, cum_deduction = ctx.get("cum_income"), ctx.get("cum_deduction")
    taxable, b, cum_tax = ctx.get("cum_taxable"), ctx.get("tax_bracket"), ctx.get("cum_tax")
    before, income_tax = ctx.get("tax_withheld_before"), ctx.get("income_tax")
    bracket = tax.brackets[b]
    items = cum_deduction - tax.monthly_basic_deduction * basic_months
    rule = w.tax_basic_deduction or "MONTHLY"
    upto = "不封顶 / no upper limit" if bracket.upto is None else f"≤ {_yuan(bracket.upto)}"
    separate = ctx.flag("separate_bonus")
    ctx.add(
        "income_tax",
        "§9.1, §9.2",
        _bi(
            "累计应纳税所得额 = max(0, 累计收入 − (基本减除费用 + 累计专项扣除和专项附加扣除))；"
            "累计税额 = R(累计应纳税所得额 × 税率 − 速算扣除数)；本月税额 = max(0, 累计税额 − 已预扣税额)",
            "cum_taxable = max(0, Σ income − (basic deduction + Σ contributions and special deductions)); "
            "cum_tax = R(cum_taxable × rate − quick_deduction) of the first bracket whose upto ≥ cum_taxable; "
            "income_tax = max(0, cum_tax − tax already withheld this year)",
        ),
        f"n = {n}; cum_income = {_yuan(cum_income)}"
        + ("（绩效工资单独计税 / performance pay taxed separately）" if separate else "")
        + f"; {codes.TAX_BASIC_DEDUCTION_LABELS[rule]} {rule}: {_BASIC_DEDUCTION_TEXT[rule]}; "
        f"cum_deduction = {_yuan(tax.monthly_basic_deduction)} × {basic_months} + {_yuan(items)} = {_yuan(cum_deduction)}; "
        f"cum_taxable = {_yuan(taxable)}; 第 {b + 1} 档 bracket {b + 1} ({upto}): {_yuan(taxable)} × "
        f"{format_rate(bracket.rate)} − {_yuan(bracket.quick_deduction)} = "
        + _rounded(_minus_quick(taxable, bracket.rate, bracket.quick_deduction), cum_tax)
        + f"; income_tax = max(0, {_yuan(cum_tax)} − {_yuan(before)}) = {_yuan(income_tax)}",
        _yuan(income_tax),
        ("income_tax.monthly_basic_deduction", _yuan(tax.monthly_basic_deduction)),
        (f"income_tax.brackets[{b}].rate", format_rate(bracket.rate)),
        (f"income_tax.brackets[{b}].quick_deduction", _yuan(bracket.quick_deduction)),
    )


def _explain_bonus_tax(ctx: _Context) -> None:
    """§9.3 the once-a-year payout taxed on its own, by the worker's or the policy's choice."""
    v, w, P = ctx.v, ctx.worker, ctx.period
    perf, tax = v.performance, v.income_tax
    pay, bonus_tax = ctx.get("performance_pay"), ctx.get("bonus_tax")
    method = w.bonus_tax_method or ("SEPARATE" if perf.separate_by_default else "COMBINED")
    chosen_by = "本人选择 / the worker's choice" if w.bonus_tax_method else "政策规定 / the policy's tax_method"
    method_text = f"{codes.BONUS_TAX_METHOD_LABELS[method]} {method}（{chosen_by}）"
    if ctx.flag("separate_bonus"):
        bb = ctx.get("bonus_bracket")
        row = tax.bonus_brackets[bb]
        upto = "不封顶 / no upper limit" if row.upto is None else f"≤ {_yuan(row.upto)}"
        ctx.add(
            "bonus_tax",
            "§9.3",
            _bi("max(0, R(绩效工资 × 税率 − 速算扣除数))，按 绩效工资 / 12 查年终奖税率表",
                "max(0, R(performance_pay × rate − quick_deduction)) of the first bonus bracket whose "
                "upto ≥ performance_pay / 12"),
            f"{method_text}; {_yuan(pay)} / 12 = {exact_text(Decimal(pay) / 1200)}: 第 {bb + 1} 档 bonus bracket "
            f"{bb + 1} ({upto}); {_yuan(pay)} × {format_rate(row.rate)} − {_yuan(row.quick_deduction)} = "
            + _rounded(_minus_quick(pay, row.rate, row.quick_deduction), bonus_tax),
            _yuan(bonus_tax),
            ("performance.tax_method", perf.tax_method),
            (f"income_tax.bonus_brackets[{bb}].rate", format_rate(row.rate)),
            (f"income_tax.bonus_brackets[{bb}].quick_deduction", _yuan(row.quick_deduction)),
        )
        return
    if pay == 0:
        why = "本月无绩效工资 / no performance pay this month"
    elif method != "SEPARATE":
        why = f"{method_text}：并入当月收入累计计税 / the payout is taxed with the month's income"
    elif v.single_payout_month != P.month:
        why = "绩效工资一年发放多次，并入当月收入计税 / paid more than once a year: taxed with the month's income"
    else:
        why = "离职当月发放的绩效工资累计计税 / a leaver's payout in the final month is taxed cumulatively"
    ctx.add("bonus_tax", "§9.3", _bi("仅一年一次发放的绩效工资可单独计税", "separate tax only for the once-a-year payout"),
            f"{why}: 0.00", "0.00", ("performance.tax_method", perf.tax_method))


def _explain_net_and_cost(ctx: _Context) -> None:
    """§10 net pay and employer cost."""
    contributions = ctx.get("employee_contributions")
    ctx.add(
        "net",
        "§10",
        _bi("应发 − 个人社保和公积金 − 个人所得税 − 年终奖个税",
            "gross − employee contributions (social insurance + housing fund) − income_tax − bonus_tax"),
        f"{_yuan(ctx.get('gross'))} − {_yuan(contributions)} − {_yuan(ctx.get('income_tax'))} − "
        f"{_yuan(ctx.get('bonus_tax'))} = {_yuan(ctx.get('net'))}",
        _yuan(ctx.get("net")),
    )
    parts = ["gross", "employer_pension", "employer_medical", "employer_unemployment", "employer_work_injury",
             "housing_fund_employer", "accident_insurance"]
    ctx.add(
        "employer_cost",
        "§10",
        _bi("应发 + 单位社保 + 单位公积金 + 人身意外伤害保险", " + ".join(parts)),
        " + ".join(_yuan(ctx.get(p)) for p in parts) + f" = {_yuan(ctx.get('employer_cost'))}",
        _yuan(ctx.get("employer_cost")),
    )


def _explain_correction_only(ctx: _Context) -> None:
    """§13.3 a payslip that carries only back pay: no service this month."""
    ctx.add(
        "days",
        "§13.3",
        _bi("本月无在职天数，工资条只含补发（补扣）", "no service this month: a payslip for the back pay only"),
        "0；除补发及由此产生的个税、实发、用人成本外均为 0 / every other amount is 0",
        "0",
    )


_SECTIONS = (
    _explain_service,
    _explain_grade,
    _explain_grade_pay,
    _explain_pay_base,
    _explain_reserve,
    _explain_days,
    _explain_allowances,
    _explain_performance,
    _explain_back_pay,
    _explain_gross,
    _explain_contributions,
    _explain_housing_fund,
    _explain_income_tax,
    _explain_bonus_tax,
    _explain_net_and_cost,
)
_CORRECTION_ONLY_SECTIONS = (
    _explain_service,
    _explain_grade,
    _explain_correction_only,
    _explain_back_pay,
    _explain_gross,
    _explain_income_tax,
    _explain_net_and_cost,
)

__all__ = [
    "Explanation",
    "ExplanationLine",
    "Figure",
    "LABELS",
    "explain_month",
    "explain_result",
    "explain_stored_payslip",
    "explanation_text",
]
