"""Worker inputs (spec §1): validation of one worker, and populations as arrays.

:class:`WorkerInput` is one validated worker.  :func:`worker_from_fields`
turns loosely typed fields (a CSV row, a GraphQL input, a database row) into
one, collecting every problem with the name of its field so the caller can
say which row and field were wrong.  :class:`Population` holds many workers as
int64 numpy arrays (a struct of arrays), the form the engine computes on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import codes
from .money import MoneyFormatError, format_fen, parse_fen
from .periods import NO_END_DAY, Period, PeriodFormatError, day_number, parse_date
from .texts import BilingualError, Text, join

#: The opening balances of a worker whose earlier months were paid by the system used before (§9).
OPENING_FIELDS = (
    "opening_through",
    "opening_months",
    "opening_income",
    "opening_deductions",
    "opening_tax",
    "opening_reserve",
)
#: The salary inputs (§1) that a WorkerInput, a stored worker and a payslip
#: hold under the same names and as the same values: the service and grade
#: inputs, then the monthly amounts (fen).
SERVICE_FIELDS = (
    "post",
    "service_start",
    "service_end",
    "prior_service_years",
    "education",
    "certificate",
    "certificate_date",
)
MONTHLY_AMOUNT_FIELDS = ("special_deduction_monthly", "previous_monthly_pay")
STORED_INPUTS = (*SERVICE_FIELDS, *MONTHLY_AMOUNT_FIELDS)
#: Every field of a worker input, in the order of ``examples/workers.csv``.
WORKER_FIELDS = (
    "worker_id",
    "community_id",
    "name",
    *SERVICE_FIELDS,
    "incompetent_years",
    "assessment",
    *MONTHLY_AMOUNT_FIELDS,
    *OPENING_FIELDS,
    "tax_basic_deduction",
    "bonus_tax_method",
)
_MAX_YEARS = 100


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field, in Chinese and English."""

    field: str
    zh: str
    en: str

    @classmethod
    def of(cls, field: str, exc: BilingualError) -> FieldProblem:
        return cls(field, exc.text.zh, exc.text.en)

    @property
    def text(self) -> Text:
        """The problem without the field's name."""
        return Text(self.zh, self.en)

    def __str__(self) -> str:
        return str(self.text.about(self.field))


def line_label(source: str, line: int) -> Text:
    """``workers.csv 第 3 行 / workers.csv line 3``."""
    return Text(f"{source} 第 {line} 行", f"{source} line {line}")


def worker_label(worker_id: Any, where: Text | None = None) -> Text:
    """``工作者 W001 / worker W001``, or after a place: ``… 第 3 行（工作者 W001）``."""
    if where is None:
        return Text(f"工作者 {worker_id}", f"worker {worker_id}")
    return Text(f"{where.zh}（工作者 {worker_id}）", f"{where.en} (worker {worker_id})")


class InputError(ValueError):
    """Bad worker input: names the row or worker and each field that was
    wrong; the message is all Chinese, then all English."""

    def __init__(self, where: Text | str, problems: Sequence[FieldProblem]):
        self.where = where if isinstance(where, Text) else Text(where, where)
        self.problems = list(problems)
        problems_text = join(p.text.about(p.field) for p in self.problems)
        self.text = Text(f"{self.where.zh}：{problems_text.zh}", f"{self.where.en}: {problems_text.en}")
        super().__init__(str(self.text))


@dataclass(frozen=True)
class Opening:
    """Year-to-date figures carried over from the system used before (spec §9)."""

    through: Period
    months: int = 0
    income: int = 0
    deductions: int = 0
    tax: int = 0
    reserve: int = 0


