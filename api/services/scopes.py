"""The scope of a report (conversion, policy cost, budget and staffing files)."""

from __future__ import annotations

from api.auth import Principal
from api.services.payroll import resolve_scope
from api.services.population import Scope


def report_scope(principal: Principal, street_id: int | None, community_id: int | None, action: str) -> Scope:
    """The street or community asked for, checked against the token (FORBIDDEN
    outside its scope); without one, the city — which the reports narrow to an
    HR token's own communities with :meth:`Principal.community_filter`."""
    if street_id is None and community_id is None and principal.scoped:
        return Scope("CITY")
    scope, _ = resolve_scope(principal, street_id, community_id, action)
    return scope
