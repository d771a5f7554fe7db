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
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import codes
from .money import MAX_FEN, MoneyFormatError, format_fen, parse_fen
from .periods import NO_END_DAY, Period, PeriodFormatError, day_number, parse_date

#: Every field of a worker input, in the order of ``examples/workers.csv``.
WORKER_FIELDS = (
    "worker_id",
    "community_id",
    "name",
    "post",
    "service_start",
    "service_end",
    "prior_service_years",
    "education",
    "certificate",
    "certificate_date",
    "incompetent_years",
    "assessment",
    "special_deduction_monthly",
    "previous_monthly_pay",
    "opening_through",
    "opening_months",
    "opening_income",
    "opening_deductions",
    "opening_tax",
    "opening_reserve",
)
OPENING_FIELDS = WORKER_FIELDS[-6:]
_MAX_YEARS = 100


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InputError(ValueError):
    """Bad worker input: names the row or worker and each field that was wrong."""

    def __init__(self, where: str, problems: Sequence[FieldProblem]):
        self.where = where
        self.problems = list(problems)
        super().__init__(f"{where}: " + "; ".join(str(p) for p in self.problems))


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
        }


class _FieldReader:
    def __init__(self, fields: Mapping[str, Any]):
        self.fields = fields
        self.problems: list[FieldProblem] = []

    def fail(self, name: str, message: str) -> None:
        self.problems.append(FieldProblem(name, message))

    def raw(self, name: str) -> Any:
        value = self.fields.get(name)
        if type(value) is str:
            return value.strip() or None
        return value

    def text(self, name: str, required: bool = False, max_length: int = 64) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        value = str(value)
        if len(value) > max_length:
            self.fail(name, f"is longer than {max_length} characters")
            return None
        return value

    def date(self, name: str, required: bool = False) -> dt.date | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        try:
            return parse_date(value)
        except PeriodFormatError as exc:
            self.fail(name, str(exc))
            return None

    def whole(self, name: str, default: int = 0, maximum: int = _MAX_YEARS) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            self.fail(name, f"{value!r} is not a whole number")
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = value[:-2] if value.endswith(".0") else value
            if not text.lstrip("+-").isdigit():
                self.fail(name, f"{value!r} is not a whole number")
                return default
            value = int(text)
        if not isinstance(value, int):
            self.fail(name, f"{value!r} is not a whole number")
            return default
        if value < 0:
            self.fail(name, f"{value} must not be negative")
            return default
        if value > maximum:
            self.fail(name, f"{value} is above the largest accepted value {maximum}")
            return default
        return value

    def money(self, name: str, default: int | None = 0) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        try:
            fen = parse_fen(value)
        except MoneyFormatError as exc:
            self.fail(name, str(exc))
            return default
        if fen < 0:
            self.fail(name, f"{format_fen(fen)} must not be negative")
            return default
        if fen > MAX_FEN:
            self.fail(name, f"{format_fen(fen)} is above the largest accepted amount")
            return default
        return fen

    def code(self, name: str, choices: Sequence[str], default: str | None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        value = str(value).upper()
        if value not in choices:
            self.fail(name, f"{self.raw(name)!r} is not one of {', '.join(choices)}")
            return default
        return value


def worker_from_fields(
    fields: Mapping[str, Any],
    where: str | None = None,
    post_keys: Iterable[str] | None = None,
) -> WorkerInput:
    """Validate one worker's fields; raise :class:`InputError` naming each bad field.

    ``fields`` maps the names of :data:`WORKER_FIELDS` to text (or already typed
    values); a blank value means "not given".  ``post_keys``, when given, are
    the posts the policy knows, so that an unknown post is caught here rather
    than in the middle of a computation.
    """
    r = _FieldReader(fields)
    worker_id = r.text("worker_id", required=True)
    post = r.text("post", required=True)
    if post is not None:
        post = post.upper()
        if post_keys is not None and post not in set(post_keys):
            r.fail("post", f"{r.raw('post')!r} is not a post of the policy ({', '.join(post_keys)})")
    start = r.date("service_start", required=True)
    end = r.date("service_end")
    if start is not None and end is not None and end < start:
        r.fail("service_end", f"{end.isoformat()} is before service_start {start.isoformat()}")
    prior = r.whole("prior_service_years")
    education = r.code("education", codes.EDUCATION, "SECONDARY")
    certificate = r.code("certificate", codes.CERTIFICATE, "NONE")
    certificate_date = r.date("certificate_date")
    if certificate not in (None, "NONE") and certificate_date is None and not any(
        p.field == "certificate_date" for p in r.problems
    ):
        r.fail("certificate_date", f"is required for certificate {certificate}")
    incompetent = r.whole("incompetent_years")
    assessment = r.code("assessment", codes.ASSESSMENT, None)
    special = r.money("special_deduction_monthly")
    previous = r.money("previous_monthly_pay", default=None)
    opening = None
    through_text = r.raw("opening_through")
    if through_text is not None:
        try:
            through = Period.parse(str(through_text))
        except PeriodFormatError as exc:
            r.fail("opening_through", str(exc))
            through = None
        months = r.whole("opening_months", maximum=12)
        if through is not None:
            if months > through.month:
                r.fail("opening_months", f"{months} is more than the {through.month} months up to opening_through {through}")
            opening = Opening(
                through=through,
                months=months,
                income=r.money("opening_income"),
                deductions=r.money("opening_deductions"),
                tax=r.money("opening_tax"),
                reserve=r.money("opening_reserve"),
            )
    else:
        given = [f for f in OPENING_FIELDS[1:] if r.raw(f) is not None]
        if given:
            r.fail("opening_through", f"is required when {', '.join(given)} {'is' if len(given) == 1 else 'are'} given")
    if r.problems:
        label = where or "worker"
        if worker_id and where:
            label = f"{where} (worker {worker_id})"
        elif worker_id:
            label = f"worker {worker_id}"
        raise InputError(label, r.problems)
    return WorkerInput(
        worker_id=worker_id,
        post=post,
        service_start=start,
        service_end=end,
        prior_service_years=prior,
        education=education,
        certificate=certificate,
        certificate_date=certificate_date,
        incompetent_years=incompetent,
        assessment=assessment,
        special_deduction_monthly=special,
        previous_monthly_pay=previous,
        opening=opening,
        community_id=r.text("community_id"),
        name=r.text("name", max_length=100),
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

    def __len__(self) -> int:
        return len(self.post)

    @classmethod
    def from_workers(cls, workers: Sequence[WorkerInput], post_keys: Sequence[str]) -> Population:
        post_index = {key: i for i, key in enumerate(post_keys)}
        n = len(workers)

        def arr(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int64, count=n)

        unknown = [w for w in workers if w.post not in post_index]
        if unknown:
            w = unknown[0]
            raise InputError(
                f"worker {w.worker_id}",
                [FieldProblem("post", f"{w.post!r} is not a post of the policy ({', '.join(post_keys)})")],
            )
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
