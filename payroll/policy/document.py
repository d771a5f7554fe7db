"""A policy document as typed, validated values: a :class:`Policy` of dated
:class:`PolicyVersion` s, each made of the sections below, and the errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

from .. import codes
from ..money import RATE_SCALE, mul_rate
from ..periods import Period
from ..texts import BilingualError, Text

if TYPE_CHECKING:
    from .tables import VersionTables


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
        from .tables import VersionTables  # the tables are built from a version: imported here, not at the top

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
