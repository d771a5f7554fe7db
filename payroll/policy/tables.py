"""A policy version compiled into int64 lookup tables that the vectorized engine
indexes with worker code arrays, and the post × grade pay table HR prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from .. import codes
from ..money import RATE_SCALE, mul_rate, np_mul_rate_nonneg

if TYPE_CHECKING:  # annotations only: a version builds its tables (PolicyVersion.tables imports this module)
    from .document import Bracket, ContributionPart, PolicyVersion, Probation

#: Upper bound used for the open-ended last bracket.
_OPEN_UPTO = np.int64(2**62)


@dataclass(frozen=True)
class ContributionRule:
    """A contribution item compiled: rounded rate parts plus fixed amounts (§8.3)."""

    rates: tuple[int, ...]  # scaled; each part rounded on its own
    fixed: int  # fen, Σ of the amount parts

    @classmethod
    def of(cls, parts: tuple[ContributionPart, ...]) -> ContributionRule:
        return cls(
            tuple(p.rate for p in parts if p.rate is not None),
            sum(p.amount for p in parts if p.amount is not None),
        )
@dataclass(frozen=True)
class VersionTables:
    """A version's figures as int64 arrays indexed by code, post and grade.

    The pay tables (``pay_base``, ``reserve``, ``basic``) are flat arrays over
    (probation, post, grade): entry ``(probation × posts + post) × stride +
    grade`` with ``stride = grades + 1`` (grade 0 unused), so the engine finds
    a worker's §4.2–§4.4 amounts with one look-up each.
    """

    post_known: np.ndarray  # bool[post]
    post_min_grade: np.ndarray  # int64[post]
    post_max_grade: np.ndarray
    grade_pay: np.ndarray  # fen[grade], index 0 unused (grades start at 1)
    #: Revision 1's per-grade reserve and basic pay (no post pay, no probation),
    #: kept for grade tables that print them.
    performance_reserve: np.ndarray
    basic_pay: np.ndarray
    grade_stride: int
    pay_base: np.ndarray  # fen[(probation, post, grade)], §4.2–4.3
    reserve: np.ndarray  # fen: R(pay_base × withheld_share) + fixed reserve held, §4.4
    basic: np.ndarray  # fen: pay_base − R(pay_base × withheld_share), §4.4
    post_pay: np.ndarray  # fen[post]
    fixed_reserve: np.ndarray  # fen[post]
    fixed_allowances: np.ndarray  # fen[post], §4.8
    education_credit_years: np.ndarray  # [education]
    education_grade_bonus: np.ndarray
    certificate_grade_bonus: np.ndarray  # [certificate]
    education_allowance: np.ndarray  # fen[education]
    certificate_allowance: np.ndarray  # fen[certificate]
    factors: np.ndarray  # scaled[assessment]; the last entry is the default
    si_employee: np.ndarray  # scaled[item], plain-rate items only (revision 1)
    si_employer: np.ndarray
    si_employee_rules: tuple[ContributionRule, ...]  # in codes.SI_EMPLOYEE_ITEMS order
    si_employer_rules: tuple[ContributionRule, ...]
    bracket_upto: np.ndarray  # fen, last = open
    bracket_rate: np.ndarray
    bracket_quick: np.ndarray  # fen
    bonus_upto_times_12: np.ndarray  # fen × 12: compare with the bonus itself, exactly
    bonus_rate: np.ndarray
    bonus_quick: np.ndarray
    accident_insurance: int  # fen a month

    def pay_index(self, probation: np.ndarray | None, post: np.ndarray, grade: np.ndarray) -> np.ndarray:
        """Positions in the pay tables of workers' (probation, post, grade);
        ``probation`` None when nobody can be on probation."""
        if probation is None:
            return post * self.grade_stride + grade
        return (probation * len(self.post_known) + post) * self.grade_stride + grade

    @classmethod
    def build(cls, v: PolicyVersion) -> VersionTables:
        n_posts = len(v.post_keys)
        post_known = np.zeros(n_posts, dtype=bool)
        post_min = np.ones(n_posts, dtype=np.int64)
        post_max = np.ones(n_posts, dtype=np.int64)
        for i, key in enumerate(v.post_keys):
            post = v.posts.get(key)
            if post is not None:
                post_known[i] = True
                post_min[i] = post.min_grade
                post_max[i] = post.max_grade
        if v.grades.amounts is not None:
            grade_pay = [0, *v.grades.amounts]
        else:
            grade_pay = [0] + [_div12(v.base_income_annual * c) for c in v.grades.coefficients]
        share = v.performance.withheld_share
        reserve = [mul_rate(g, share) for g in grade_pay]
        gp = np.array(grade_pay, dtype=np.int64)
        res = np.array(reserve, dtype=np.int64)

        def post_table(value) -> np.ndarray:
            return np.array([value(key) if key in v.posts else 0 for key in v.post_keys], dtype=np.int64)

        post_pay = post_table(lambda key: v.posts[key].post_pay)
        fixed_reserve = post_table(v.performance.fixed_reserve)
        fixed_allowances = post_table(lambda key: sum(a.amount for a in v.allowances.fixed_for(key)))
        pay_base, reserve_table, basic = _pay_tables(gp, post_pay, fixed_reserve, share, v.probation)

        def code_table(values: Mapping[str, int], code_list: Iterable[str]) -> np.ndarray:
            return np.array([values.get(c, 0) for c in code_list], dtype=np.int64)

        perf = v.performance
        factors = [perf.factors[a] for a in codes.ASSESSMENT] + [perf.factors[perf.default_assessment]]

        def brackets(rows: tuple[Bracket, ...], times: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            upto = np.array(
                [_OPEN_UPTO if b.upto is None else b.upto * times for b in rows], dtype=np.int64
            )
            return (
                upto,
                np.array([b.rate for b in rows], dtype=np.int64),
                np.array([b.quick_deduction for b in rows], dtype=np.int64),
            )

        def rules(parts: Mapping[str, tuple[ContributionPart, ...]], items: tuple[str, ...]) -> tuple[ContributionRule, ...]:
            return tuple(ContributionRule.of(parts.get(item, ())) for item in items)

        si = v.social_insurance
        b_upto, b_rate, b_quick = brackets(v.income_tax.brackets, 1)
        bb_upto, bb_rate, bb_quick = brackets(v.income_tax.bonus_brackets, 12)
        return cls(
            post_known=post_known,
            post_min_grade=post_min,
            post_max_grade=post_max,
            grade_pay=gp,
            performance_reserve=res,
            basic_pay=gp - res,
            grade_stride=len(gp),
            pay_base=pay_base,
            reserve=reserve_table,
            basic=basic,
            post_pay=post_pay,
            fixed_reserve=fixed_reserve,
            fixed_allowances=fixed_allowances,
            education_credit_years=code_table(v.promotion.education_credit_years, codes.EDUCATION),
            education_grade_bonus=code_table(v.promotion.education_grade_bonus, codes.EDUCATION),
            certificate_grade_bonus=code_table(v.promotion.certificate_grade_bonus, codes.CERTIFICATE),
            education_allowance=code_table(v.allowances.education, codes.EDUCATION),
            certificate_allowance=code_table(v.allowances.certificate, codes.CERTIFICATE),
            factors=np.array(factors, dtype=np.int64),
            si_employee=code_table(si.employee, codes.SI_EMPLOYEE_ITEMS),
            si_employer=code_table(si.employer, codes.SI_EMPLOYER_ITEMS),
            si_employee_rules=rules(si.employee_parts, codes.SI_EMPLOYEE_ITEMS),
            si_employer_rules=rules(si.employer_parts, codes.SI_EMPLOYER_ITEMS),
            bracket_upto=b_upto,
            bracket_rate=b_rate,
            bracket_quick=b_quick,
            bonus_upto_times_12=bb_upto,
            bonus_rate=bb_rate,
            bonus_quick=bb_quick,
            accident_insurance=_div12(v.accident_insurance_annual * RATE_SCALE),
        )


def _pay_tables(
    grade_pay: np.ndarray, post_pay: np.ndarray, fixed_reserve: np.ndarray, share: int, probation: Probation | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§4.2–4.4 over (probation, post, grade), flattened: pay_base, the reserve
    held (share part + fixed reserve) and basic pay."""
    full = grade_pay[None, :] + post_pay[:, None]
    reduced = np_mul_rate_nonneg(full, probation.pay_share) if probation else full
    layers = []
    for on_probation, base in ((False, full), (True, reduced)):
        share_part = np_mul_rate_nonneg(base, share)
        if on_probation and probation is not None and not probation.reserve:
            layers.append((base, np.zeros_like(base), base))
        else:
            layers.append((base, share_part + fixed_reserve[:, None], base - share_part))
    return tuple(np.stack([layer[k] for layer in layers]).ravel() for k in range(3))


