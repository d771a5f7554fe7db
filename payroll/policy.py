"""Policy documents: dated versions of every figure a locality may change.

A document (``policy-example.yaml`` in the spec shows every key) holds an
``id``, a ``title`` and a list of complete ``versions``, each with its
``effective_from`` date.  The version *in force* for a period is the one with
the greatest ``effective_from`` on or before the first day of the period
(spec §0) — the dated-parameter model of OpenFisca.

Loading validates the whole document and reports every problem at once, each
with its path in the document, e.g.
``versions[1].posts.CHIEF.max_grade: 17 is above the 16 grades of this table``.
Nothing about a particular city lives in code: posts, the number of grades,
allowances, rates and brackets all come from the document, so a 三岗十八级 or
四岗二十四级 locality is just another document.

Each version compiles once into numpy lookup tables (:class:`VersionTables`)
that the vectorized engine indexes with worker code arrays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import yaml

from . import codes
from .money import (
    RATE_SCALE,
    MoneyFormatError,
    format_fen,
    format_rate,
    mul_rate,
    np_mul_rate_nonneg,
    parse_fen,
    parse_rate,
)
from .periods import Period, PeriodFormatError, parse_date
from .texts import BilingualError, Text

_POST_KEY_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
#: Caps on figures, far above any real policy, so that no product the engine
#: forms (fen × scaled rate × 2, accrued over a year) can overflow int64.
_MAX_INT = 1_000_000
_MAX_POLICY_FEN = 1_000_000_000  # 10 million yuan
_MAX_COEFFICIENT = 20 * RATE_SCALE


class PolicyError(ValueError):
    """An invalid policy document; ``problems`` lists every problem by path
    (``path：中文 / path: English``), ``texts`` the same in both languages apart."""

    def __init__(self, texts: list[Text]):
        self.texts = list(texts)
        self.problems = [str(t) for t in self.texts]
        super().__init__("政策文件有误 / invalid policy document:\n" + "\n".join(f"  {p}" for p in self.problems))


class NoVersionInForce(BilingualError, LookupError):
    """No version of the policy is in force for the period or date asked for."""


# --- the document as typed, validated values -----------------------------------------


@dataclass(frozen=True)
class Post:
    key: str
    title: str
    min_grade: int
    max_grade: int
    #: 岗位工资: a fixed monthly amount for the post, in fen (§4.2).
    post_pay: int = 0


@dataclass(frozen=True)
class Grades:
    """The grade table: coefficients of the base income, or fixed monthly
    amounts (§4.1); exactly one of the two is given."""

    #: Coefficient of grade 1, 2, … scaled by 10^6; empty when ``amounts`` are given.
    coefficients: tuple[int, ...]
    #: Monthly grade pay of grade 1, 2, … in fen, or None when coefficients are given.
    amounts: tuple[int, ...] | None = None

    @property
    def count(self) -> int:
        return len(self.amounts) if self.amounts is not None else len(self.coefficients)


@dataclass(frozen=True)
class Promotion:
    years_per_grade: int
    education_credit_years: Mapping[str, int]
    education_grade_bonus: Mapping[str, int]
    certificate_grade_bonus: Mapping[str, int]
    bonus_combine: str  # "SUM" or "MAX"
    #: When service years are counted (§2.1): at each anniversary, or each January.
    counting: str = "ANNIVERSARY"  # or "JANUARY"


@dataclass(frozen=True)
class FixedAllowance:
    """A flat monthly allowance (§4.8): 生活补贴, 交通补贴, 职务补贴 …"""

    code: str
    title: str
    amount: int  # fen
    #: The posts it is paid to; None for every post.
    posts: tuple[str, ...] | None = None

    def applies_to(self, post: str) -> bool:
        return self.posts is None or post in self.posts


@dataclass(frozen=True)
class Allowances:
    education: Mapping[str, int]  # fen
    certificate: Mapping[str, int]  # fen
    tenure_per_year: int  # fen
    tenure_cap_years: int
    fixed: tuple[FixedAllowance, ...] = ()

    def fixed_for(self, post: str) -> tuple[FixedAllowance, ...]:
        """The flat allowances paid to a post, in document order."""
        return tuple(a for a in self.fixed if a.applies_to(post))


#: The ways a year-end payout may be taxed (§6, §9).  CUMULATIVE is revision
#: 1's name for COMBINED and means the same.
TAX_METHODS = ("SEPARATE", "COMBINED", "CUMULATIVE")


@dataclass(frozen=True)
class Performance:
    withheld_share: int  # scaled
    payout_months: tuple[int, ...]
    factors: Mapping[str, int]  # scaled
    default_assessment: str
    tax_method: str  # one of TAX_METHODS
    #: 奖励绩效 held on top of pay (§4.4), in fen: one amount for every post
    #: (an int), a map by post (a post not in it holds none), or None.
    withheld_monthly: int | Mapping[str, int] | None = None

    def fixed_reserve(self, post: str) -> int:
        """The fixed reserve a post holds a month, in fen."""
        if self.withheld_monthly is None:
            return 0
        if isinstance(self.withheld_monthly, int):
            return self.withheld_monthly
        return self.withheld_monthly.get(post, 0)

    @property
    def separate_by_default(self) -> bool:
        return self.tax_method == "SEPARATE"


@dataclass(frozen=True)
class Probation:
    """试用期 (§4.3): pay reduced to ``pay_share`` for ``months`` calendar months."""

    months: int
    pay_share: int  # scaled, in (0, 1]
    #: Whether the performance reserve is still held during probation.
    reserve: bool = False


#: Rounding of contributions computed from a rate (§8.4).
ROUNDING_MODES = ("FEN", "YUAN", "YUAN_UP")


@dataclass(frozen=True)
class ContributionPart:
    """One part of a contribution item (§8.3): a rate of the base, or a fixed
    monthly amount; exactly one of the two is set."""

    rate: int | None = None  # scaled
    amount: int | None = None  # fen


@dataclass(frozen=True)
class SocialInsurance:
    base_floor: int
    base_ceiling: int
    #: item -> scaled rate, for the items given as a plain rate (revision 1's form).
    employee: Mapping[str, int]
    employer: Mapping[str, int]
    #: item -> its parts, for every item given (a plain rate is one rate part).
    employee_parts: Mapping[str, tuple[ContributionPart, ...]] = field(default_factory=dict)
    employer_parts: Mapping[str, tuple[ContributionPart, ...]] = field(default_factory=dict)
    rounding: str = "FEN"
    #: Month (1–12) whose wage the base is held from (§8.2), or None.
    base_month: int | None = None


@dataclass(frozen=True)
class HousingFund:
    base_floor: int
    base_ceiling: int
    employee: int  # scaled
    employer: int
    rounding: str = "FEN"
    base_month: int | None = None


@dataclass(frozen=True)
class Bracket:
    upto: int | None  # fen; None for the last, open-ended bracket
    rate: int  # scaled
    quick_deduction: int  # fen


@dataclass(frozen=True)
class IncomeTax:
    monthly_basic_deduction: int
    brackets: tuple[Bracket, ...]
    bonus_brackets: tuple[Bracket, ...]


@dataclass(frozen=True)
class DeputyRule:
    min_required: int
    count: int


@dataclass(frozen=True)
class Staffing:
    chief_positions: int
    deputy_positions: tuple[DeputyRule, ...]
    min_workers: int | None = None
    max_workers: int | None = None
    households_per_worker: int | None = None
    workers_per_10k_residents: int | None = None  # scaled
    households_per_grid: int | None = None


@dataclass(frozen=True)
class CommunityFunds:
    service_fund_annual: int
    party_building_annual: int


@dataclass(frozen=True)
class PolicyVersion:
    """One complete, dated set of figures."""

    #: Position of the version in the document's ``versions`` list.
    index: int
    effective_from: dt.date
    source: str | None
    base_income_annual: int
    grades: Grades
    posts: Mapping[str, Post]
    promotion: Promotion
    allowances: Allowances
    performance: Performance
    protect_previous_pay: bool
    social_insurance: SocialInsurance
    housing_fund: HousingFund
    accident_insurance_annual: int
    income_tax: IncomeTax
    staffing: Staffing
    community_funds: CommunityFunds
    #: Key order of the posts of the whole document, shared by every version so
    #: that a worker's post index means the same post in every version.
    post_keys: tuple[str, ...] = field(compare=False)
    #: Whether a certificate counts from its registration month or the month after (§3.3).
    certificate_counts_from: str = "REGISTRATION_MONTH"  # or "NEXT_MONTH"
    probation: Probation | None = None
    #: Every version of the document, ascending (set when the policy is built),
    #: so that a held contribution base can find the version of its month (§8.2).
    document_versions: tuple["PolicyVersion", ...] = field(default=(), compare=False, repr=False)

    @property
    def path(self) -> str:
        return f"versions[{self.index}]"

    @property
    def label(self) -> str:
        return f"{self.effective_from.isoformat()}"

    @cached_property
    def tables(self) -> VersionTables:
        return VersionTables.build(self)

    @property
    def single_payout_month(self) -> int | None:
        months = self.performance.payout_months
        return months[0] if len(months) == 1 else None

    def version_in_force_or_earliest(self, period: Period) -> PolicyVersion:
        """The document's version in force for ``period``, or its earliest
        version when none was (the held base of §8.2)."""
        versions = self.document_versions or (self,)
        chosen = versions[0]
        for version in versions:
            if version.effective_from <= period.first:
                chosen = version
        return chosen


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    versions: tuple[PolicyVersion, ...]  # ascending effective_from
    #: The document as loaded (plain YAML data), kept for storage and export.
    document: Mapping[str, Any] = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        for version in self.versions:
            object.__setattr__(version, "document_versions", self.versions)

    @property
    def post_keys(self) -> tuple[str, ...]:
        return self.versions[0].post_keys

    @cached_property
    def post_names(self) -> dict[str, str]:
        """The names HR staff write for the posts of every version — the key,
        the title, the title's parts (正职, 书记, 副职 …) — as
        :func:`codes.label_key` gives them → the post key."""
        return codes.post_names((key, post.title) for v in self.versions for key, post in v.posts.items())

    def version_on(self, day: dt.date) -> PolicyVersion:
        """The version in force on a date: greatest ``effective_from ≤ day``."""
        chosen = None
        for version in self.versions:
            if version.effective_from <= day:
                chosen = version
            else:
                break
        if chosen is None:
            first = self.versions[0].effective_from.isoformat()
            raise NoVersionInForce(
                f"政策 {self.id}：{day.isoformat()} 没有生效的版本（最早的版本 {first} 起生效）",
                f"policy {self.id}: no version is in force on {day.isoformat()} (the first takes effect on {first})",
            )
        return chosen

    def version_for(self, period: Period) -> PolicyVersion:
        """The version in force for a pay period (spec §0)."""
        try:
            return self.version_on(period.first)
        except NoVersionInForce:
            first = self.versions[0].effective_from.isoformat()
            raise NoVersionInForce(
                f"政策 {self.id}：{period} 没有生效的版本（最早的版本 {first} 起生效）",
                f"policy {self.id}: no version is in force for {period} (the first takes effect on {first})",
            ) from None

    def with_base_income_growth(self, growth: int) -> Policy:
        """The budget scenario of spec §12: every version's ``base_income_annual``
        replaced by ``R(base_income_annual × (1 + growth))``; ``growth`` scaled 10^6."""
        if growth == 0:
            return self
        versions = tuple(
            dataclasses.replace(v, base_income_annual=mul_rate(v.base_income_annual, RATE_SCALE + growth))
            for v in self.versions
        )
        return dataclasses.replace(self, versions=versions)


# --- compiled lookup tables ----------------------------------------------------------

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


# --- loading and validation ----------------------------------------------------------


def load_policy(source: str | Path) -> Policy:
    """Load and validate a policy document from a YAML file path."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PolicyError([Text("无法读取", f"cannot be read ({exc.strerror or exc})").about(str(path))]) from None
    return parse_policy_text(text)


