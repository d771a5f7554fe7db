"""Scope checks for single-object fetches: outside the token's scope is FORBIDDEN
(lists never contain such objects in the first place)."""

from __future__ import annotations

from api.auth import Principal
from api.errors import Forbidden


def require_visible_community(principal: Principal, community_id: int, street_id: int, what: str) -> None:
    if not principal.allows_community(community_id, street_id):
        raise Forbidden(f"{what}: outside this token's scope")
