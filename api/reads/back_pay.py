"""What the next run will pay back or take back (§13), before it is created:
who, how much and for which months, by street and community.

The month is computed exactly as :func:`api.services.payroll.create_run`
computes it (:func:`api.reads.months.compute_scope_month`), without writing,
over the scope the caller asks for and may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from payroll.corrections import BackPayMonth
from payroll.periods import Period

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Community, Street, Worker
from api.errors import BadRequest, UserErrors
from api.reads.months import compute_scope_month
from api.reads.policies import require_active_policy
from api.reads.reports import policy_groups, report_scope, scoped_communities


@dataclass(frozen=True)
class WorkerBackPay:
    worker_id: int
    code: str
    name: str
    community_id: int
    street_id: int
    amount: int
    months: tuple[BackPayMonth, ...]


@dataclass
class GroupBackPay:
    street_id: int
    community_id: int | None
    workers: int = 0
    paid_back: int = 0  # 补发, positive amounts
    taken_back: int = 0  # 补扣, negative amounts

    @property
    def total(self) -> int:
        return self.paid_back + self.taken_back


@dataclass
class BackPayPreview:
    period: Period
    policy_effective_from: object
    workers: list[WorkerBackPay]
    streets: list[GroupBackPay] = field(default_factory=list)
    communities: list[GroupBackPay] = field(default_factory=list)


def preview(principal: Principal, period: Period, street_id: int | None, community_id: int | None,
            jurisdiction_id: int | None = None) -> BackPayPreview:
    """The back pay the run of ``period`` over the scope would carry (a scope
    under one policy: a jurisdiction, a street or a community)."""
    scope = report_scope(principal, street_id, community_id, jurisdiction_id=jurisdiction_id)
    try:
        groups = policy_groups(scoped_communities(principal, scope))
        if len(groups) > 1:
            raise BadRequest("scope：范围内的辖区各有政策，请按辖区预览 / scope: the jurisdictions of the scope have "
                             "policies of their own; preview one jurisdiction at a time")
        record, policy = (groups[0].record, groups[0].policy) if groups else require_active_policy()
        version = policy.version_for(period)
    except (UserErrors, LookupError) as exc:
        raise BadRequest(str(exc)) from None
    visible = scopes.workers(principal)
    try:
        month = compute_scope_month(scope, period, record, policy, check_order=False, visible=visible)
    except UserErrors as exc:
        raise BadRequest(str(exc)) from None
    loaded, back_pay = month.loaded, month.result.back_pay
    owed = np.flatnonzero(back_pay != 0)
    ids = loaded.worker_ids[owed].tolist()
    names = dict(Worker.select(Worker.id, Worker.name).where(Worker.id.in_(ids)).tuples()) if ids else {}
    workers = [
        WorkerBackPay(int(loaded.worker_ids[i]), str(loaded.population.ids[i]), names.get(int(loaded.worker_ids[i]), ""),
                      int(loaded.community_ids[i]), int(loaded.street_ids[i]), int(back_pay[i]),
                      month.back_pay_detail.months_of(int(i)))
        for i in owed.tolist()
    ]
    streets: dict[int, GroupBackPay] = {}
    communities: dict[int, GroupBackPay] = {}
    for w in workers:
        for group in (streets.setdefault(w.street_id, GroupBackPay(w.street_id, None)),
                      communities.setdefault(w.community_id, GroupBackPay(w.street_id, w.community_id))):
            group.workers += 1
            if w.amount > 0:
                group.paid_back += w.amount
            else:
                group.taken_back += w.amount
    street_codes = dict(Street.select(Street.id, Street.code).tuples())
    community_codes = dict(Community.select(Community.id, Community.code).tuples())
    workers.sort(key=lambda w: (street_codes.get(w.street_id, ""), community_codes.get(w.community_id, ""), w.code))
    return BackPayPreview(
        period=period,
        policy_effective_from=version.effective_from,
        workers=workers,
        streets=sorted(streets.values(), key=lambda g: street_codes.get(g.street_id, "")),
        communities=sorted(communities.values(), key=lambda g: community_codes.get(g.community_id, "")),
    )
