"""Global ids: ``Worker:123``.  Clients treat them as opaque strings."""

from __future__ import annotations

import strawberry

from api.errors import BadRequest


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(f"{type_name}:{pk}")


def from_global_id(value: str, type_name: str, argument: str = "id") -> int:
    """The database id of a global id of ``type_name``; a clear error otherwise."""
    prefix, _, pk = str(value).partition(":")
    if prefix != type_name or not pk.isdigit():
        raise BadRequest(f"{argument}: {value!r} is not the id of a {type_name} (expected {type_name}:<number>)")
    return int(pk)


def optional_global_id(value: str | None, type_name: str, argument: str) -> int | None:
    return None if value is None else from_global_id(value, type_name, argument)


def input_global_id(value: str | None, type_name: str, field: str) -> int | None:
    """Like :func:`from_global_id` for mutation inputs: a user error, not a request error."""
    from api.errors import ErrorCode, UserErrors

    if value is None:
        return None
    try:
        return from_global_id(value, type_name, field)
    except BadRequest as exc:
        raise UserErrors.one(field, ErrorCode.INVALID, exc.message) from None
