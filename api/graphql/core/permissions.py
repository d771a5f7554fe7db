"""Permissions declared beside each field and mutation, as Saleor does.

``@strawberry.field(permission_classes=[needs(Permission.APPROVE_PAYROLL)])``
refuses the field with FORBIDDEN (or UNAUTHENTICATED without a token) before
its resolver runs.  The rule itself — which role holds which permission — is
:mod:`api.access.permissions`, the one place it is written.
"""

from __future__ import annotations

import functools
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from api.access.permissions import Permission, allowed, refusal
from api.errors import Forbidden


@functools.cache
def needs(*permissions: Permission) -> type[BasePermission]:
    """The permission class of a field that needs any of ``permissions`` (one
    class per set): ``needs(Permission.READ, Permission.READ_OWN_PAYSLIPS)``
    lets every reading role through, a worker too, whose scope is its own."""

    class Needs(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal  # UNAUTHENTICATED without a token
            if not allowed(principal, *permissions):
                raise Forbidden(refusal(principal, *permissions))
            return True

    Needs.__name__ = Needs.__qualname__ = "Needs" + "Or".join(p.name.title().replace("_", "") for p in permissions)
    return Needs