def parse_policy_text(text: str) -> Policy:
    """Load and validate a policy document from YAML text."""
    return parse_policy(load_yaml(text))


def load_yaml(text: str) -> Any:
    """A document's YAML (or JSON) text as plain data; :class:`PolicyError`
    naming the line and column when it is not YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        message = Text("不是有效的 YAML", f"not valid YAML ({problem})")
        if mark:
            message = Text(f"第 {mark.line + 1} 行第 {mark.column + 1} 列：{message.zh}",
                           f"line {mark.line + 1}, column {mark.column + 1}: {message.en}")
        raise PolicyError([message]) from None


def example_policy_path() -> Path:
    """The example policy shipped inside the package."""
    return Path(__file__).with_name("data") / "policy-example.yaml"


def example_policy() -> Policy:
    return load_policy(example_policy_path())


def parse_policy(data: Any) -> Policy:
    """Validate plain data (as from YAML or JSON) into a :class:`Policy`."""
    reader = _Reader()
    policy = reader.policy(data)
    if reader.problems or policy is None:
        raise PolicyError(reader.problems or [Text("文件为空", "the document is empty")])
    return policy


_MISSING = object()


class _Reader:
    """Reads the document node by node, collecting problems with their paths."""

    def __init__(self) -> None:
        self.problems: list[Text] = []

    def problem(self, path: str, zh: str, en: str) -> None:
        """A problem at ``path``: ``path：中文 / path: English``."""
        self.problems.append(Text(zh, en).about(path))

    # -- primitives --

    def mapping(self, node: Any, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict | None:
        if not isinstance(node, Mapping):
            self.problem(path, f"须为键值映射，而不是{_describe_zh(node)}", f"must be a mapping of keys to values, not {_describe(node)}")
            return None
        required = list(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in node:
                self.problem(_join(path, key), "缺少此项", "is missing")
        for key in node:
            if key not in allowed:
                self.problem(_join(path, str(key)), f"不是可用的键（可用：{'、'.join(sorted(allowed))}）",
                             f"is not a known key (expected one of: {', '.join(sorted(allowed))})")
        return dict(node)

    def money(self, node: Any, path: str, minimum: int = 0, maximum: int = _MAX_POLICY_FEN) -> int | None:
        """An amount of yuan in fen."""
        try:
            value = parse_fen(node)
        except MoneyFormatError as exc:
            self.problem(path, "须为最多两位小数的元金额，如 \"600.00\"", exc.text.en)
            return None
        for wrong, zh, en, bound in (
            (value < minimum, "不能小于", "must not be below", minimum),
            (value > maximum, "不能大于", "must not be above", maximum),
        ):
            if wrong:
                self.problem(path, f"金额 {format_fen(value)} {zh} {format_fen(bound)}",
                             f"{format_fen(value)} {en} {format_fen(bound)}")
                return None
        return value

    def rate(self, node: Any, path: str, minimum: int = 0, maximum: int | None = None) -> int | None:
        try:
            value = parse_rate(node)
        except MoneyFormatError as exc:
            self.problem(path, exc.text.zh, exc.text.en)
            return None
        if value < minimum:
            self.problem(path, f"{_rate_text(value)} 不能小于 {_rate_text(minimum)}",
                         f"{_rate_text(value)} must not be below {_rate_text(minimum)}")
            return None
        if maximum is not None and value > maximum:
            self.problem(path, f"{_rate_text(value)} 不能大于 {_rate_text(maximum)}",
                         f"{_rate_text(value)} must not be above {_rate_text(maximum)}")
            return None
        return value

    def integer(self, node: Any, path: str, minimum: int = 0, maximum: int = _MAX_INT) -> int | None:
        if isinstance(node, bool) or not isinstance(node, int):
            if isinstance(node, str) and node.strip().lstrip("-").isdigit():
                node = int(node.strip())
            else:
                self.problem(path, f"须为整数，而不是{_describe_zh(node)}", f"must be a whole number, not {_describe(node)}")
                return None
        if node < minimum:
            self.problem(path, f"{node} 不能小于 {minimum}", f"{node} must not be below {minimum}")
            return None
        if node > maximum:
            self.problem(path, f"{node} 不能大于 {maximum}", f"{node} must not be above {maximum}")
            return None
        return node

    def text(self, node: Any, path: str) -> str | None:
        if not isinstance(node, str) or not node.strip():
            self.problem(path, f"须为非空文字，而不是{_describe_zh(node)}", f"must be a non-empty text, not {_describe(node)}")
            return None
        return node

    def choice(self, node: Any, path: str, choices: Iterable[str]) -> str | None:
        choices = tuple(choices)
        if node not in choices:
            self.problem(path, f"{node!r} 不是 {'、'.join(choices)} 之一", f"{node!r} is not one of {', '.join(choices)}")
            return None
        return node

    def code_map(self, node: Any, path: str, code_list: Iterable[str], read) -> dict[str, int] | None:
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            self.problem(path, f"须为代码到数值的映射，而不是{_describe_zh(node)}",
                         f"must be a mapping from codes to values, not {_describe(node)}")
            return None
        code_list = tuple(code_list)
        out: dict[str, int] = {}
        ok = True
        for key, value in node.items():
            if key not in code_list:
                self.problem(_join(path, str(key)), f"不是可用的代码（可用：{'、'.join(code_list)}）",
                             f"is not a known code (expected one of: {', '.join(code_list)})")
                ok = False
                continue
            parsed = read(value, _join(path, key))
            if parsed is None:
                ok = False
            else:
                out[key] = parsed
        return out if ok else None

    def date(self, node: Any, path: str) -> dt.date | None:
        try:
            return parse_date(node)
        except PeriodFormatError as exc:
            self.problem(path, exc.text.zh, exc.text.en)
            return None

    # -- the document --

    def policy(self, data: Any) -> Policy | None:
        if data is None:
            self.problem("", "文件为空", "the document is empty")
            return None
        doc = self.mapping(data, "", ["id", "title", "versions"], ["description"])
        if doc is None:
            return None
        policy_id = self.text(doc.get("id"), "id") if "id" in doc else None
        if policy_id is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", policy_id):
            self.problem("id", f"{policy_id!r} 只能由字母、数字、-、_、. 组成（至多 64 个）",
                         f"{policy_id!r} must be letters, digits, '-', '_' or '.' (at most 64)")
        title = self.text(doc.get("title"), "title") if "title" in doc else None
        raw_versions = doc.get("versions", _MISSING)
        if raw_versions is _MISSING:
            return None
        if not isinstance(raw_versions, list) or not raw_versions:
            self.problem("versions", "须为非空的版本列表", "must be a non-empty list of versions")
            return None
        post_keys: list[str] = []
        for raw in raw_versions:
            if isinstance(raw, Mapping) and isinstance(raw.get("posts"), Mapping):
                for key in raw["posts"]:
                    if isinstance(key, str) and key not in post_keys:
                        post_keys.append(key)
        versions = []
        for i, raw in enumerate(raw_versions):
            version = self.version(raw, f"versions[{i}]", i, tuple(post_keys))
            if version is not None:
                versions.append(version)
        seen: dict[dt.date, int] = {}
        for v in versions:
            if v.effective_from in seen:
                self.problem(
                    f"versions[{v.index}].effective_from",
                    f"{v.effective_from.isoformat()} 与 versions[{seen[v.effective_from]}] 的生效日期相同",
                    f"{v.effective_from.isoformat()} is also the date of versions[{seen[v.effective_from]}]",
                )
            seen[v.effective_from] = v.index
        if self.problems:
            return None
        versions.sort(key=lambda v: v.effective_from)
        return Policy(id=policy_id, title=title, versions=tuple(versions), document=data)

    def version(self, raw: Any, path: str, index: int, post_keys: tuple[str, ...]) -> PolicyVersion | None:
        keys = [
            "effective_from", "base_income_annual", "grades", "posts", "promotion", "allowances",
            "performance", "conversion", "social_insurance", "housing_fund",
            "accident_insurance_annual", "income_tax", "staffing", "community_funds",
        ]
        node = self.mapping(raw, path, keys, ["source", "notes", "probation", "certificate_counts_from"])
        if node is None:
            return None
        before = len(self.problems)
        effective_from = self.date(node.get("effective_from"), f"{path}.effective_from") if "effective_from" in node else None
        source = node.get("source")
        if source is not None and not isinstance(source, str):
            self.problem(f"{path}.source", f"须为文字，而不是{_describe_zh(source)}", f"must be a text, not {_describe(source)}")
        base = self.money(node.get("base_income_annual"), f"{path}.base_income_annual", minimum=1) if "base_income_annual" in node else None
        grades = self.grades(node.get("grades"), f"{path}.grades") if "grades" in node else None
        posts = self.posts(node.get("posts"), f"{path}.posts", grades) if "posts" in node else None
        promotion = self.promotion(node.get("promotion"), f"{path}.promotion") if "promotion" in node else None
        allowances = self.allowances(node.get("allowances"), f"{path}.allowances") if "allowances" in node else None
        performance = self.performance(node.get("performance"), f"{path}.performance") if "performance" in node else None
        if posts is not None:
            self.check_post_references(posts, allowances, performance, path)
        probation = self.probation(node["probation"], f"{path}.probation") if node.get("probation") is not None else None
        counts_from = "REGISTRATION_MONTH"
        if "certificate_counts_from" in node:
            counts_from = self.choice(
                node["certificate_counts_from"], f"{path}.certificate_counts_from", ("REGISTRATION_MONTH", "NEXT_MONTH"),
            )
        protect = None
        if "conversion" in node:
            conv = self.mapping(node["conversion"], f"{path}.conversion", ["protect_previous_pay"])
            if conv is not None and "protect_previous_pay" in conv:
                protect = conv["protect_previous_pay"]
                if not isinstance(protect, bool):
                    self.problem(f"{path}.conversion.protect_previous_pay", f"须为 true 或 false，而不是{_describe_zh(protect)}",
                                 f"must be true or false, not {_describe(protect)}")
        si = self.social_insurance(node.get("social_insurance"), f"{path}.social_insurance") if "social_insurance" in node else None
        hf = self.housing_fund(node.get("housing_fund"), f"{path}.housing_fund") if "housing_fund" in node else None
        accident = self.money(node.get("accident_insurance_annual"), f"{path}.accident_insurance_annual") if "accident_insurance_annual" in node else None
        tax = self.income_tax(node.get("income_tax"), f"{path}.income_tax") if "income_tax" in node else None
        staffing = self.staffing(node.get("staffing"), f"{path}.staffing") if "staffing" in node else None
        funds = None
        if "community_funds" in node:
            f = self.mapping(node["community_funds"], f"{path}.community_funds", ["service_fund_annual", "party_building_annual"])
            if f is not None and "service_fund_annual" in f and "party_building_annual" in f:
                a = self.money(f["service_fund_annual"], f"{path}.community_funds.service_fund_annual")
                b = self.money(f["party_building_annual"], f"{path}.community_funds.party_building_annual")
                if a is not None and b is not None:
                    funds = CommunityFunds(a, b)
        if len(self.problems) > before:
            return None
        return PolicyVersion(
            index=index,
            effective_from=effective_from,
            source=source,
            base_income_annual=base,
            grades=grades,
            posts=posts,
            promotion=promotion,
            allowances=allowances,
            performance=performance,
            protect_previous_pay=protect,
            social_insurance=si,
            housing_fund=hf,
            accident_insurance_annual=accident,
            income_tax=tax,
            staffing=staffing,
            community_funds=funds,
            post_keys=post_keys,
            certificate_counts_from=counts_from,
            probation=probation,
        )

    def grades(self, raw: Any, path: str) -> Grades | None:
        node = self.mapping(raw, path, [], ["coefficients", "amounts", "count"])
        if node is None:
            return None
        if ("coefficients" in node) == ("amounts" in node):
            self.problem(path, "只能给出 coefficients 或 amounts 之一",
                         "give exactly one of grades.coefficients and grades.amounts")
            return None
        if "amounts" in node:
            return self.grade_list(node, path, "amounts")
        return self.grade_list(node, path, "coefficients")

    def grade_list(self, node: dict, path: str, key: str) -> Grades | None:
        """``grades.coefficients`` or ``grades.amounts``: one entry per grade
        from grade 1 up, never decreasing."""
        entries = node[key]
        lpath = f"{path}.{key}"
        amounts = key == "amounts"
        if not isinstance(entries, list) or not entries:
            what, what_zh = ("amount", "金额") if amounts else ("coefficient", "系数")
            self.problem(lpath, f"须为非空列表，从 1 级起每级一个{what_zh}",
                         f"must be a non-empty list, one {what} per grade from grade 1 up")
            return None
        if len(entries) > 100:
            self.problem(lpath, f"有 {len(entries)} 级，至多支持 100 级", f"has {len(entries)} grades; at most 100 are supported")
            return None
        if amounts:
            values = [self.money(a, f"{lpath}[{i}]", minimum=1) for i, a in enumerate(entries)]
            show = format_fen
        else:
            values = [self.rate(c, f"{lpath}[{i}]", minimum=1, maximum=_MAX_COEFFICIENT) for i, c in enumerate(entries)]
            show = _rate_text
        if "count" in node:
            count = self.integer(node["count"], f"{path}.count", minimum=1, maximum=100)
            if count is not None and count != len(entries):
                self.problem(lpath, f"有 {len(entries)} 个 {key}，而等级表为 {count} 级（count: {count}）",
                             f"has {len(entries)} {key} for a {count}-grade table (count: {count})")
                return None
        if any(v is None for v in values):
            return None
        for i in range(1, len(values)):
            if values[i] < values[i - 1]:
                what, what_zh = ("amounts", "金额") if amounts else ("coefficients", "系数")
                self.problem(f"{lpath}[{i}]",
                             f"第 {i + 1} 级 {show(values[i])} 低于第 {i} 级 {show(values[i - 1])}，各级{what_zh}不得递减",
                             f"{show(values[i])} for grade {i + 1} is below {show(values[i - 1])} for grade {i}; "
                             f"{what} must not decrease")
                return None
        if amounts:
            return Grades(coefficients=(), amounts=tuple(values))
        return Grades(tuple(values))

    def posts(self, raw: Any, path: str, grades: Grades | None) -> dict[str, Post] | None:
        if not isinstance(raw, Mapping) or not raw:
            self.problem(path, f"须为非空的岗位映射（岗位代码: 岗位），而不是{_describe_zh(raw)}",
                         f"must be a non-empty mapping of post keys to posts, not {_describe(raw)}")
            return None
        posts: dict[str, Post] = {}
        ok = True
        for key, value in raw.items():
            ppath = _join(path, str(key))
            if not isinstance(key, str) or not _POST_KEY_RE.match(key):
                self.problem(ppath, "岗位代码须由大写字母、数字和 _ 组成（如 CHIEF）",
                             "a post key must be upper-case letters, digits and '_' (e.g. CHIEF)")
                ok = False
                continue
            node = self.mapping(value, ppath, ["min_grade", "max_grade"], ["title", "post_pay"])
            if node is None:
                ok = False
                continue
            title = node.get("title", key)
            if not isinstance(title, str):
                self.problem(f"{ppath}.title", f"须为文字，而不是{_describe_zh(title)}", f"must be a text, not {_describe(title)}")
                ok = False
            lo = self.integer(node.get("min_grade"), f"{ppath}.min_grade", minimum=1) if "min_grade" in node else None
            hi = self.integer(node.get("max_grade"), f"{ppath}.max_grade", minimum=1) if "max_grade" in node else None
            post_pay = self.money(node["post_pay"], f"{ppath}.post_pay") if "post_pay" in node else 0
            if lo is None or hi is None or post_pay is None:
                ok = False
                continue
            if grades is not None:
                for name, grade in (("min_grade", lo), ("max_grade", hi)):
                    if grade > grades.count:
                        self.problem(f"{ppath}.{name}", f"{grade} 超出本表的 {grades.count} 个等级",
                                     f"{grade} is above the {grades.count} grades of this table")
                        ok = False
            if lo > hi:
                self.problem(f"{ppath}.min_grade", f"{lo} 高于 max_grade {hi}", f"{lo} is above max_grade {hi}")
                ok = False
            if ok:
                posts[key] = Post(key=key, title=title, min_grade=lo, max_grade=hi, post_pay=post_pay)
        return posts if ok else None

    def promotion(self, raw: Any, path: str) -> Promotion | None:
        keys = ["years_per_grade", "bonus_combine"]
        optional = ["education_credit_years", "education_grade_bonus", "certificate_grade_bonus", "counting"]
        node = self.mapping(raw, path, keys, optional)
        if node is None:
            return None
        ypg = self.integer(node.get("years_per_grade"), f"{path}.years_per_grade", minimum=1, maximum=100) if "years_per_grade" in node else None
        years = lambda v, p: self.integer(v, p, minimum=0, maximum=100)  # noqa: E731
        credit = self.code_map(node.get("education_credit_years"), f"{path}.education_credit_years", codes.EDUCATION, years)
        ebonus = self.code_map(node.get("education_grade_bonus"), f"{path}.education_grade_bonus", codes.EDUCATION, years)
        cbonus = self.code_map(node.get("certificate_grade_bonus"), f"{path}.certificate_grade_bonus", codes.CERTIFICATE, years)
        combine = self.choice(node.get("bonus_combine"), f"{path}.bonus_combine", ("SUM", "MAX")) if "bonus_combine" in node else None
        counting = (
            self.choice(node["counting"], f"{path}.counting", ("ANNIVERSARY", "JANUARY"))
            if "counting" in node else "ANNIVERSARY"
        )
        if None in (ypg, credit, ebonus, cbonus, combine, counting):
            return None
        return Promotion(ypg, credit, ebonus, cbonus, combine, counting)

    def allowances(self, raw: Any, path: str) -> Allowances | None:
        node = self.mapping(raw, path, ["tenure_per_year", "tenure_cap_years"], ["education", "certificate", "fixed"])
        if node is None:
            return None
        money = lambda v, p: self.money(v, p)  # noqa: E731
        edu = self.code_map(node.get("education"), f"{path}.education", codes.EDUCATION, money)
        cert = self.code_map(node.get("certificate"), f"{path}.certificate", codes.CERTIFICATE, money)
        if cert and "NONE" in cert:
            # §4.4 pays the allowance only for a certificate that counts; NONE never does.
            self.problem(f"{path}.certificate.NONE", "证书津贴只发给已登记的证书，请删去此项",
                         "a certificate allowance is paid only for a registered certificate; remove this entry")
            cert = None
        per_year = self.money(node.get("tenure_per_year"), f"{path}.tenure_per_year") if "tenure_per_year" in node else None
        cap = self.integer(node.get("tenure_cap_years"), f"{path}.tenure_cap_years", maximum=100) if "tenure_cap_years" in node else None
        fixed = self.fixed_allowances(node["fixed"], f"{path}.fixed") if node.get("fixed") is not None else ()
        if None in (edu, cert, per_year, cap, fixed):
            return None
        return Allowances(edu, cert, per_year, cap, fixed)

    def fixed_allowances(self, raw: Any, path: str) -> tuple[FixedAllowance, ...] | None:
        if not isinstance(raw, list):
            self.problem(path, "须为固定津贴补贴列表，每项含 code、title、amount（可选 posts）",
                         f"must be a list of entries with code, title, amount and optional posts, not {_describe(raw)}")
            return None
        before = len(self.problems)
        entries: list[FixedAllowance] = []
        first_with_code: dict[str, int] = {}
        for i, item in enumerate(raw):
            epath = f"{path}[{i}]"
            node = self.mapping(item, epath, ["code", "title", "amount"], ["posts"])
            if node is None:
                continue
            code = self.text(node["code"], f"{epath}.code") if "code" in node else None
            if code is not None and not _POST_KEY_RE.match(code):
                self.problem(f"{epath}.code", f"代码 {code!r} 须由大写字母、数字和 _ 组成",
                             f"{code!r} must be upper-case letters, digits and '_' (e.g. LIVING)")
                code = None
            if code is not None and code in first_with_code:
                self.problem(f"{epath}.code", f"代码 {code} 与 fixed[{first_with_code[code]}] 重复，请改用不同的代码",
                             f"{code} is also the code of fixed[{first_with_code[code]}]; give each entry its own code")
                code = None
            elif code is not None:
                first_with_code[code] = i
            title = self.text(node["title"], f"{epath}.title") if "title" in node else None
            amount = self.money(node["amount"], f"{epath}.amount") if "amount" in node else None
            posts = None
            if "posts" in node:
                raw_posts = node["posts"]
                if not isinstance(raw_posts, list) or not raw_posts or not all(isinstance(p, str) for p in raw_posts):
                    self.problem(f"{epath}.posts", "须为岗位代码列表，省略则适用于所有岗位",
                                 "must be a non-empty list of post keys (leave it out for every post)")
                else:
                    posts = tuple(raw_posts)
            if None not in (code, title, amount):
                entries.append(FixedAllowance(code, title, amount, posts))
        return tuple(entries) if len(self.problems) == before else None

    def check_post_references(self, posts: Mapping[str, Post], allowances, performance, path: str) -> None:
        """Posts named by ``allowances.fixed[i].posts`` and a map of
        ``performance.withheld_monthly`` must be posts of the version."""
        known = ", ".join(posts)

        def unknown(where: str, post: str) -> None:
            self.problem(where, f"{post} 不是本版本 posts 中的岗位",
                         f"{post} is not a post of this version (posts: {known}); use one of them or add the post")

        if allowances is not None:
            for i, entry in enumerate(allowances.fixed):
                for j, post in enumerate(entry.posts or ()):
                    if post not in posts:
                        unknown(f"{path}.allowances.fixed[{i}].posts[{j}]", post)
        if performance is not None and isinstance(performance.withheld_monthly, Mapping):
            for post in performance.withheld_monthly:
                if post not in posts:
                    unknown(f"{path}.performance.withheld_monthly.{post}", post)

    def probation(self, raw: Any, path: str) -> Probation | None:
        node = self.mapping(raw, path, ["months", "pay_share"], ["reserve"])
        if node is None:
            return None
        months = None
        if "months" in node:
            months = self.integer(node["months"], f"{path}.months", minimum=-_MAX_INT, maximum=120)
            if months is not None and months < 1:
                self.problem(f"{path}.months", f"试用期月数 {months} 须至少为 1（没有试用期则删去 probation）",
                             f"{months} must be at least 1 month (leave probation out for none)")
                months = None
        share = None
        if "pay_share" in node:
            share = self.rate(node["pay_share"], f"{path}.pay_share", minimum=-RATE_SCALE * 1000)
            if share is not None and not 0 < share <= RATE_SCALE:
                self.problem(f"{path}.pay_share", f"试用期工资比例 {_rate_text(share)} 须大于 0 且不超过 1",
                             f"{_rate_text(share)} must be above 0 and at most 1 (e.g. 0.8 for 80%)")
                share = None
        reserve = node.get("reserve", False)
        if not isinstance(reserve, bool):
            self.problem(f"{path}.reserve", f"须为 true 或 false，而不是{_describe_zh(reserve)}",
                         f"must be true or false, not {_describe(reserve)}")
            reserve = None
        if None in (months, share, reserve):
            return None
        return Probation(months, share, reserve)

    def performance(self, raw: Any, path: str) -> Performance | None:
        keys = ["payout_months", "factors", "default_assessment", "tax_method"]
        required = keys if isinstance(raw, Mapping) and "withheld_monthly" in raw else ["withheld_share", *keys]
        node = self.mapping(raw, path, required, ["withheld_share", "withheld_monthly"])
        if node is None:
            return None
        share = self.rate(node.get("withheld_share"), f"{path}.withheld_share", maximum=RATE_SCALE) if "withheld_share" in node else None
        monthly = None
        if "withheld_monthly" in node:
            monthly = self.withheld_monthly(node["withheld_monthly"], f"{path}.withheld_monthly")
            if "withheld_share" not in node:
                share = 0  # a fixed 奖励绩效 alone: no share of pay is held (§4.4)
        months = None
        if "payout_months" in node:
            raw_months = node["payout_months"]
            mpath = f"{path}.payout_months"
            if not isinstance(raw_months, list) or not raw_months:
                self.problem(mpath, "须为包含 12 的非空月份列表（1–12）", "must be a non-empty list of months (1–12) that includes 12")
            else:
                parsed = [self.integer(m, f"{mpath}[{i}]", minimum=1, maximum=12) for i, m in enumerate(raw_months)]
                if None not in parsed:
                    if len(set(parsed)) != len(parsed):
                        self.problem(mpath, f"{parsed} 中有重复的月份", f"{parsed} lists a month twice")
                    elif 12 not in parsed:
                        self.problem(mpath, f"{parsed} 须包含 12，预留绩效不跨年",
                                     f"{parsed} must include 12, so that no reserve crosses a year end")
                    else:
                        months = tuple(sorted(parsed))
        factors = None
        if "factors" in node:
            fpath = f"{path}.factors"
            rate = lambda v, p: self.rate(v, p, maximum=10 * RATE_SCALE)  # noqa: E731
            factors = self.code_map(node["factors"], fpath, codes.ASSESSMENT, rate)
            if factors is not None:
                missing = [a for a in codes.ASSESSMENT if a not in factors]
                if missing:
                    self.problem(fpath, f"缺少 {'、'.join(missing)} 的系数", f"has no factor for {', '.join(missing)}")
                    factors = None
        default = self.choice(node.get("default_assessment"), f"{path}.default_assessment", codes.ASSESSMENT) if "default_assessment" in node else None
        method = self.choice(node.get("tax_method"), f"{path}.tax_method", TAX_METHODS) if "tax_method" in node else None
        if None in (share, months, factors, default, method) or ("withheld_monthly" in node and monthly is None):
            return None
        return Performance(share, months, factors, default, method, monthly)

    def withheld_monthly(self, raw: Any, path: str) -> int | dict[str, int] | None:
        if isinstance(raw, Mapping):
            out: dict[str, int] = {}
            for key, value in raw.items():
                amount = self.money(value, _join(path, str(key)))
                if amount is None:
                    return None
                out[str(key)] = amount
            return out
        if raw is None or isinstance(raw, (list, bool)):
            self.problem(path, "须为每月金额，或按岗位给出的金额表",
                         f"must be a monthly amount or a map of post keys to amounts, not {_describe(raw)}")
            return None
        return self.money(raw, path)

    def _base(self, node: dict, path: str) -> tuple[int | None, int | None]:
        floor = self.money(node.get("base_floor"), f"{path}.base_floor") if "base_floor" in node else None
        ceiling = self.money(node.get("base_ceiling"), f"{path}.base_ceiling") if "base_ceiling" in node else None
        if floor is not None and ceiling is not None and floor > ceiling:
            self.problem(f"{path}.base_floor", f"{format_fen(floor)} 高于 base_ceiling {format_fen(ceiling)}",
                         f"{format_fen(floor)} is above base_ceiling {format_fen(ceiling)}")
            return None, None
        return floor, ceiling

    def _held_base_options(self, node: dict, path: str) -> tuple[str | None, int | None, bool]:
        """``rounding`` and ``base_month`` of a contribution block (§8.2, §8.4);
        the flag says whether both were valid."""
        rounding = "FEN"
        if "rounding" in node:
            rounding = node["rounding"]
            if rounding not in ROUNDING_MODES:
                self.problem(f"{path}.rounding", f"{rounding!r} 不是 FEN（到分）、YUAN（四舍五入到元）、YUAN_UP（见角进元）之一",
                             f"{rounding!r} is not one of FEN, YUAN, YUAN_UP")
                return None, None, False
        base_month = None
        if node.get("base_month") is not None:
            value = node["base_month"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                self.problem(f"{path}.base_month", f"{value!r} 不是 1–12 的月份（缴费基数按该月工资核定一年）",
                             f"{value!r} is not a month 1–12 (the month whose wage fixes the base for a year)")
                return None, None, False
            base_month = value
        return rounding, base_month, True

    def contribution_item(self, raw: Any, path: str) -> tuple[ContributionPart, ...] | None:
        """An item: a plain rate, or a list of parts ``{rate}`` / ``{amount}`` (§8.3)."""
        if not isinstance(raw, list):
            rate = self.rate(raw, path, maximum=RATE_SCALE)
            return None if rate is None else (ContributionPart(rate=rate),)
        if not raw:
            self.problem(path, "须为费率，或非空的组成部分列表",
                         "must be a rate or a non-empty list of parts ({rate: …} or {amount: …})")
            return None
        parts = []
        for i, item in enumerate(raw):
            ppath = f"{path}[{i}]"
            if not isinstance(item, Mapping) or len(item) != 1 or next(iter(item)) not in ("rate", "amount"):
                self.problem(ppath, "每一部分只能给出 rate 或 amount 之一", "give exactly one of rate and amount in each part")
                return None
            if "rate" in item:
                rate = self.rate(item["rate"], f"{ppath}.rate", maximum=RATE_SCALE)
                if rate is None:
                    return None
                parts.append(ContributionPart(rate=rate))
            else:
                amount = self.money(item["amount"], f"{ppath}.amount")
                if amount is None:
                    return None
                parts.append(ContributionPart(amount=amount))
        return tuple(parts)

    def social_insurance(self, raw: Any, path: str) -> SocialInsurance | None:
        node = self.mapping(raw, path, ["base_floor", "base_ceiling", "employee", "employer"], ["rounding", "base_month"])
        if node is None:
            return None
        floor, ceiling = self._base(node, path)
        rounding, base_month, options_ok = self._held_base_options(node, path)
        employee = self.code_map(node.get("employee"), f"{path}.employee", codes.SI_EMPLOYEE_ITEMS, self.contribution_item)
        employer = self.code_map(node.get("employer"), f"{path}.employer", codes.SI_EMPLOYER_ITEMS, self.contribution_item)
        if None in (floor, ceiling, employee, employer) or not options_ok:
            return None

        def plain(items: Mapping[str, tuple[ContributionPart, ...]]) -> dict[str, int]:
            return {k: p[0].rate for k, p in items.items() if len(p) == 1 and p[0].rate is not None}

        return SocialInsurance(floor, ceiling, plain(employee), plain(employer), employee, employer, rounding, base_month)

    def housing_fund(self, raw: Any, path: str) -> HousingFund | None:
        node = self.mapping(raw, path, ["base_floor", "base_ceiling", "employee", "employer"], ["rounding", "base_month"])
        if node is None:
            return None
        floor, ceiling = self._base(node, path)
        rounding, base_month, options_ok = self._held_base_options(node, path)
        employee = self.rate(node.get("employee"), f"{path}.employee", maximum=RATE_SCALE) if "employee" in node else None
        employer = self.rate(node.get("employer"), f"{path}.employer", maximum=RATE_SCALE) if "employer" in node else None
        if None in (floor, ceiling, employee, employer) or not options_ok:
            return None
        return HousingFund(floor, ceiling, employee, employer, rounding, base_month)

    def brackets(self, raw: Any, path: str) -> tuple[Bracket, ...] | None:
        if not isinstance(raw, list) or not raw:
            self.problem(path, f"须为非空的税率级距列表，而不是{_describe_zh(raw)}",
                         f"must be a non-empty list of brackets, not {_describe(raw)}")
            return None
        rows: list[Bracket] = []
        ok = True
        for i, item in enumerate(raw):
            bpath = f"{path}[{i}]"
            last = i == len(raw) - 1
            node = self.mapping(item, bpath, ["rate", "quick_deduction"], ["upto"])
            if node is None:
                ok = False
                continue
            upto = None
            if "upto" in node:
                if last:
                    self.problem(f"{bpath}.upto", "最后一级不能有 upto（它没有上限）",
                                 "the last bracket must have no upto (it has no upper limit)")
                    ok = False
                else:
                    upto = self.money(node["upto"], f"{bpath}.upto", minimum=1)
                    if upto is None:
                        ok = False
            elif not last:
                self.problem(f"{bpath}.upto", "缺少此项（只有最后一级没有上限）",
                             "is missing (only the last bracket has no upper limit)")
                ok = False
            rate = self.rate(node.get("rate"), f"{bpath}.rate", maximum=RATE_SCALE) if "rate" in node else None
            quick = self.money(node.get("quick_deduction"), f"{bpath}.quick_deduction") if "quick_deduction" in node else None
            if rate is None or quick is None:
                ok = False
                continue
            if ok:
                if rows and upto is not None and rows[-1].upto is not None and upto <= rows[-1].upto:
                    self.problem(f"{bpath}.upto", f"{format_fen(upto)} 须高于上一级的 {format_fen(rows[-1].upto)}（级距递增）",
                                 f"{format_fen(upto)} must be above the previous bracket's {format_fen(rows[-1].upto)} "
                                 "(brackets ascend)")
                    ok = False
                    continue
                rows.append(Bracket(upto, rate, quick))
        return tuple(rows) if ok else None

    def income_tax(self, raw: Any, path: str) -> IncomeTax | None:
        node = self.mapping(raw, path, ["monthly_basic_deduction", "brackets", "bonus_brackets"])
        if node is None:
            return None
        basic = self.money(node.get("monthly_basic_deduction"), f"{path}.monthly_basic_deduction") if "monthly_basic_deduction" in node else None
        brackets = self.brackets(node.get("brackets"), f"{path}.brackets") if "brackets" in node else None
        bonus = self.brackets(node.get("bonus_brackets"), f"{path}.bonus_brackets") if "bonus_brackets" in node else None
        if None in (basic, brackets, bonus):
            return None
        return IncomeTax(basic, brackets, bonus)

    def staffing(self, raw: Any, path: str) -> Staffing | None:
        optional = ["min_workers", "max_workers", "households_per_worker", "workers_per_10k_residents", "households_per_grid"]
        node = self.mapping(raw, path, ["chief_positions", "deputy_positions"], optional)
        if node is None:
            return None
        before = len(self.problems)
        chief = self.integer(node.get("chief_positions"), f"{path}.chief_positions", maximum=100) if "chief_positions" in node else None
        values: dict[str, int | None] = {}
        for key in ("min_workers", "max_workers"):
            if node.get(key) is not None:
                values[key] = self.integer(node[key], f"{path}.{key}", maximum=100_000)
        for key in ("households_per_worker", "households_per_grid"):
            if node.get(key) is not None:
                values[key] = self.integer(node[key], f"{path}.{key}", minimum=1)
        if node.get("workers_per_10k_residents") is not None:
            values["workers_per_10k_residents"] = self.rate(
                node["workers_per_10k_residents"], f"{path}.workers_per_10k_residents", maximum=10_000 * RATE_SCALE
            )
        if values.get("min_workers") is not None and values.get("max_workers") is not None:
            if values["min_workers"] > values["max_workers"]:
                self.problem(f"{path}.min_workers", f"{values['min_workers']} 高于 max_workers {values['max_workers']}",
                             f"{values['min_workers']} is above max_workers {values['max_workers']}")
        deputies: list[DeputyRule] = []
        if "deputy_positions" in node:
            dpath = f"{path}.deputy_positions"
            raw_rows = node["deputy_positions"]
            if raw_rows is None:
                raw_rows = []
            if not isinstance(raw_rows, list):
                self.problem(dpath, f"须为 {{min_required, count}} 行的列表，而不是{_describe_zh(raw_rows)}",
                             f"must be a list of {{min_required, count}} rows, not {_describe(raw_rows)}")
            else:
                for i, item in enumerate(raw_rows):
                    row = self.mapping(item, f"{dpath}[{i}]", ["min_required", "count"])
                    if row is None or "min_required" not in row or "count" not in row:
                        continue
                    lo = self.integer(row["min_required"], f"{dpath}[{i}].min_required")
                    count = self.integer(row["count"], f"{dpath}[{i}].count", maximum=1000)
                    if lo is None or count is None:
                        continue
                    if deputies and lo <= deputies[-1].min_required:
                        self.problem(f"{dpath}[{i}].min_required", f"{lo} 须高于上一行的 {deputies[-1].min_required}（各行递增）",
                                     f"{lo} must be above the previous row's {deputies[-1].min_required} (rows ascend)")
                        continue
                    deputies.append(DeputyRule(lo, count))
        if len(self.problems) > before or chief is None:
            return None
        return Staffing(chief_positions=chief, deputy_positions=tuple(deputies), **values)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _describe_zh(value: Any) -> str:
    """:func:`_describe` in Chinese."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "列表"
    if isinstance(value, Mapping):
        return "映射"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    kind = {"str": "文字", "int": "整数", "float": "小数"}.get(type(value).__name__, type(value).__name__)
    return f"{kind} {text}"


def _rate_text(scaled: int) -> str:
    return format_rate(scaled)


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
