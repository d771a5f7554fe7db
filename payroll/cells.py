"""Text cells that spreadsheet programs would run as formulas (CSV injection).

Excel, WPS and LibreOffice treat a CSV cell that begins with ``=``, ``+``,
``-`` or ``@`` (and, in some versions, a tab or a carriage return before
one) as a formula: ``=HYPERLINK("http://…","工资")`` becomes a live link and
``+cmd|' /C calc'!A0`` a command.  The files we write carry text that users
typed — worker codes and names, bank names, community and street names — so

- every CSV we write passes its text cells through :func:`neutralise`, which
  prefixes such a cell with ``'`` as OWASP recommends (the spreadsheet then
  shows the text as typed); numbers, negative amounts included
  (``-12.34``), are not text and stay as they are;
- the service refuses such text on input (:func:`starts_like_formula`), so it
  is not stored in the first place.

This is the one definition of the rule: the engine's own CSV writers
(:mod:`payroll.csvfast`, :mod:`payroll.csvio`) use it, and so does the
service (:mod:`api`), which may import the engine but not the other way round.
"""

from __future__ import annotations

import csv
import re
from typing import Any, Iterable, Sequence

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What a cell that starts like a formula is prefixed with.
NEUTRALISING_PREFIX = "'"
#: A number as the CSV files write it (``-12.34``, ``3``): not text, never prefixed.
NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
#: The same pattern for PostgreSQL's ``~`` operator (files the database writes itself).
NUMBER_POSIX = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def starts_like_formula(text: str | None) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (numbers are numbers)."""
    return bool(text) and text.startswith(FORMULA_STARTS) and NUMBER.fullmatch(text) is None


def neutralise(value: Any) -> Any:
    """A cell as it is safe to write: text starting like a formula gets the
    prefix ``'``; everything else (numbers, other text, None) is returned as is."""
    if isinstance(value, str) and starts_like_formula(value):
        return NEUTRALISING_PREFIX + value
    return value


def neutralised_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


class SafeWriter:
    """:func:`csv.writer` whose text cells pass through :func:`neutralise`."""

    def __init__(self, handle: Any, **options: Any):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Sequence[Any]) -> Any:
        return self._writer.writerow(neutralised_row(row))

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(handle: Any, **options: Any) -> SafeWriter:
    """A CSV writer for files people open in spreadsheets (same options as :func:`csv.writer`)."""
    return SafeWriter(handle, **options)
