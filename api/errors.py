"""Errors: user mistakes (reported in mutation payloads) and request errors.

A :class:`UserErrors` exception carries one or more :class:`UserError` —
``field``, ``code`` and a message that names the record and field — and is
turned into the ``errors`` list of a mutation payload; nothing is written when
one is raised (every mutation runs in a transaction).

:class:`Forbidden`, :class:`Unauthenticated` and :class:`BadRequest` become
GraphQL errors with ``extensions.code`` set, which clients can branch on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable

from graphql import GraphQLError


class ErrorCode(enum.Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    FORBIDDEN = "FORBIDDEN"


def camel(name: str) -> str:
    """A Python field name as GraphQL shows it (``service_end`` → ``serviceEnd``):
    user errors name the input field the caller sent."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class UserError:
    field: str | None
    code: ErrorCode
    message: str


class UserErrors(Exception):
    def __init__(self, errors: Iterable[UserError]):
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))

    @classmethod
    def one(cls, field: str | None, code: ErrorCode, message: str) -> UserErrors:
        return cls([UserError(field, code, message)])


class RequestError(GraphQLError):
    """A GraphQL error with a machine-readable ``extensions.code``."""

    code = "BAD_REQUEST"

    def __init__(self, message: str):
        super().__init__(message, extensions={"code": self.code})


class Forbidden(RequestError):
    code = "FORBIDDEN"


class NotFound(RequestError):
    """A record that does not exist — or that the caller may not see: the two
    are never told apart."""

    code = "NOT_FOUND"


class Unauthenticated(RequestError):
    code = "UNAUTHENTICATED"


class BadRequest(RequestError):
    code = "BAD_USER_INPUT"


class LimitExceeded(RequestError):
    code = "LIMIT_EXCEEDED"


class ReadOnlyDatabase(RequestError):
    """A write sent to an instance that reads a streaming replica."""

    code = "READ_ONLY"


class DatabaseBusy(RequestError):
    """The database could not take the request in time (lock or pool wait);
    nothing was written and the request can be repeated."""

    code = "DATABASE_BUSY"
