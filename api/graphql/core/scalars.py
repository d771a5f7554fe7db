"""Scalars: money as decimal strings, months, and decimals.

Each is a ``NewType`` used in annotations, mapped to its GraphQL definition
in :data:`SCALAR_MAP` (given to ``StrawberryConfig.scalar_map``).  The map also
gives strawberry's built-in Date, DateTime and JSON scalars bilingual
descriptions; their serialization and parsing stay strawberry's own.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from decimal import Decimal as _Decimal
from decimal import InvalidOperation
from typing import NewType

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.scalar import ScalarDefinition

from payroll.money import MoneyFormatError, format_fen, parse_fen
from payroll.periods import Period as _Period
from payroll.periods import PeriodFormatError

#: Integer fen inside the service; a decimal string of yuan in GraphQL.
Money = NewType("Money", int)
Period = NewType("Period", _Period)
Decimal = NewType("Decimal", _Decimal)


def _parse_money(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError('金额须写成带引号的元金额字符串，如 "3520.48"，不能是数字 / Money is a decimal string of yuan such '
                         'as "3520.48", never a number')
    try:
        return parse_fen(value)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None


def _parse_period(value: object) -> _Period:
    try:
        return _Period.parse(str(value))
    except PeriodFormatError as exc:
        raise ValueError(str(exc)) from None


def _parse_decimal(value: object) -> _Decimal:
    if not isinstance(value, str):
        raise ValueError('小数须写成带引号的字符串，如 "0.05" / Decimal is a string such as "0.05"')
    try:
        result = _Decimal(value)
    except InvalidOperation:
        raise ValueError(f"“{value}”不是小数 / {value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"“{value}”不是有限的小数 / {value!r} is not a finite decimal number")
    return result


SCALAR_MAP = {
    Money: strawberry.scalar(
        name="Money",
        description='金额（元，两位小数的字符串，如 "3520.48"）/ An amount of yuan as a decimal string with two decimals, '
        'e.g. "3520.48"; never a float. Held as integer fen inside the service.',
        serialize=format_fen,
        parse_value=_parse_money,
    ),
    Period: strawberry.scalar(
        name="Period",
        description='月份 YYYY-MM / A pay period: a calendar month "YYYY-MM", e.g. "2026-11".',
        serialize=str,
        parse_value=_parse_period,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='小数（字符串）/ A decimal number as a string, e.g. "0.05" for 5%.',
        serialize=str,
        parse_value=_parse_decimal,
    ),
}


def _described(python_type: object, description: str) -> ScalarDefinition:
    """Strawberry's own definition of a built-in scalar with another description
    (same name, serializer, parsers and specifiedBy URL).  The registry is
    strawberry's internal default map; reusing its entries keeps the wire format
    exactly strawberry's (ISO 8601 strings for dates and times)."""
    return dataclasses.replace(DEFAULT_SCALAR_REGISTRY[python_type], description=description)


SCALAR_MAP.update({
    _dt.date: _described(
        _dt.date,
        '日期 YYYY-MM-DD（ISO 8601）/ A calendar date in ISO 8601, e.g. "2026-11-21".',
    ),
    _dt.datetime: _described(
        _dt.datetime,
        '日期时间（ISO 8601，服务保存的时间为 UTC）/ A date and time in ISO 8601, e.g. "2026-11-21T08:30:00"; '
        "times the service records are UTC.",
    ),
    JSON: _described(
        JSON,
        "JSON 值（对象、数组、字符串、数字等）/ Any JSON value (object, array, string, number, boolean or null).",
    ),
    Upload: _described(
        Upload,
        "上传的文件（multipart/form-data 请求）/ A file sent with a multipart/form-data request (GraphQL multipart "
        "request spec), e.g. a CSV or .xlsx to import.",
    ),
})