@dataclass(frozen=True)
class WorkerInput:
    worker_id: str
    post: str
    service_start: dt.date
    service_end: dt.date | None = None
    prior_service_years: int = 0
    education: str = "SECONDARY"
    certificate: str = "NONE"
    certificate_date: dt.date | None = None
    incompetent_years: int = 0
    assessment: str | None = None
    special_deduction_monthly: int = 0
    previous_monthly_pay: int | None = None
    opening: Opening | None = None
    community_id: str | None = None
    name: str | None = None
    #: 累计减除费用规则 (§9): MONTHLY, FULL_YEAR or FROM_JANUARY; None is MONTHLY.
    tax_basic_deduction: str | None = None
    #: 年终奖计税方式 (§6, §9): SEPARATE or COMBINED; None is the policy's tax_method.
    bonus_tax_method: str | None = None

    def to_fields(self) -> dict[str, str]:
        """The worker as text fields (the columns of the workers CSV)."""
        o = self.opening
        return {
            "worker_id": self.worker_id,
            "community_id": self.community_id or "",
            "name": self.name or "",
            "post": self.post,
            "service_start": self.service_start.isoformat(),
            "service_end": self.service_end.isoformat() if self.service_end else "",
            "prior_service_years": str(self.prior_service_years),
            "education": self.education,
            "certificate": self.certificate,
            "certificate_date": self.certificate_date.isoformat() if self.certificate_date else "",
            "incompetent_years": str(self.incompetent_years),
            "assessment": self.assessment or "",
            "special_deduction_monthly": format_fen(self.special_deduction_monthly),
            "previous_monthly_pay": "" if self.previous_monthly_pay is None else format_fen(self.previous_monthly_pay),
            "opening_through": str(o.through) if o else "",
            "opening_months": str(o.months) if o else "",
            "opening_income": format_fen(o.income) if o else "",
            "opening_deductions": format_fen(o.deductions) if o else "",
            "opening_tax": format_fen(o.tax) if o else "",
            "opening_reserve": format_fen(o.reserve) if o else "",
            "tax_basic_deduction": self.tax_basic_deduction or "",
            "bonus_tax_method": self.bonus_tax_method or "",
        }


class _BadValue(BilingualError, ValueError):
    """A field value that cannot be accepted; the message says why."""


def _text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        value = str(value)
        if len(value) > max_length:
            raise _BadValue(f"超过 {max_length} 个字", f"is longer than {max_length} characters")
        return value

    return parse


def _date(value: Any) -> dt.date:
    try:
        return parse_date(value)
    except PeriodFormatError as exc:
        raise _BadValue(exc.text.zh, exc.text.en) from None


def _period(value: Any) -> Period:
    try:
        return Period.parse(str(value))
    except PeriodFormatError as exc:
        raise _BadValue(exc.text.zh, exc.text.en) from None


