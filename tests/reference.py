"""A plain, scalar reference implementation of salary-model.md §2–§10.

Written straight from the spec with :mod:`decimal`, one worker and one month
at a time, sharing nothing with the engine but the validated policy and worker
types.  The property tests compare the vectorized engine against it, and the
benchmarks use it as the "plain per-worker Decimal implementation" baseline.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from payroll.policy import Policy, PolicyVersion
from payroll.workers import WorkerInput

CENT = Decimal("0.01")
MILLION = Decimal(1_000_000)


def R(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def rate(scaled: int) -> Decimal:
    return Decimal(scaled) / MILLION


def month_days(year: int, month: int) -> int:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def version_for(policy: Policy, year: int, month: int) -> PolicyVersion:
    p1 = dt.date(year, month, 1)
    candidates = [v for v in policy.versions if v.effective_from <= p1]
    if not candidates:
        raise LookupError(f"no version in force for {year}-{month:02d}")
    return max(candidates, key=lambda v: v.effective_from)


def bracket_for(brackets, amount: Decimal):
    for b in brackets:
        if b.upto is None or yuan(b.upto) >= amount:
            return b
    raise AssertionError("the last bracket is open-ended")


def payslip(policy: Policy, w: WorkerInput, year: int, month: int, state: dict) -> dict | None:
    """One month for one worker; ``state`` holds the year's running totals and is updated."""
    v = version_for(policy, year, month)
    D = month_days(year, month)
    p1, pn = dt.date(year, month, 1), dt.date(year, month, D)

    # §5 overlap (and §9: months up to opening_through are not computed here)
    first = max(w.service_start, p1)
    last = min(w.service_end or pn, pn)
    days = (last - first).days + 1
    if days <= 0:
        return None
    if w.opening is not None and (year, month) <= (w.opening.through.year, w.opening.through.month):
        return None

    # §2
    s = w.service_start
    months = (year - s.year) * 12 + (month - s.month) - (1 if s.day > 1 else 0)
    months = max(months, 0)
    service_years = months // 12
    counted = max(0, service_years + w.prior_service_years - w.incompetent_years)

    # §3
    post = v.posts[w.post]
    credit = v.promotion.education_credit_years.get(w.education, 0)
    steps = (counted + credit) // v.promotion.years_per_grade
    cert_counts = w.certificate != "NONE" and w.certificate_date <= pn
    cert = w.certificate if cert_counts else "NONE"
    eb = v.promotion.education_grade_bonus.get(w.education, 0)
    cb = v.promotion.certificate_grade_bonus.get(cert, 0)
    bonus = eb + cb if v.promotion.bonus_combine == "SUM" else max(eb, cb)
    grade = min(post.max_grade, max(post.min_grade, post.min_grade + steps + bonus))

    # §4
    grade_pay = R(yuan(v.base_income_annual) * rate(v.grades.coefficients[grade - 1]) / 12)
    reserve = R(grade_pay * rate(v.performance.withheld_share))
    basic = grade_pay - reserve
    education_allowance = yuan(v.allowances.education.get(w.education, 0))
    certificate_allowance = yuan(v.allowances.certificate.get(cert, 0)) if cert_counts else Decimal(0)
    tenure = R(yuan(v.allowances.tenure_per_year) * min(counted, v.allowances.tenure_cap_years))
    standard = grade_pay + education_allowance + certificate_allowance + tenure
    if v.protect_previous_pay and w.previous_monthly_pay is not None:
        difference = max(Decimal(0), yuan(w.previous_monthly_pay) - standard)
    else:
        difference = Decimal(0)

    # §5
    def prorate(x: Decimal) -> Decimal:
        return R(x * days / D)

    p_basic = prorate(basic)
    p_reserve = prorate(reserve)
    p_education = prorate(education_allowance)
    p_certificate = prorate(certificate_allowance)
    p_tenure = prorate(tenure)
    p_difference = prorate(difference)

    # §6
    leaves = w.service_end is not None and p1 <= w.service_end <= pn
    state["reserve"] += p_reserve
    performance_pay = Decimal(0)
    if month in v.performance.payout_months or leaves:
        assessment = w.assessment or v.performance.default_assessment
        performance_pay = R(state["reserve"] * rate(v.performance.factors[assessment]))
        state["reserve"] = Decimal(0)

    # §7
    gross = p_basic + p_education + p_certificate + p_tenure + p_difference + performance_pay

    # §8
    si = v.social_insurance
    si_base = min(yuan(si.base_ceiling), max(yuan(si.base_floor), standard + difference))
    employee = {k: R(si_base * rate(si.employee.get(k, 0))) for k in ("pension", "medical", "unemployment")}
    employer = {
        k: R(si_base * rate(si.employer.get(k, 0))) for k in ("pension", "medical", "unemployment", "work_injury")
    }
    hf = v.housing_fund
    hf_base = min(yuan(hf.base_ceiling), max(yuan(hf.base_floor), standard + difference))
    hf_employee = R(hf_base * rate(hf.employee))
    hf_employer = R(hf_base * rate(hf.employer))
    accident = R(yuan(v.accident_insurance_annual) / 12)

    # §9
    separate = (
        v.performance.tax_method == "SEPARATE"
        and len(v.performance.payout_months) == 1
        and month == v.performance.payout_months[0]
        and not leaves
    )
    contributions = sum(employee.values()) + hf_employee
    state["n"] += 1
    state["income"] += gross - (performance_pay if separate else 0)
    state["deductions"] += contributions + yuan(w.special_deduction_monthly)
    cum_deduction = yuan(v.income_tax.monthly_basic_deduction) * state["n"] + state["deductions"]
    taxable = max(Decimal(0), state["income"] - cum_deduction)
    b = bracket_for(v.income_tax.brackets, taxable)
    cum_tax = R(taxable * rate(b.rate) - yuan(b.quick_deduction))
    income_tax = max(Decimal(0), cum_tax - state["tax"])
    state["tax"] += income_tax
    bonus_tax = Decimal(0)
    if separate:
        bb = bracket_for(v.income_tax.bonus_brackets, performance_pay / 12)
        bonus_tax = max(Decimal(0), R(performance_pay * rate(bb.rate) - yuan(bb.quick_deduction)))

    # §10
    net = gross - contributions - income_tax - bonus_tax
    employer_cost = gross + sum(employer.values()) + hf_employer + accident
    return {
        "worker_id": w.worker_id,
        "period": f"{year:04d}-{month:02d}",
        "post": w.post,
        "grade": grade,
        "counted_years": counted,
        "days": days,
        "basic_pay": p_basic,
        "performance_pay": performance_pay,
        "education_allowance": p_education,
        "certificate_allowance": p_certificate,
        "tenure_allowance": p_tenure,
        "fixed_allowances": Decimal(0),
        "difference_allowance": p_difference,
        "back_pay": Decimal(0),
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
    return {"n": 0, "income": Decimal(0), "deductions": Decimal(0), "tax": Decimal(0), "reserve": Decimal(0)}


def quote(policy: Policy, workers: list[WorkerInput], start: tuple[int, int], end: tuple[int, int]) -> list[dict]:
    """Payslips for the months start..end, ordered by worker then period; each
    year is computed from January."""
    rows = []
    for w in workers:
        for year in range(start[0], end[0] + 1):
            state = year_start_state(w, year)
            last_month = end[1] if year == end[0] else 12
            for month in range(1, last_month + 1):
                row = payslip(policy, w, year, month, state)
                if row is not None and (year, month) >= start:
                    rows.append(row)
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
