"""Sane dates: the range a date of the records may take, defined once for the
mutations and the imports alike.

A community worker's service, certificate or post cannot begin before 1950,
nor more than a year ahead (a date of 9999-12-31 is a typing mistake, and
would put every computation that counts months from it out of range).  An
end may be planned further ahead — up to ten years — but not before 1950.
An end that falls in months already paid is accepted: revision 2 of the salary
model (§13) handles a leaver found late as a correction in the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from api.errors import ErrorCode, UserError

EARLIEST = dt.date(1950, 1, 1)
#: How far ahead a start (service, certificate, post) may be: one year.
START_AHEAD = dt.timedelta(days=366)
#: How far ahead an end (service, post) may be planned: ten years.
END_AHEAD = dt.timedelta(days=3653)


@dataclass(frozen=True)
class DateRange:
    earliest: dt.date
    ahead: dt.timedelta

    def latest(self, today: dt.date) -> dt.date:
        return today + self.ahead

    def error(self, field: str, value: dt.date | None, today: dt.date | None = None) -> UserError | None:
        """INVALID when ``value`` falls outside the range (None: no date, no error)."""
        if value is None:
            return None
        latest = self.latest(today or dt.date.today())
        if self.earliest <= value <= latest:
            return None
        return UserError(field, ErrorCode.INVALID,
                         f"{field}：{value.isoformat()} 不在 {self.earliest.isoformat()} 至 {latest.isoformat()} 之间 / "
                         f"{field}: {value.isoformat()} is outside {self.earliest.isoformat()} to {latest.isoformat()}")


#: Service start, certificate registration, the start of a post.
STARTS = DateRange(EARLIEST, START_AHEAD)
#: Service end, the end of a post.
ENDS = DateRange(EARLIEST, END_AHEAD)


def check_dates(errors: list[UserError], starts: dict[str, dt.date | None], ends: dict[str, dt.date | None]) -> None:
    """Add an error to ``errors`` for each start or end (by input field) out of its range."""
    today = dt.date.today()
    for kind, dates in ((STARTS, starts), (ENDS, ends)):
        for field, value in dates.items():
            error = kind.error(field, value, today)
            if error is not None:
                errors.append(error)
