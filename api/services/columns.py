"""Text must fit its column, checked before it reaches SQL.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` with an error the
caller would see as INTERNAL; SQLite stores it whole whatever ``n`` says.
Neither is what a user should meet, so every text a mutation or an import
writes is measured here first, against the ``max_length`` of the model's own
field — the limits are defined once, in :mod:`api.db.models`.
"""

from __future__ import annotations

from typing import Any

import peewee as pw

from api.errors import ErrorCode, UserError


def max_length(column: pw.CharField) -> int:
    """The column's size in characters (VARCHAR(n) counts characters on both databases)."""
    return column.max_length


def too_long_message(input_field: str, column: pw.CharField, value: str) -> str:
    limit = max_length(column)
    return (f"{input_field}：最长 {limit} 字，收到 {len(value)} 字 / {input_field}: at most {limit} characters, got "
            f"{len(value)}")


def length_error(input_field: str, column: pw.CharField, value: Any, field: str | None = None) -> UserError | None:
    """An INVALID user error when ``value`` does not fit ``column``; None when it does (or is not text).
    The message names ``input_field``; the error's field is ``field`` (default: the same)."""
    if isinstance(value, str) and len(value) > max_length(column):
        return UserError(field or input_field, ErrorCode.INVALID, too_long_message(input_field, column, value))
    return None


def check_length(errors: list[UserError], input_field: str, column: pw.CharField, value: Any,
                 field: str | None = None) -> None:
    """Add :func:`length_error`'s error, if any, to ``errors``."""
    error = length_error(input_field, column, value, field)
    if error is not None:
        errors.append(error)