def _whole(maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        original = value
        if isinstance(value, bool):
            raise _BadValue(f"{value!r} 不是整数", f"{value!r} is not a whole number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = value[:-2] if value.endswith(".0") else value
            if not text.lstrip("+-").isdigit():
                raise _BadValue(f"“{original}”不是整数", f"{original!r} is not a whole number")
            value = int(text)
        if not isinstance(value, int):
            raise _BadValue(f"{original!r} 不是整数", f"{original!r} is not a whole number")
        if value < 0:
            raise _BadValue(f"{value} 不能为负数", f"{value} must not be negative")
        if value > maximum:
            raise _BadValue(f"{value} 超过允许的最大值 {maximum}", f"{value} is above the largest accepted value {maximum}")
        return value

    return parse


def _money(value: Any) -> int:
    try:
        fen = parse_fen(value)
    except MoneyFormatError as exc:
        raise _BadValue(exc.text.zh, exc.text.en) from None
    if fen < 0:
        raise _BadValue(f"{format_fen(fen)} 不能为负数", f"{format_fen(fen)} must not be negative")
    return fen


def _code(field_name: str, choices: Sequence[str]) -> Callable[[Any], str]:
    """A code of ``choices``, given as the code or its Chinese label (:data:`codes.CODE_LABELS`)."""

    def parse(value: Any) -> str:
        code = codes.code_from_label(field_name, str(value))
        if code is not None:
            return code
        raise _BadValue(f"“{value}”不是可选值，可选：{codes.code_choices(field_name)}",
                        f"{value!r} is not one of {', '.join(choices)}")

    return parse


@dataclass(frozen=True)
class _Spec:
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None


#: How each field is read.  Both the row-by-row validator and the columnar
#: reader use these, so they accept and refuse exactly the same values.
FIELD_SPECS: dict[str, _Spec] = {
    "worker_id": _Spec(_text(64), required=True),
    "community_id": _Spec(_text(64)),
    "name": _Spec(_text(100)),
    "post": _Spec(_text(32), required=True),
    "service_start": _Spec(_date, required=True),
    "service_end": _Spec(_date),
    "prior_service_years": _Spec(_whole(_MAX_YEARS), default=0),
    "education": _Spec(_code("education", codes.EDUCATION), default="SECONDARY"),
    "certificate": _Spec(_code("certificate", codes.CERTIFICATE), default="NONE"),
    "certificate_date": _Spec(_date),
    "incompetent_years": _Spec(_whole(_MAX_YEARS), default=0),
    "assessment": _Spec(_code("assessment", codes.ASSESSMENT), default=None),
    "special_deduction_monthly": _Spec(_money, default=0),
    "previous_monthly_pay": _Spec(_money, default=None),
    "opening_through": _Spec(_period),
    "opening_months": _Spec(_whole(12), default=0),
    "opening_income": _Spec(_money, default=0),
    "opening_deductions": _Spec(_money, default=0),
    "opening_tax": _Spec(_money, default=0),
    "opening_reserve": _Spec(_money, default=0),
    "tax_basic_deduction": _Spec(_code("tax_basic_deduction", codes.TAX_BASIC_DEDUCTION), default=None),
    "bonus_tax_method": _Spec(_code("bonus_tax_method", codes.BONUS_TAX_METHOD), default=None),
}
#: Chinese headings accepted for columns of the workers CSV, by field.
HEADING_ALIASES = {heading: name for name, heading in codes.FIELD_HEADINGS_ZH.items()}
#: Marks a field whose value was refused (its problem is reported separately).
_FAILED = object()


def _clean(value: Any) -> Any:
    """A blank cell is "not given" (None); text is stripped."""
    if type(value) is str:
        return value.strip() or None
    return value


def _read_field(name: str, value: Any) -> Any:
    """The parsed value of one field; raises :class:`_BadValue` when refused."""
    spec = FIELD_SPECS[name]
    value = _clean(value)
    if value is None:
        if spec.required:
            raise _BadValue("必填", "is required")
        return spec.default
    return spec.parse(value)


def post_key(value: str, post_names: Mapping[str, str] | None) -> str:
    """The post key ``value`` names: a key, or — with the policy's
    ``post_names`` (:attr:`payroll.policy.Policy.post_names`) — a title such as
    正职 or 副职; upper-cased as it is when it names none."""
    if post_names:
        key = post_names.get(codes.label_key(value))
        if key is not None:
            return key
    return value.upper()


def unknown_post(raw: Any, post_keys: Sequence[str]) -> FieldProblem:
    """The problem of a post that is not one of the policy's."""
    return FieldProblem("post", f"“{raw}”不是政策中的岗位（可填 {'、'.join(post_keys)} 或岗位名称，如 正职、副职）",
                        f"{raw!r} is not a post of the policy ({', '.join(post_keys)}, or a post's title)")


def _cross_check(values: dict[str, Any], given: set[str], post_keys: Sequence[str] | None, raw_post: Any,
                 post_names: Mapping[str, str] | None) -> list[FieldProblem]:
    """Checks that involve more than one field.  ``values`` are parsed (refused
    ones are ``_FAILED``); ``given`` names the fields that were not blank.
    Puts the post's key in ``values``."""
    problems = []
    post = values["post"]
    if post not in (None, _FAILED):
        post = values["post"] = post_key(post, post_names)
        if post_keys is not None and post not in post_keys:
            problems.append(unknown_post(_clean(raw_post), post_keys))
    start, end = values["service_start"], values["service_end"]
    if start not in (None, _FAILED) and end not in (None, _FAILED) and end < start:
        problems.append(FieldProblem("service_end", f"{end.isoformat()} 早于 service_start {start.isoformat()}",
                                     f"{end.isoformat()} is before service_start {start.isoformat()}"))
    certificate = values["certificate"]
    if certificate not in (None, _FAILED, "NONE") and "certificate_date" not in given:
        problems.append(FieldProblem("certificate_date", f"有证书 {certificate} 时必填",
                                     f"is required for certificate {certificate}"))
    through = values["opening_through"]
    if through is None:
        opening = [f for f in OPENING_FIELDS[1:] if f in given]
        if opening:
            verb = "is" if len(opening) == 1 else "are"
            problems.append(FieldProblem("opening_through", f"填写了 {'、'.join(opening)} 时必填",
                                         f"is required when {', '.join(opening)} {verb} given"))
    elif through is not _FAILED:
        months = values["opening_months"]
        if months is not _FAILED and months > through.month:
            problems.append(FieldProblem(
                "opening_months", f"{months} 超过截至 opening_through {through} 的 {through.month} 个月",
                f"{months} is more than the {through.month} months up to opening_through {through}"))
    return problems


def _problem_order(problem: FieldProblem) -> int:
    return WORKER_FIELDS.index(problem.field) if problem.field in WORKER_FIELDS else len(WORKER_FIELDS)


def _where_label(where: Text | None, worker_id: Any) -> Text:
    if worker_id in (None, _FAILED):
        return where or Text("工作者", "worker")
    return worker_label(worker_id, where)


def worker_from_fields(
    fields: Mapping[str, Any],
    where: Text | None = None,
    post_keys: Sequence[str] | None = None,
    post_names: Mapping[str, str] | None = None,
) -> WorkerInput:
    """Validate one worker's fields; raise :class:`InputError` naming each bad field.

    ``fields`` maps the names of :data:`WORKER_FIELDS` to text (or already typed
    values); a blank value means "not given".  ``post_keys``, when given, are
    the posts the policy knows, so that an unknown post is caught here rather
    than in the middle of a computation; with ``post_names`` a post may also
    be given by its title (正职, 副职 …), as everywhere HR staff type one.
    """
    values: dict[str, Any] = {}
    given: set[str] = set()
    problems: list[FieldProblem] = []
    for name in FIELD_SPECS:
        raw = fields.get(name)
        if _clean(raw) is not None:
            given.add(name)
        try:
            values[name] = _read_field(name, raw)
        except _BadValue as exc:
            values[name] = _FAILED
            problems.append(FieldProblem.of(name, exc))
    problems += _cross_check(values, given, post_keys, fields.get("post"), post_names)
    if problems:
        problems.sort(key=_problem_order)
        raise InputError(_where_label(where, values["worker_id"]), problems)
    return _worker_from_values(values)


def _worker_from_values(values: Mapping[str, Any]) -> WorkerInput:
    through = values["opening_through"]
    return WorkerInput(
        worker_id=values["worker_id"],
        post=values["post"],
        service_start=values["service_start"],
        service_end=values["service_end"],
        prior_service_years=values["prior_service_years"],
        education=values["education"],
        certificate=values["certificate"],
        certificate_date=values["certificate_date"],
        incompetent_years=values["incompetent_years"],
        assessment=values["assessment"],
        special_deduction_monthly=values["special_deduction_monthly"],
        previous_monthly_pay=values["previous_monthly_pay"],
        opening=None
        if through is None
        else Opening(
            through=through,
            months=values["opening_months"],
            income=values["opening_income"],
            deductions=values["opening_deductions"],
            tax=values["opening_tax"],
            reserve=values["opening_reserve"],
        ),
        community_id=values["community_id"],
        name=values["name"],
        tax_basic_deduction=values["tax_basic_deduction"],
        bonus_tax_method=values["bonus_tax_method"],
    )


@dataclass
class Population:
    """Many workers as int64 arrays, one entry per worker (a struct of arrays).

    Dates are day numbers (:func:`payroll.periods.day_number`); codes are
    positions in the code lists of :mod:`payroll.codes`; posts are positions
    in the policy's ``post_keys``; money is fen.  Built once, then computed
    month after month by :mod:`payroll.engine`.
    """

    ids: np.ndarray  # object[str]
    post: np.ndarray
    start_day: np.ndarray
    #: Month index from which whole months of service are counted (spec §2):
    #: ``year × 12 + month − 1``, plus one when service began after the 1st.
    service_month0: np.ndarray
    end_day: np.ndarray  # NO_END_DAY when still in service
    #: ``prior_service_years − incompetent_years`` (spec §2.3).
    year_adjustment: np.ndarray
    education: np.ndarray
    certificate: np.ndarray
    #: Day number of the certificate's registration; NO_END_DAY for none.
    certificate_day: np.ndarray
    #: Assessment index, or −1 for the policy's default_assessment.
    assessment: np.ndarray
    special_deduction: np.ndarray
    #: 套改前月工资 in fen; 0 when not given (protection then gives nothing).
    previous_pay: np.ndarray
    opening_through: np.ndarray  # month index, −1 when none
    opening_months: np.ndarray
    opening_income: np.ndarray
    opening_deductions: np.ndarray
    opening_tax: np.ndarray
    opening_reserve: np.ndarray
    post_keys: tuple[str, ...] = field(default=())
    #: prior_service_years itself: only a worker without any is on probation (§4.3).
    prior_service_years: np.ndarray | None = None
    #: Index in codes.TAX_BASIC_DEDUCTION (0, MONTHLY, when not given).
    tax_basic_deduction: np.ndarray | None = None
    #: Index in codes.BONUS_TAX_METHOD, or −1 for the policy's tax_method.
    bonus_tax_method: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.post)
        if self.prior_service_years is None:
            self.prior_service_years = np.zeros(n, dtype=np.int64)
        if self.tax_basic_deduction is None:
            self.tax_basic_deduction = np.zeros(n, dtype=np.int64)
        if self.bonus_tax_method is None:
            self.bonus_tax_method = np.full(n, codes.DEFAULT_BONUS_TAX_METHOD, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.post)

    @property
    def start_month(self) -> np.ndarray:
        """Month index (``year × 12 + month − 1``) of each worker's service_start."""
        return self.start_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12

    @classmethod
    def from_arrays(
        cls,
        ids: np.ndarray,
        post_keys: Sequence[str],
        *,
        post: np.ndarray,
        start_day: np.ndarray,
        end_day: np.ndarray,
        prior: np.ndarray,
        incompetent: np.ndarray,
        education: np.ndarray,
        certificate: np.ndarray,
        certificate_day: np.ndarray,
        assessment: np.ndarray,
        special_deduction: np.ndarray,
        previous_pay: np.ndarray,
        opening: Mapping[str, np.ndarray] | None = None,
        tax_basic_deduction: np.ndarray | None = None,
        bonus_tax_method: np.ndarray | None = None,
    ) -> Population:
        """A population from field arrays (dates as day numbers), without a
        Python loop over workers.  ``opening`` maps ``through`` (month index,
        −1 for none), ``months``, ``income``, ``deductions``, ``tax`` and
        ``reserve`` to arrays; absent means no opening balances.
        ``tax_basic_deduction`` holds indexes of :data:`codes.TAX_BASIC_DEDUCTION`
        (absent: all MONTHLY) and ``bonus_tax_method`` indexes of
        :data:`codes.BONUS_TAX_METHOD` or −1 (absent: the policy's for all)."""
        n = len(post)
        starts = start_day.astype("datetime64[D]")
        month_start = starts.astype("datetime64[M]")
        month_index = month_start.astype(np.int64) + 1970 * 12
        day_of_month = (starts - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        zeros = np.zeros(n, dtype=np.int64)
        opening = opening or {}
        return cls(
            ids=ids,
            post=post,
            start_day=start_day,
            service_month0=month_index + (day_of_month > 1),
            end_day=end_day,
            year_adjustment=prior - incompetent,
            education=education,
            certificate=certificate,
            certificate_day=certificate_day,
            assessment=assessment,
            special_deduction=special_deduction,
            previous_pay=previous_pay,
            opening_through=opening.get("through", np.full(n, -1, dtype=np.int64)),
            opening_months=opening.get("months", zeros),
            opening_income=opening.get("income", zeros),
            opening_deductions=opening.get("deductions", zeros),
            opening_tax=opening.get("tax", zeros),
            opening_reserve=opening.get("reserve", zeros),
            post_keys=tuple(post_keys),
            prior_service_years=prior,
            tax_basic_deduction=tax_basic_deduction,
            bonus_tax_method=bonus_tax_method,
        )

    @classmethod
    def from_workers(cls, workers: Sequence[WorkerInput], post_keys: Sequence[str]) -> Population:
        post_index = {key: i for i, key in enumerate(post_keys)}
        n = len(workers)

        def arr(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int64, count=n)

        unknown = [w for w in workers if w.post not in post_index]
        if unknown:
            w = unknown[0]
            raise InputError(worker_label(w.worker_id), [unknown_post(w.post, post_keys)])
        start = [w.service_start for w in workers]
        return cls(
            ids=np.array([w.worker_id for w in workers], dtype=object),
            post=arr(post_index[w.post] for w in workers),
            start_day=arr(day_number(s) for s in start),
            service_month0=arr(s.year * 12 + s.month - 1 + (1 if s.day > 1 else 0) for s in start),
            end_day=arr(day_number(w.service_end) if w.service_end else NO_END_DAY for w in workers),
            year_adjustment=arr(w.prior_service_years - w.incompetent_years for w in workers),
            education=arr(codes.EDUCATION_INDEX[w.education] for w in workers),
            certificate=arr(codes.CERTIFICATE_INDEX[w.certificate] for w in workers),
            certificate_day=arr(
                day_number(w.certificate_date) if w.certificate != "NONE" and w.certificate_date else NO_END_DAY
                for w in workers
            ),
            assessment=arr(
                codes.ASSESSMENT_INDEX[w.assessment] if w.assessment else codes.DEFAULT_ASSESSMENT for w in workers
            ),
            special_deduction=arr(w.special_deduction_monthly for w in workers),
            previous_pay=arr(w.previous_monthly_pay or 0 for w in workers),
            opening_through=arr(w.opening.through.index if w.opening else -1 for w in workers),
            opening_months=arr(w.opening.months if w.opening else 0 for w in workers),
            opening_income=arr(w.opening.income if w.opening else 0 for w in workers),
            opening_deductions=arr(w.opening.deductions if w.opening else 0 for w in workers),
            opening_tax=arr(w.opening.tax if w.opening else 0 for w in workers),
            opening_reserve=arr(w.opening.reserve if w.opening else 0 for w in workers),
            post_keys=tuple(post_keys),
            prior_service_years=arr(w.prior_service_years for w in workers),
            tax_basic_deduction=arr(codes.TAX_BASIC_DEDUCTION_INDEX[w.tax_basic_deduction or "MONTHLY"] for w in workers),
            bonus_tax_method=arr(
                codes.BONUS_TAX_METHOD_INDEX[w.bonus_tax_method] if w.bonus_tax_method else codes.DEFAULT_BONUS_TAX_METHOD
                for w in workers
            ),
        )

    def slice(self, start: int, stop: int) -> Population:
        """Workers ``start`` to ``stop`` (views, no copy)."""
        values = {
            name: getattr(self, name)[start:stop]
            for name in self.__dataclass_fields__
            if name != "post_keys"
        }
        return Population(post_keys=self.post_keys, **values)

    def take(self, index: np.ndarray) -> Population:
        """The sub-population at the given positions (in that order)."""
        values = {
            name: getattr(self, name)[index]
            for name in self.__dataclass_fields__
            if name != "post_keys"
        }
        return Population(post_keys=self.post_keys, **values)


@dataclass
class ColumnsRead:
    """Workers read column by column: the good ones as a population, the bad
    ones as errors (row position, error), in row order."""

    population: Population
    community_ids: list[str | None]
    #: Positions (in the input) of the rows in ``population``.
    rows: np.ndarray
    errors: list[tuple[int, InputError]]


def _parse_columns(columns: Mapping[str, Sequence[Any]], n: int) -> tuple[dict[str, list[Any] | None], np.ndarray]:
    """Each column's values parsed (each distinct value once; ``_FAILED`` for a
    refused one; None for a column that is absent or read row by row), and
    which rows must go through :func:`worker_from_fields`."""
    parsed: dict[str, list[Any] | None] = {}
    suspect = np.zeros(n, dtype=bool)

    def parse_column(name: str, column: Sequence[Any]) -> list[Any]:
        table: dict[Any, Any] = {}
        for raw in set(column):
            try:
                table[raw] = _read_field(name, raw)
            except _BadValue:
                table[raw] = _FAILED
        refused = {raw for raw, value in table.items() if value is _FAILED}
        if refused:
            suspect[[i for i, raw in enumerate(column) if raw in refused]] = True
        return list(map(table.__getitem__, column))

    for name, spec in FIELD_SPECS.items():
        column = columns.get(name)
        if column is None:
            parsed[name] = None
            if spec.required:
                suspect[:] = True
        elif name in OPENING_FIELDS:
            # Opening balances are rare: such rows take the row-by-row path.
            suspect[[i for i, raw in enumerate(column) if _clean(raw) is not None]] = True
            parsed[name] = None
        else:
            parsed[name] = parse_column(name, column)
    return parsed, suspect


def _column_arrays(parsed: Mapping[str, list[Any] | None], n: int, post_keys: Sequence[str],
                   post_names: Mapping[str, str] | None, suspect: np.ndarray) -> dict[str, np.ndarray]:
    """The population's code arrays from the parsed columns; marks in
    ``suspect`` the rows whose values do not fit together (an unknown post,
    service ending before it starts, a certificate without its date)."""

    def array(name: str, convert: Callable[[Any], int]) -> np.ndarray:
        values = parsed[name]
        if values is None:
            return np.full(n, convert(FIELD_SPECS[name].default), dtype=np.int64)
        table = {}
        for v in set(values):
            table[v] = convert(None if v is _FAILED else v)
        return np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=n)

    post_index = {key: i for i, key in enumerate(post_keys)}
    post = array("post", lambda v: post_index.get(post_key(v, post_names), -1) if v else -1)
    start_day = array("service_start", lambda d: day_number(d) if d else NO_END_DAY)
    end_day = array("service_end", lambda d: day_number(d) if d else NO_END_DAY)
    certificate = array("certificate", lambda c: codes.CERTIFICATE_INDEX[c or "NONE"])
    certificate_day = array("certificate_date", lambda d: day_number(d) if d else NO_END_DAY)
    suspect |= post < 0
    suspect |= end_day < start_day
    suspect |= (certificate > 0) & (certificate_day == NO_END_DAY)
    certificate_day = np.where(certificate > 0, certificate_day, NO_END_DAY)

    return {
        "post": post,
        "start_day": start_day,
        "end_day": end_day,
        "prior": array("prior_service_years", lambda v: v or 0),
        "incompetent": array("incompetent_years", lambda v: v or 0),
        "education": array("education", lambda c: codes.EDUCATION_INDEX[c or "SECONDARY"]),
        "certificate": certificate,
        "certificate_day": certificate_day,
        "assessment": array("assessment", lambda c: codes.ASSESSMENT_INDEX[c] if c else codes.DEFAULT_ASSESSMENT),
        "special_deduction": array("special_deduction_monthly", lambda v: v or 0),
        "previous_pay": array("previous_monthly_pay", lambda v: v or 0),
        "tax_basic_deduction": array("tax_basic_deduction", lambda c: codes.TAX_BASIC_DEDUCTION_INDEX[c or "MONTHLY"]),
        "bonus_tax_method": array(
            "bonus_tax_method", lambda c: codes.BONUS_TAX_METHOD_INDEX[c] if c else codes.DEFAULT_BONUS_TAX_METHOD
        ),
    }


#: The arrays of :func:`_column_arrays` that a row read by :func:`worker_from_fields` sets from its Population.
_ROW_ARRAYS = ("post", "start_day", "end_day", "education", "certificate", "certificate_day", "assessment",
               "special_deduction", "previous_pay", "tax_basic_deduction", "bonus_tax_method")


def _set_row(arrays: dict[str, np.ndarray], opening: dict[str, np.ndarray], i: int, worker: WorkerInput,
             post_keys: Sequence[str]) -> None:
    """Row ``i`` of the arrays from a worker read row by row."""
    single = Population.from_workers([worker], post_keys)
    for key in _ROW_ARRAYS:
        arrays[key][i] = getattr(single, key)[0]
    arrays["prior"][i], arrays["incompetent"][i] = worker.prior_service_years, worker.incompetent_years
    for key in opening:
        opening[key][i] = getattr(single, f"opening_{key}")[0]


def _repeated_ids(ids: Sequence[Any], good: np.ndarray, where: Callable[[int], Text],
                  lines: Sequence[int]) -> list[tuple[int, InputError]]:
    """A worker_id refused at its second appearance among the good rows (which ``good`` then leaves out)."""
    errors = []
    seen: dict[Any, int] = {}
    for i in np.flatnonzero(good).tolist():
        worker_id = ids[i]
        if worker_id in seen:
            errors.append((i, InputError(worker_label(worker_id, where(i)), [FieldProblem(
                "worker_id", f"“{worker_id}”已在第 {lines[seen[worker_id]]} 行出现",
                f"{worker_id!r} already appears on line {lines[seen[worker_id]]}")])))
            good[i] = False
        else:
            seen[worker_id] = i
    return errors


def population_from_columns(
    columns: Mapping[str, Sequence[Any]],
    n: int,
    post_keys: Sequence[str],
    row_fields: Callable[[int], Mapping[str, Any]],
    source: str,
    lines: Sequence[int],
    post_names: Mapping[str, str] | None = None,
) -> ColumnsRead:
    """Validate and convert many workers at once, column by column.

    Each distinct value of a column is parsed once with the same parsers as
    :func:`worker_from_fields`, and the population's arrays are built without
    a Python object per worker, which makes reading a large file several times
    faster.  Rows that fail a check — and the rare rows with opening balances —
    go through :func:`worker_from_fields` itself, so the messages and the
    accepted values are exactly those of the row-by-row path.  A repeated
    ``worker_id`` is refused at its second appearance.  Messages name the
    ``source`` and the row's line in ``lines``.
    """

    def where(i: int) -> Text:
        return line_label(source, lines[i])

    parsed, suspect = _parse_columns(columns, n)
    arrays = _column_arrays(parsed, n, post_keys, post_names, suspect)
    opening = {
        "through": np.full(n, -1, dtype=np.int64),
        **{key: np.zeros(n, dtype=np.int64) for key in ("months", "income", "deductions", "tax", "reserve")},
    }
    ids: list[Any] = parsed["worker_id"] or [None] * n
    community_ids: list[Any] = parsed["community_id"] or [None] * n

    good = np.ones(n, dtype=bool)
    errors: list[tuple[int, InputError]] = []
    for i in np.flatnonzero(suspect).tolist():
        try:
            worker = worker_from_fields(row_fields(i), where(i), post_keys, post_names)
        except InputError as exc:
            errors.append((i, exc))
            good[i] = False
            continue
        # Valid after all (opening balances): take its values from the worker itself.
        ids[i], community_ids[i] = worker.worker_id, worker.community_id
        _set_row(arrays, opening, i, worker, post_keys)
    errors.extend(_repeated_ids(ids, good, where, lines))
    errors.sort(key=lambda e: e[0])
    keep = np.flatnonzero(good)
    population = Population.from_arrays(
        np.array(ids, dtype=object)[keep],
        post_keys,
        **{key: value[keep] for key, value in arrays.items()},
        opening={key: value[keep] for key, value in opening.items()},
    )
    return ColumnsRead(population, [community_ids[i] for i in keep.tolist()], keep, errors)