def _div12(amount_times_scale: int) -> int:
    """``R(x / 12)`` where ``x`` is fen × 10^6 (the product of fen and a scaled rate)."""
    denominator = 12 * RATE_SCALE
    return (2 * amount_times_scale + denominator) // (2 * denominator)



@dataclass(frozen=True)
class GradeTableRow:
    """One line of a version's post × grade pay table (the table HR prints):
    full-month amounts of §4.1–4.4 without probation, in fen."""

    post: str
    grade: int
    #: The grade's coefficient (scaled by 10^6), None for a table of fixed amounts.
    coefficient: int | None
    grade_pay: int
    post_pay: int
    basic_pay: int
    performance_reserve: int


def grade_table_rows(version: PolicyVersion) -> list[GradeTableRow]:
    """The version's pay table, post by post (highest first), grade by grade."""
    tables = version.tables
    rows = []
    for key, post in version.posts.items():
        index = version.post_keys.index(key)
        for grade in range(post.min_grade, post.max_grade + 1):
            at = int(tables.pay_index(None, np.array([index]), np.array([grade]))[0])
            rows.append(GradeTableRow(
                post=key,
                grade=grade,
                coefficient=version.grades.coefficients[grade - 1] if version.grades.amounts is None else None,
                grade_pay=int(tables.grade_pay[grade]),
                post_pay=int(tables.post_pay[index]),
                basic_pay=int(tables.basic[at]),
                performance_reserve=int(tables.reserve[at]),
            ))
    return rows
