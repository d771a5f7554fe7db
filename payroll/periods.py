"""Pay periods (calendar months) and dates as day numbers.

A period ``P`` is a calendar month ``YYYY-MM`` (spec §0).  Inside the engine a
period is also an integer *month index* ``year × 12 + month − 1`` so that whole
populations can compare periods with one array operation, and a date is an
integer *day number* (days since 1970-01-01, numpy's ``datetime64[D]``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .texts import BilingualError

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_DATE_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
EPOCH = dt.date(1970, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()

#: Day number used for "no end" (service without ``service_end``): year 9999.
NO_END_DAY = dt.date(9999, 12, 31).toordinal() - EPOCH_ORDINAL


class PeriodFormatError(BilingualError, ValueError):
    """A text that is not a month ``YYYY-MM`` or a date ``YYYY-MM-DD``."""


_PARSED: dict[str, "Period"] = {}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, ordered and hashable: ``Period(2026, 11)`` is ``2026-11``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodFormatError(f"月份 {self.month} 不在 1 至 12 之间", f"month {self.month} is not between 1 and 12")
        if not 1900 <= self.year <= 9998:
            raise PeriodFormatError(f"年份 {self.year} 不在 1900 至 9998 之间", f"year {self.year} is not between 1900 and 9998")

    @classmethod
    def parse(cls, text: str) -> Period:
        # Pages of stored rows parse the same few months over and over.
        cached = _PARSED.get(text) if type(text) is str else None
        if cached is not None:
            return cached
        match = _PERIOD_RE.match(str(text).strip())
        if not match:
            raise PeriodFormatError(f"“{text}”不是 YYYY-MM 格式的月份", f"{text!r} is not a month in the form YYYY-MM")
        period = cls(int(match.group(1)), int(match.group(2)))
        if type(text) is str:
            if len(_PARSED) >= 4096:
                _PARSED.clear()
            _PARSED[text] = period
        return period

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Period:
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def first_day(self) -> int:
        """Day number of ``P1``."""
        return day_number(self.first)

    @property
    def last_day(self) -> int:
        """Day number of ``Pn``."""
        return day_number(self.last)

    def next(self) -> Period:
        return Period.from_index(self.index + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` (``/`` also accepted) into a date; a clear error otherwise."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if isinstance(text, str) and len(text) == 10 and text[4] == "-" and text[7] == "-":
        # Fast path for ISO dates (most of every file); errors take the path below.
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if value.year >= 1900:
                return value
    match = _DATE_RE.match(str(text).strip())
    if not match:
        raise PeriodFormatError(f"“{text}”不是 YYYY-MM-DD 格式的日期", f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        value = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise PeriodFormatError(f"“{text}”不是有效日期", f"{text!r} is not a valid date ({exc})") from None
    if value.year < 1900:
        raise PeriodFormatError(f"“{text}”早于 1900 年", f"{text!r} is before 1900")
    return value


def day_number(day: dt.date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def date_of(number: int) -> dt.date:
    return dt.date.fromordinal(int(number) + EPOCH_ORDINAL)


def periods_between(start: Period, end: Period) -> list[Period]:
    """The months from ``start`` to ``end`` inclusive."""
    return [Period.from_index(i) for i in range(start.index, end.index + 1)]
