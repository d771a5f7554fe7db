"""A plain, scalar reference implementation of salary-model.md §2–§10 and §13.

Written straight from the spec with :mod:`decimal`, one worker and one month
at a time, sharing nothing with the engine but the validated policy and worker
types.  The property tests compare the vectorized engine against it, and the
benchmarks use it as the "plain per-worker Decimal implementation" baseline.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from payroll.policy import Policy, PolicyVersion
from payroll.workers import WorkerInput

CENT = Decimal("0.01")
ONE = Decimal(1)
MILLION = Decimal(1_000_000)
ZERO = Decimal(0)


def R(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def rate(scaled: int) -> Decimal:
    return Decimal(scaled) / MILLION


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day + months`` calendar months; a day past the end of the target month
    is that month's last day (§4.3)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, month_days(year, month + 1)))


def version_for(policy: Policy, year: int, month: int) -> PolicyVersion:
    p1 = dt.date(year, month, 1)
    candidates = [v for v in policy.versions if v.effective_from <= p1]
    if not candidates:
        raise LookupError(f"no version in force for {year}-{month:02d}")
    return max(candidates, key=lambda v: v.effective_from)


def version_or_earliest(policy: Policy, year: int, month: int) -> PolicyVersion:
    try:
        return version_for(policy, year, month)
    except LookupError:
        return min(policy.versions, key=lambda v: v.effective_from)


def bracket_for(brackets, amount: Decimal):
    for b in brackets:
        if b.upto is None or yuan(b.upto) >= amount:
            return b
    raise AssertionError("the last bracket is open-ended")


def round_contribution(x: Decimal, mode: str) -> Decimal:
    if mode == "FEN":
        return R(x)
    if mode == "YUAN":
        return x.quantize(ONE, rounding=ROUND_HALF_UP)
    return x.quantize(ONE, rounding=ROUND_CEILING)  # YUAN_UP, for x ≥ 0


def in_service(w: WorkerInput, year: int, month: int) -> int:
    """Days of service in the month (§5), 0 when none or covered by opening balances (§9)."""
    D = month_days(year, month)
    p1, pn = dt.date(year, month, 1), dt.date(year, month, D)
    if w.opening is not None and (year, month) <= (w.opening.through.year, w.opening.through.month):
        return 0
    first = max(w.service_start, p1)
    last = min(w.service_end or pn, pn)
    return max((last - first).days + 1, 0)


def standard(v: PolicyVersion, w: WorkerInput, year: int, month: int) -> dict:
    """§2–§4 for a month: service, grade and full-month amounts."""
    D = month_days(year, month)
    p1, pn = dt.date(year, month, 1), dt.date(year, month, D)

    # §2, counted at P1 or at 1 January
    s = w.service_start
    c_year, c_month = (year, 1) if v.promotion.counting == "JANUARY" else (year, month)
    months = (c_year - s.year) * 12 + (c_month - s.month) - (1 if s.day > 1 else 0)
    months = max(months, 0)
    counted = max(0, months // 12 + w.prior_service_years - w.incompetent_years)

    # §3
    post = v.posts[w.post]
    credit = v.promotion.education_credit_years.get(w.education, 0)
    steps = (counted + credit) // v.promotion.years_per_grade
    if w.certificate == "NONE":
        cert_counts = False
    elif v.certificate_counts_from == "NEXT_MONTH":
        cert_counts = w.certificate_date < p1
    else:
        cert_counts = w.certificate_date <= pn
    cert = w.certificate if cert_counts else "NONE"
    eb = v.promotion.education_grade_bonus.get(w.education, 0)
    cb = v.promotion.certificate_grade_bonus.get(cert, 0)
    bonus = eb + cb if v.promotion.bonus_combine == "SUM" else max(eb, cb)
    grade = min(post.max_grade, max(post.min_grade, post.min_grade + steps + bonus))

    # §4.1–4.4
    if v.grades.amounts is not None:
        grade_pay = yuan(v.grades.amounts[grade - 1])
    else:
        grade_pay = R(yuan(v.base_income_annual) * rate(v.grades.coefficients[grade - 1]) / 12)
    pay_base = grade_pay + yuan(post.post_pay)
    probation = v.probation
    on_probation = (
        probation is not None and w.prior_service_years == 0 and p1 < add_months(w.service_start, probation.months)
    )
    held = v.performance.withheld_monthly
    if held is None:
        fixed_reserve = ZERO
    elif isinstance(held, int):
        fixed_reserve = yuan(held)
    else:
        fixed_reserve = yuan(held.get(w.post, 0))
    share = rate(v.performance.withheld_share)
    if on_probation:
        pay_base = R(pay_base * rate(probation.pay_share))
        if not probation.reserve:
            share, fixed_reserve = ZERO, ZERO
    share_part = R(pay_base * share)
    reserve = share_part + fixed_reserve
    basic = pay_base - share_part

    # §4.5–4.10
    education_allowance = yuan(v.allowances.education.get(w.education, 0))
    certificate_allowance = yuan(v.allowances.certificate.get(cert, 0)) if cert_counts else ZERO
    tenure = R(yuan(v.allowances.tenure_per_year) * min(counted, v.allowances.tenure_cap_years))
    fixed_allowances = sum(
        (yuan(a.amount) for a in v.allowances.fixed if a.posts is None or w.post in a.posts), ZERO
    )
    wage = pay_base + fixed_reserve + education_allowance + certificate_allowance + tenure + fixed_allowances
    if v.protect_previous_pay and w.previous_monthly_pay is not None:
        difference = max(ZERO, yuan(w.previous_monthly_pay) - wage)
    else:
        difference = ZERO
    return {
        "counted": counted, "grade": grade, "basic": basic, "reserve": reserve,
        "education": education_allowance, "certificate": certificate_allowance, "tenure": tenure,
        "fixed": fixed_allowances, "wage": wage, "difference": difference,
    }


def base_wage(policy: Policy, v: PolicyVersion, w: WorkerInput, year: int, month: int, base_month: int | None) -> Decimal:
    """W of §8: this month's, or the base month's under its own version (§8.2)."""
    if base_month is None:
        std = standard(v, w, year, month)
        return std["wage"] + std["difference"]
    b_year = year if month >= base_month else year - 1
    b_month = base_month
    s = w.service_start
    if (s.year, s.month) > (b_year, b_month):
        b_year, b_month = s.year, s.month
    std = standard(version_or_earliest(policy, b_year, b_month), w, b_year, b_month)
    return std["wage"] + std["difference"]


def contribution(parts, base: Decimal, mode: str) -> Decimal:
    total = ZERO
    for part in parts:
        if part.rate is not None:
            total += round_contribution(base * rate(part.rate), mode)
        else:
            total += yuan(part.amount)
    return total


def payslip(policy: Policy, w: WorkerInput, year: int, month: int, state: dict, back_pay: Decimal = ZERO) -> dict | None:
    """One month for one worker; ``state`` holds the year's running totals and is updated."""
    v = version_for(policy, year, month)
    D = month_days(year, month)
    p1, pn = dt.date(year, month, 1), dt.date(year, month, D)
    days = in_service(w, year, month)
    if days == 0 and back_pay == 0:
        return None
    std = standard(v, w, year, month)

    def prorate(x: Decimal) -> Decimal:
        return R(x * days / D)

    p_basic = prorate(std["basic"])
    p_reserve = prorate(std["reserve"])
    p_education = prorate(std["education"])
    p_certificate = prorate(std["certificate"])
    p_tenure = prorate(std["tenure"])
    p_fixed = prorate(std["fixed"])
    p_difference = prorate(std["difference"])

    # §6
    leaves = w.service_end is not None and p1 <= w.service_end <= pn
    state["reserve"] += p_reserve
    performance_pay = ZERO
    if days and (month in v.performance.payout_months or leaves):
        assessment = w.assessment or v.performance.default_assessment
        performance_pay = R(state["reserve"] * rate(v.performance.factors[assessment]))
        state["reserve"] = ZERO

    # §7
    gross = p_basic + p_education + p_certificate + p_tenure + p_fixed + p_difference + performance_pay + back_pay

    # §8: nothing for a payslip that carries only back pay (§13)
    si, hf = v.social_insurance, v.housing_fund
    employee = {k: ZERO for k in ("pension", "medical", "unemployment")}
    employer = {k: ZERO for k in ("pension", "medical", "unemployment", "work_injury")}
    si_base = hf_employee = hf_employer = accident = ZERO
    if days:
        si_w = base_wage(policy, v, w, year, month, si.base_month)
        si_base = min(yuan(si.base_ceiling), max(yuan(si.base_floor), si_w))
        employee = {k: contribution(si.employee_parts.get(k, ()), si_base, si.rounding) for k in employee}
        employer = {k: contribution(si.employer_parts.get(k, ()), si_base, si.rounding) for k in employer}
        hf_w = base_wage(policy, v, w, year, month, hf.base_month)
        hf_base = min(yuan(hf.base_ceiling), max(yuan(hf.base_floor), hf_w))
        hf_employee = round_contribution(hf_base * rate(hf.employee), hf.rounding)
        hf_employer = round_contribution(hf_base * rate(hf.employer), hf.rounding)
        accident = R(yuan(v.accident_insurance_annual) / 12)

    # §9
    method = w.bonus_tax_method or ("SEPARATE" if v.performance.tax_method == "SEPARATE" else "COMBINED")
    separate = (
        method == "SEPARATE"
        and len(v.performance.payout_months) == 1
        and month == v.performance.payout_months[0]
        and days > 0
        and not leaves
    )
    contributions = sum(employee.values()) + hf_employee
    state["n"] += 1
    state["income"] += gross - (performance_pay if separate else 0)
    state["deductions"] += contributions + yuan(w.special_deduction_monthly)
    basic_months = {"FULL_YEAR": 12, "FROM_JANUARY": month}.get(w.tax_basic_deduction, state["n"])
    cum_deduction = yuan(v.income_tax.monthly_basic_deduction) * basic_months + state["deductions"]
    taxable = max(ZERO, state["income"] - cum_deduction)
    b = bracket_for(v.income_tax.brackets, taxable)
    cum_tax = R(taxable * rate(b.rate) - yuan(b.quick_deduction))
    income_tax = max(ZERO, cum_tax - state["tax"])
    state["tax"] += income_tax
    bonus_tax = ZERO
    if separate:
        bb = bracket_for(v.income_tax.bonus_brackets, performance_pay / 12)
        bonus_tax = max(ZERO, R(performance_pay * rate(bb.rate) - yuan(bb.quick_deduction)))

    # §10
    net = gross - contributions - income_tax - bonus_tax
    employer_cost = gross + sum(employer.values()) + hf_employer + accident
    return {
        "worker_id": w.worker_id,
        "period": f"{year:04d}-{month:02d}",
        "post": w.post,
        "grade": std["grade"],
        "counted_years": std["counted"],
        "days": days,
        "basic_pay": p_basic,
        "performance_pay": performance_pay,
        "education_allowance": p_education,
        "certificate_allowance": p_certificate,
        "tenure_allowance": p_tenure,
        "fixed_allowances": p_fixed,
        "difference_allowance": p_difference,
        "back_pay": back_pay,
        "gross": gross,
        "si_base": si_base,
        "employee_pension": employee["pension"],
        "employee_medical": employee["medical"],
        "employee_unemployment": employee["unemployment"],
        "housing_fund_employee": hf_employee,
        "income_tax": income_tax,
        "bonus_tax": bonus_tax,
        "net": net,
        "employer_pension": employer["pension"],
        "employer_medical": employer["medical"],
        "employer_unemployment": employer["unemployment"],
        "employer_work_injury": employer["work_injury"],
        "housing_fund_employer": hf_employer,
        "accident_insurance": accident,
        "employer_cost": employer_cost,
    }


