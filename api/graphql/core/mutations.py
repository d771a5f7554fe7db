"""Helpers for mutations: one ``input``, a payload with the object and ``errors``.

Absent is not null: a field left out of an update leaves the value as it is;
an explicit ``null`` clears it only where clearing means something (a leaver
re-hired, a phone removed) — each update input lists those fields — and is a
``REQUIRED`` user error anywhere else, never a silent reset to a default.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Collection, TypeVar

import strawberry

from api.db.threads import run_db, run_long_db
from api.errors import ErrorCode, UserErrors, camel
from api.errors import UserError as UserErrorValue
from api.graphql.core.types import UserError

T = TypeVar("T")
R = TypeVar("R")


def provided(data: Any, *exclude: str, clearable: Collection[str] = ()) -> dict[str, Any]:
    """The fields of an input object that the caller gave, by Python name.
    ``null`` is accepted only for the fields in ``clearable``."""
    values = {
        f.name: getattr(data, f.name)
        for f in dataclasses.fields(data)
        if f.name not in exclude and getattr(data, f.name) is not strawberry.UNSET
    }
    nulls = [name for name, value in values.items() if value is None and name not in clearable]
    if nulls:
        raise UserErrors(UserErrorValue(camel(name), ErrorCode.REQUIRED,
                                        f"{camel(name)}：不能为 null，不填则保持不变 / {camel(name)}: cannot be null; leave "
                                        f"it out to keep the current value") for name in nulls)
    return values


async def run_mutation(write: Callable[[], T], read_back: Callable[[T], R] | None = None, *, long: bool = False
                       ) -> tuple[R | T | None, list[UserError]]:
    """Run a service operation in a worker thread — then, in the same thread,
    ``read_back`` its result through the read layer (as the caller may see
    it); user mistakes become payload errors.  ``long``: work long by nature
    (a payroll run), without the statement limit (:func:`run_long_db`).

    The service runs in one transaction, so when it reports errors nothing
    was written."""

    def run() -> R | T:
        result = write()
        return read_back(result) if read_back is not None else result

    try:
        return await (run_long_db if long else run_db)(run), []
    except UserErrors as exc:
        return None, [UserError.of(e) for e in exc.errors]
