"""Which rows a principal may see: one SQL condition per kind of record.

Every read goes through :mod:`api.reads`, which adds these conditions to its
statements — lists, single objects, the objects behind nested fields, totals
and files alike — so a row outside the scope never leaves the database.  The
services look up what they are asked to change through the same conditions:
outside the scope is "not found", exactly like a missing row.

For a principal limited to jurisdictions J (a token's jurisdictions and every
one below them), streets S and communities C — any of the three:

| record | visible when |
|---|---|
| jurisdiction | in J, or holding a visible street |
| policy | of a visible jurisdiction or one above it (the policy it may be paid under) |
| street | of a jurisdiction in J, in S, or holding a community of C |
| community | its street is of J or in S, or it is in C |
| worker, position | its community (today's) is visible |
| assessment, tax choice | its worker is visible |
| payslip | the street or community it was paid for (stored with it) is visible by J, S or C |
| payroll run | paid under a jurisdiction in J; a street or community run of a street of J or in S; a community run of C (a city-wide run is not visible by S or C) |

A payslip keeps the street and community it was paid for, so a street's old
payslips stay with that street after a worker or a community moves; the
worker and community they point to are shown only while they are visible
themselves.  ``None`` means "no restriction".

A WORKER principal (电子工资条) is limited to its one worker W:

| record | visible when |
|---|---|
| worker | it is W |
| assessment | its worker is W |
| payslip | its worker is W and its run is approved or paid (a draft may still be deleted and recomputed) |
| street, community, position, payroll run | never (a payslip's street, community and run are null) |

Every condition below answers for a WORKER first, so that no rule for
streets and communities can apply to it by accident.
"""

from __future__ import annotations

from typing import Callable

import peewee as pw

from api.access.principal import Principal
from api.db.models import (
    Assessment,
    Community,
    Jurisdiction,
    PayrollRun,
    Payslip,
    Policy,
    Position,
    Street,
    Worker,
    WorkerTaxChoice,
)

Condition = pw.Expression | None

#: Run statuses whose payslips a worker sees: settled, never to change.
RELEASED_TO_WORKERS = ("APPROVED", "PAID")


def _nothing() -> pw.Expression:
    return pw.Value(False)


def _any_of(*terms: pw.Expression | None) -> pw.Expression:
    condition: pw.Expression = pw.Value(False)
    for term in terms:
        if term is not None:
            condition = condition | term
    return condition


def _ids(values: frozenset[int]) -> list[int]:
    return sorted(values)


def community_ids(principal: Principal) -> pw.ModelSelect | None:
    """The ids of the communities visible to ``principal``, as a sub-select."""
    condition = communities(principal)
    return None if condition is None else Community.select(Community.id).where(condition)


def _streets_of_jurisdictions(principal: Principal) -> pw.ModelSelect | None:
    """The ids of the streets of the principal's jurisdictions, as a sub-select."""
    if not principal.jurisdiction_ids:
        return None
    return Street.select(Street.id).where(Street.jurisdiction.in_(_ids(principal.jurisdiction_ids)))


