"""Helpers for mutations: one ``input``, a payload with the object and ``errors``."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

import strawberry

from api.db.threads import run_db
from api.errors import UserErrors
from api.graphql.core.types import UserError

T = TypeVar("T")


def provided(data: Any, *exclude: str) -> dict[str, Any]:
    """The fields of an input object that the caller actually gave."""
    return {
        f.name: getattr(data, f.name)
        for f in dataclasses.fields(data)
        if f.name not in exclude and getattr(data, f.name) is not strawberry.UNSET
    }


async def run_mutation(fn: Callable[..., T], *args: Any) -> tuple[T | None, list[UserError]]:
    """Run a service operation in a worker thread; user mistakes become payload errors.

    The service runs in one transaction, so when it reports errors nothing
    was written.
    """
    try:
        return await run_db(fn, *args), []
    except UserErrors as exc:
        return None, [UserError.of(e) for e in exc.errors]
