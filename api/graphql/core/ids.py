"""Global ids: ``Worker:123``.  Clients treat them as opaque strings.

The number is checked before it reaches SQL: ASCII digits only (a
full-width ``１`` is refused) and at most the largest 64-bit id.
"""

from __future__ import annotations

import re

import strawberry

from api.errors import BadRequest, ErrorCode, UserErrors
from api.settings import MAX_ID

_NUMBER = re.compile(r"[0-9]{1,19}")


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(f"{type_name}:{pk}")


def parse_number(number: str) -> int | None:
    """The id a string of ASCII digits names, or None: not digits (a
    full-width ``１``, a sign, a space), or above the largest 64-bit id."""
    if not _NUMBER.fullmatch(number) or int(number) > MAX_ID:
        return None
    return int(number)


def _parse(value: str, type_name: str) -> int | None:
    prefix, _, number = str(value).partition(":")
    return parse_number(number) if prefix == type_name else None


def _message(value: str, type_name: str, argument: str) -> str:
    shown = value if len(value) <= 60 else value[:60] + "…"
    return (f"{argument}：{shown!r} 不是{type_name}的编号（应为 {type_name}:<数字>）/ {argument}: {shown!r} is not the id "
            f"of a {type_name} (expected {type_name}:<number>)")


def from_global_id(value: str, type_name: str, argument: str = "id") -> int:
    """The database id of a global id of ``type_name``; BAD_USER_INPUT otherwise."""
    pk = _parse(value, type_name)
    if pk is None:
        raise BadRequest(_message(str(value), type_name, argument))
    return pk


def optional_global_id(value: str | None, type_name: str, argument: str) -> int | None:
    return None if value is None else from_global_id(value, type_name, argument)


def input_global_id(value: str | None, type_name: str, field: str) -> int | None:
    """Like :func:`from_global_id` for mutation inputs: a user error, not a request error."""
    if value is None:
        return None
    pk = _parse(value, type_name)
    if pk is None:
        raise UserErrors.one(field, ErrorCode.INVALID, _message(str(value), type_name, field))
    return pk