def jurisdictions(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    holding = streets(principal)
    return _any_of(
        Jurisdiction.id.in_(_ids(principal.jurisdiction_ids)) if principal.jurisdiction_ids else None,
        Jurisdiction.id.in_(Street.select(Street.jurisdiction).where(holding)) if holding is not None else None,
    )


def policies(principal: Principal) -> Condition:
    """Policies of the visible jurisdictions and of every one above them: a
    county paid under its city's policy reads that policy, not a neighbour's."""
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    # The visible jurisdictions and their ancestors, walked up by a recursive
    # query (nested sub-selects, one per level, overflow SQLite's parser).
    visible = (Jurisdiction.select(Jurisdiction.id, Jurisdiction.parent).where(jurisdictions(principal))
               .cte("visible_and_above", recursive=True, columns=("id", "parent")))
    above = Jurisdiction.alias()
    walk = visible.union(above.select(above.id, above.parent).join(visible, on=(above.id == visible.c.parent)))
    return Policy.jurisdiction.in_(walk.select_from(walk.c.id))


def streets(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    holding = (Street.id.in_(Community.select(Community.street).where(Community.id.in_(_ids(principal.community_ids))))
               if principal.community_ids else None)
    return _any_of(
        Street.jurisdiction.in_(_ids(principal.jurisdiction_ids)) if principal.jurisdiction_ids else None,
        Street.id.in_(_ids(principal.street_ids)) if principal.street_ids else None,
        holding,
    )


def whole_streets(principal: Principal) -> Condition:
    """Streets the principal holds entirely (to change the street itself, add
    communities to it or run its payroll)."""
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    return _any_of(
        Street.jurisdiction.in_(_ids(principal.jurisdiction_ids)) if principal.jurisdiction_ids else None,
        Street.id.in_(_ids(principal.street_ids)) if principal.street_ids else None,
    )


def whole_jurisdictions(principal: Principal) -> Condition:
    """Jurisdictions the principal holds entirely (to run a whole jurisdiction's
    payroll, add streets to it, publish its policies)."""
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    return Jurisdiction.id.in_(_ids(principal.jurisdiction_ids)) if principal.jurisdiction_ids else _nothing()


def _in_places(principal: Principal, street: pw.Field, community: pw.Field) -> Condition:
    """Rows whose ``street`` and ``community`` columns place them in the
    restricted principal's jurisdictions, streets or communities."""
    of_jurisdictions = _streets_of_jurisdictions(principal)
    return _any_of(
        street.in_(of_jurisdictions) if of_jurisdictions is not None else None,
        street.in_(_ids(principal.street_ids)) if principal.street_ids else None,
        community.in_(_ids(principal.community_ids)) if principal.community_ids else None,
    )


def communities(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    return _in_places(principal, Community.street, Community.id)


def workers(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return Worker.id == principal.worker_id
    visible = community_ids(principal)
    return None if visible is None else Worker.community.in_(visible)


def positions(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return _nothing()
    visible = community_ids(principal)
    return None if visible is None else Position.community.in_(visible)


def assessments(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return Assessment.worker == principal.worker_id
    visible = workers(principal)
    return None if visible is None else Assessment.worker.in_(Worker.select(Worker.id).where(visible))


def tax_choices(principal: Principal) -> Condition:
    visible = workers(principal)
    return None if visible is None else WorkerTaxChoice.worker.in_(Worker.select(Worker.id).where(visible))


def payslips(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        released = PayrollRun.select(PayrollRun.id).where(PayrollRun.status.in_(list(RELEASED_TO_WORKERS)))
        return (Payslip.worker == principal.worker_id) & Payslip.run.in_(released)
    if not principal.restricted:
        return None
    return _in_places(principal, Payslip.street, Payslip.community)


def runs(principal: Principal) -> Condition:
    if principal.worker_id is not None:
        return _nothing()
    if not principal.restricted:
        return None
    of_jurisdictions = _streets_of_jurisdictions(principal)
    return _any_of(
        PayrollRun.jurisdiction.in_(_ids(principal.jurisdiction_ids)) if principal.jurisdiction_ids else None,
        # A county paid under its city's policy: its streets' runs are the city's, yet its own.
        (PayrollRun.scope_type.in_(["STREET", "COMMUNITY"]) & PayrollRun.street.in_(of_jurisdictions))
        if of_jurisdictions is not None else None,
        (PayrollRun.scope_type.in_(["STREET", "COMMUNITY"]) & PayrollRun.street.in_(_ids(principal.street_ids)))
        if principal.street_ids else None,
        PayrollRun.community.in_(_ids(principal.community_ids)) if principal.community_ids else None,
    )


#: The condition of each model's rows (the read layer finds a table's condition here).
BY_MODEL: dict[type[pw.Model], Callable[[Principal], Condition]] = {
    Jurisdiction: jurisdictions,
    Street: streets,
    Community: communities,
    Worker: workers,
    Position: positions,
    Assessment: assessments,
    WorkerTaxChoice: tax_choices,
    Payslip: payslips,
    PayrollRun: runs,
    Policy: policies,
}


def restrict(query: pw.ModelSelect, model: type[pw.Model], principal: Principal) -> pw.ModelSelect:
    """``query`` (over ``model``'s table) limited to the rows ``principal`` may see."""
    condition = BY_MODEL[model](principal)
    return query if condition is None else query.where(condition)