def year_start_state(w: WorkerInput, year: int) -> dict:
    o = w.opening
    if o is not None and o.through.year == year:
        return {
            "n": o.months,
            "income": yuan(o.income),
            "deductions": yuan(o.deductions),
            "tax": yuan(o.tax),
            "reserve": yuan(o.reserve),
        }
    return {"n": 0, "income": ZERO, "deductions": ZERO, "tax": ZERO, "reserve": ZERO}


def quote(
    policy: Policy,
    workers: list[WorkerInput],
    start: tuple[int, int],
    end: tuple[int, int],
    paid: list[dict] | None = None,
) -> list[dict]:
    """Payslips for the months start..end, ordered by worker then period; each
    year is computed from January.

    ``paid`` (§13) lists what was paid before ``start``: dicts with
    ``worker_id``, ``period`` (``(year, month)``) and the payslip's ``gross``,
    ``back_pay``, ``performance_pay``, ``bonus_tax``, ``income_tax`` and
    ``employee_contributions`` in yuan; ``start`` then carries the back pay.
    """
    if paid is None:
        return [row for w in workers for row in _worker_quote(policy, w, start, end, None, None)]
    counted = [p for p in paid if not _covered(_worker(workers, p["worker_id"]), p["period"])]
    window = min((p["period"] for p in counted), default=None)
    rows = []
    for w in workers:
        mine = {p["period"]: p for p in counted if p["worker_id"] == w.worker_id}
        rows += _worker_quote(policy, w, start, end, window, mine)
    return rows


