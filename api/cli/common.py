"""What every ``community-payroll`` subcommand shares: the program name, the
one-line error, argument types and writing the result.

Every subcommand writes its result to standard output (or ``--output FILE``,
written whole or not at all), messages to standard error, and exits with
status 2 and a one-line reason on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from payroll.files import write_whole
from payroll.money import MoneyFormatError, parse_rate
from payroll.periods import Period, PeriodFormatError, parse_date
from payroll.policy import PolicyError

PROG = "community-payroll"


class UsageError(Exception):
    """Bad input on the command line: reported in one line, exit status 2."""


def one_line(exc: Exception) -> str:
    """An exception's message on one line (a policy's problems joined)."""
    if isinstance(exc, PolicyError):
        return "invalid policy document: " + "; ".join(exc.problems)
    return " ".join(str(exc).split())


def period_argument(text: str) -> Period:
    """``YYYY-MM`` as an argparse type."""
    try:
        return Period.parse(text)
    except PeriodFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def date_argument(text: str) -> dt.date:
    """``YYYY-MM-DD`` as an argparse type."""
    try:
        return parse_date(text)
    except PeriodFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def rate_argument(text: str) -> int:
    """A decimal rate (``0.05``) as an argparse type, scaled by 10^6."""
    try:
        return parse_rate(text)
    except MoneyFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def write_output(output: str | None, text: str | bytes) -> None:
    """Write the whole result to ``output`` (standard output for none or ``-``),
    or nothing: a file is replaced atomically."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if not output or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_whole(output, data)
