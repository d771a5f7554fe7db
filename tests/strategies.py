"""Hypothesis strategies: random but valid policy documents and workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from payroll.codes import ASSESSMENT, CERTIFICATE, EDUCATION
from payroll.money import format_fen

POSTS = ("CHIEF", "DEPUTY", "STAFF", "ASSISTANT")


def rate_text(scaled: int) -> str:
    return format(Decimal(scaled).scaleb(-6), "f")


def money(lo: int = 0, hi: int = 10_000_00):
    return st.integers(lo, hi).map(format_fen)


def rate(lo: int = 0, hi: int = 1_000_000):
    return st.integers(lo, hi).map(rate_text)


def code_map(codes, values, optional=True):
    keys = st.lists(st.sampled_from(codes), unique=True) if optional else st.just(list(codes))
    return keys.flatmap(lambda ks: st.fixed_dictionaries({k: values for k in ks}))


@st.composite
def brackets(draw, bonus: bool = False):
    n = draw(st.integers(1, 7))
    uptos = sorted(draw(st.lists(st.integers(1_00, 100_000_000), min_size=n - 1, max_size=n - 1, unique=True)))
    rows = []
    for i in range(n):
        row = {"rate": draw(rate(0, 450_000)), "quick_deduction": draw(money(0, 20_000_000))}
        if i < n - 1:
            row["upto"] = format_fen(uptos[i])
        rows.append(row)
    return rows


def contribution_item(lo: int = 0, hi: int = 200_000):
    """A plain rate, or (revision 2) a list of rate and amount parts."""
    part = st.one_of(rate(lo, hi).map(lambda r: {"rate": r}), money(0, 50_00).map(lambda a: {"amount": a}))
    return st.one_of(rate(lo, hi), st.lists(part, min_size=1, max_size=3))


def contribution_options(draw) -> dict:
    """rounding and base_month (revision 2), each present or not."""
    out = {}
    if draw(st.booleans()):
        out["rounding"] = draw(st.sampled_from(["FEN", "YUAN", "YUAN_UP"]))
    if draw(st.booleans()):
        out["base_month"] = draw(st.integers(1, 12))
    return out


@st.composite
def version(draw, effective_from: str, posts: tuple[str, ...]):
    grades = draw(st.integers(2, 24))
    increments = draw(st.lists(st.integers(0, 300_000), min_size=grades - 1, max_size=grades - 1))
    if draw(st.booleans()):
        first = draw(st.integers(1, 3_000_00))
        amounts = [first]
        for inc in increments:
            amounts.append(amounts[-1] + inc // 100)
        grade_block = {"amounts": [format_fen(a) for a in amounts]}
    else:
        coefficients = [800_000 + draw(st.integers(0, 500_000))]
        for inc in increments:
            coefficients.append(coefficients[-1] + inc)
        grade_block = {"coefficients": [rate_text(c) for c in coefficients]}
    post_block = {}
    for key in posts:
        lo = draw(st.integers(1, grades))
        hi = draw(st.integers(lo, grades))
        post_block[key] = {"title": key.title(), "min_grade": lo, "max_grade": hi}
        if draw(st.booleans()):
            post_block[key]["post_pay"] = draw(money(0, 5_000_00))
    payout = sorted(set(draw(st.lists(st.integers(1, 11), max_size=3))) | {12})
    floor = draw(st.integers(0, 8_000_00))
    hf_floor = draw(st.integers(0, 5_000_00))
    performance = {
        "withheld_share": draw(rate(0, 1_000_000)),
        "payout_months": payout,
        "factors": draw(code_map(ASSESSMENT, rate(0, 2_000_000), optional=False)),
        "default_assessment": draw(st.sampled_from(ASSESSMENT)),
        "tax_method": draw(st.sampled_from(["SEPARATE", "COMBINED", "CUMULATIVE"])),
    }
    held = draw(st.sampled_from(["none", "amount", "map"]))
    if held == "amount":
        performance["withheld_monthly"] = draw(money(0, 2_000_00))
    elif held == "map":
        performance["withheld_monthly"] = draw(code_map(posts, money(0, 2_000_00)))
    if held != "none" and draw(st.booleans()):
        del performance["withheld_share"]  # defaults to 0
    fixed = []
    for i in range(draw(st.integers(0, 3))):
        entry = {"code": f"A{i}", "title": f"补贴{i}", "amount": draw(money(0, 1_000_00))}
        if draw(st.booleans()):
            entry["posts"] = draw(st.lists(st.sampled_from(posts), min_size=1, max_size=len(posts), unique=True))
        fixed.append(entry)
    promotion_counting = draw(st.sampled_from([None, "ANNIVERSARY", "JANUARY"]))
    extra = {}
    if draw(st.booleans()):
        extra["probation"] = {
            "months": draw(st.integers(1, 12)),
            "pay_share": draw(rate(1, 1_000_000)),
            "reserve": draw(st.booleans()),
        }
    if draw(st.booleans()):
        extra["certificate_counts_from"] = draw(st.sampled_from(["REGISTRATION_MONTH", "NEXT_MONTH"]))
    return {
        "effective_from": effective_from,
        **extra,
        "base_income_annual": draw(money(10_000_00, 300_000_00)),
        "grades": grade_block,
        "posts": post_block,
        "promotion": {
            "years_per_grade": draw(st.integers(1, 5)),
            "education_credit_years": draw(code_map(EDUCATION, st.integers(0, 7))),
            "education_grade_bonus": draw(code_map(EDUCATION, st.integers(0, 3))),
            "certificate_grade_bonus": draw(code_map(CERTIFICATE, st.integers(0, 3))),
            "bonus_combine": draw(st.sampled_from(["SUM", "MAX"])),
            **({"counting": promotion_counting} if promotion_counting else {}),
        },
        "allowances": {
            "education": draw(code_map(EDUCATION, money(0, 1_000_00))),
            "certificate": draw(code_map(CERTIFICATE[1:], money(0, 1_000_00))),
            "tenure_per_year": draw(money(0, 50_00)),
            "tenure_cap_years": draw(st.integers(0, 40)),
            **({"fixed": fixed} if fixed else {}),
        },
        "performance": performance,
        "conversion": {"protect_previous_pay": draw(st.booleans())},
        "social_insurance": {
            "base_floor": format_fen(floor),
            "base_ceiling": format_fen(floor + draw(st.integers(0, 30_000_00))),
            "employee": draw(code_map(("pension", "medical", "unemployment"), contribution_item())),
            "employer": draw(code_map(("pension", "medical", "unemployment", "work_injury"), contribution_item())),
            **contribution_options(draw),
        },
        "housing_fund": {
            "base_floor": format_fen(hf_floor),
            "base_ceiling": format_fen(hf_floor + draw(st.integers(0, 30_000_00))),
            "employee": draw(rate(0, 120_000)),
            "employer": draw(rate(0, 120_000)),
            **contribution_options(draw),
        },
        "accident_insurance_annual": draw(money(0, 1_000_00)),
        "income_tax": {
            "monthly_basic_deduction": draw(money(0, 6_000_00)),
            "brackets": draw(brackets()),
            "bonus_brackets": draw(brackets(bonus=True)),
        },
        "staffing": {
            "min_workers": 5,
            "households_per_worker": 300,
            "workers_per_10k_residents": draw(rate(0, 30_000_000)),
            "chief_positions": 1,
            "deputy_positions": [{"min_required": 1, "count": 1}, {"min_required": 9, "count": 2}],
            "households_per_grid": 300,
        },
        "community_funds": {"service_fund_annual": draw(money(0, 200_000_00)),
                            "party_building_annual": draw(money(0, 20_000_00))},
    }


def dates(lo: dt.date, hi: dt.date):
    return st.integers(lo.toordinal(), hi.toordinal()).map(dt.date.fromordinal)


@st.composite
def policy_documents(draw, posts: tuple[str, ...] | None = None):
    if posts is None:
        posts = tuple(draw(st.lists(st.sampled_from(POSTS), min_size=1, max_size=4, unique=True)))
    later = sorted(set(draw(st.lists(dates(dt.date(2024, 2, 1), dt.date(2026, 12, 31)), max_size=2))))
    effective = [dt.date(2020, 1, 1), *later]
    return {
        "id": "random",
        "title": "随机政策",
        "versions": [draw(version(d.isoformat(), posts)) for d in effective],
    }


@st.composite
def worker_rows(draw, posts: tuple[str, ...], count: int):
    rows = []
    for i in range(count):
        # Half of the workers start recently, where probation, held bases,
        # anniversaries and late entries happen.
        start = draw(dates(dt.date(1975, 1, 1), dt.date(2026, 12, 31)) | dates(dt.date(2024, 6, 1), dt.date(2026, 12, 31)))
        end = draw(st.none() | dates(start, dt.date(2027, 6, 30)))
        certificate = draw(st.sampled_from(CERTIFICATE))
        row = {
            "worker_id": f"W{i:03d}",
            "post": draw(st.sampled_from(posts)),
            "service_start": start.isoformat(),
            "service_end": end.isoformat() if end else "",
            "prior_service_years": str(draw(st.just(0) | st.integers(0, 10))),
            "education": draw(st.sampled_from(("",) + EDUCATION)),
            "certificate": certificate,
            "certificate_date": draw(dates(dt.date(2000, 1, 1), dt.date(2027, 12, 31))).isoformat()
            if certificate != "NONE" else "",
            "incompetent_years": str(draw(st.integers(0, 5))),
            "assessment": draw(st.sampled_from(("",) + ASSESSMENT)),
            "special_deduction_monthly": draw(money(0, 5_000_00)),
            "previous_monthly_pay": draw(st.just("") | money(0, 40_000_00)),
            "tax_basic_deduction": draw(st.sampled_from(("", "MONTHLY", "FULL_YEAR", "FROM_JANUARY"))),
            "bonus_tax_method": draw(st.sampled_from(("", "SEPARATE", "COMBINED"))),
        }
        if draw(st.booleans()) and draw(st.booleans()):
            year = draw(st.sampled_from([2025, 2026]))
            month = draw(st.integers(1, 12))
            row.update(
                opening_through=f"{year}-{month:02d}",
                opening_months=str(draw(st.integers(0, month))),
                opening_income=draw(money(0, 300_000_00)),
                opening_deductions=draw(money(0, 100_000_00)),
                opening_tax=draw(money(0, 20_000_00)),
                opening_reserve=draw(money(0, 20_000_00)),
            )
        rows.append(row)
    return rows