def _worker(workers: list[WorkerInput], worker_id: str) -> WorkerInput:
    return next(w for w in workers if w.worker_id == worker_id)


def _covered(w: WorkerInput, period: tuple[int, int]) -> bool:
    return w.opening is not None and period <= (w.opening.through.year, w.opening.through.month)


def _worker_quote(policy, w, start, end, window, paid) -> list[dict]:
    rows = []
    back_pay = ZERO
    first_year = start[0] if window is None else min(window[0], start[0])
    for year in range(first_year, end[0] + 1):
        state = year_start_state(w, year)
        last_month = end[1] if year == end[0] else 12
        for month in range(1, last_month + 1):
            period = (year, month)
            corrected = window is not None and window <= period < start and not _covered(w, period)
            if not corrected:
                row = payslip(policy, w, year, month, state, back_pay if period == start else ZERO)
                if row is not None and period >= start:
                    rows.append(row)
                continue
            # §13: new − old for a month of the window; the year of start keeps the paid figures.
            before = dict(state)
            row = payslip(policy, w, year, month, state)
            old = paid.get(period)
            back_pay += (row["gross"] if row else ZERO) - (old["gross"] - old["back_pay"] if old else ZERO)
            if year == start[0]:
                counts = old is not None or row is not None
                state.update(
                    n=before["n"] + counts,
                    income=before["income"]
                    + (old["gross"] - (old["performance_pay"] if old["bonus_tax"] > 0 else 0) if old else ZERO),
                    deductions=before["deductions"]
                    + (old["employee_contributions"] if old else ZERO)
                    + (yuan(w.special_deduction_monthly) if counts else ZERO),
                    tax=before["tax"] + (old["income_tax"] if old else ZERO),
                )
    return rows


def as_csv_row(row: dict) -> list[str]:
    """A reference payslip as the strings of the payslips CSV."""
    out = []
    for value in row.values():
        if isinstance(value, Decimal):
            out.append(f"{value:.2f}")
        else:
            out.append(str(value))
    return out
