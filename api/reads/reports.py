"""Staffing (salary-model.md §11) and budget (§12) over a scope, from the database.

A report covers a street, a community, or — when none is given — everything
the caller may see: the whole city for an unrestricted token, an HR token's
own streets and communities otherwise (:func:`report_scope`).  Active workers
are counted with one grouped query; the budget loads the scope's workers once
and runs the engine over the whole year.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np
import peewee as pw

from payroll.budget import BudgetRow, annual_employer_cost, budget_rows, check_base_income_growth
from payroll.codes import CHIEF_POST, DEPUTY_POST
from payroll.money import MoneyFormatError
from payroll.staffing import CommunityInput, StaffingRow, staffing_rows

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Community, Street, Worker
from api.errors import BadRequest, ErrorCode, NotFound, UserErrors
from api.reads.policies import require_active_policy
from api.reads.population import Scope, load_workers, workers_query


def report_scope(principal: Principal, street_id: int | None, community_id: int | None,
                 argument: str = "scope") -> Scope:
    """The street or community a report asks for, if the caller may see it
    (BAD_USER_INPUT naming it as missing otherwise — the same for a missing
    one); without one, the city, which :func:`scoped_communities` narrows to
    the caller's scope."""
    if street_id is not None and community_id is not None:
        raise BadRequest(f"{argument}：只能给出街道或社区之一 / {argument}: give a street or a community, not both")
    for model, pk, kind, field in ((Street, street_id, "STREET", "streetId"),
                                   (Community, community_id, "COMMUNITY", "communityId")):
        if pk is None:
            continue
        query = model.select(model.id).where(model.id == pk)
        condition = scopes.BY_MODEL[model](principal)
        if not (query.where(condition) if condition is not None else query).exists():
            zh, en = ("街道", "street") if model is Street else ("社区", "community")
            raise NotFound(f"{argument}.{field}：{zh} {pk} 不存在 / {argument}.{field}: {en} {pk} does not exist")
        return Scope(kind, street_id=pk) if kind == "STREET" else Scope(kind, community_id=pk)
    return Scope("CITY")


def scoped_communities(principal: Principal, scope: Scope) -> list[Community]:
    """The communities of ``scope`` the principal may see, by code."""
    query = Community.select()
    for condition in (scope.condition(), scopes.communities(principal)):
        if condition is not None:
            query = query.where(condition)
    return list(query.order_by(Community.code))


def active_counts(communities: list[Community], day: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chief, deputy and other workers in service on ``day``, per community."""
    index = {c.id: i for i, c in enumerate(communities)}
    counts = np.zeros((3, len(communities)), dtype=np.int64)
    if not communities:
        return counts[0], counts[1], counts[2]
    rows = (
        # COUNT(*): every column read is in the (community, post, service_start,
        # service_end) index, so PostgreSQL need not visit the table.
        Worker.select(Worker.community, Worker.post, pw.fn.COUNT(pw.SQL("*")))
        .where(
            Worker.community.in_(list(index))
            & (Worker.service_start <= day)
            & (Worker.service_end.is_null() | (Worker.service_end >= day))
        )
        .group_by(Worker.community, Worker.post)
        .tuples()
    )
    for community_id, post, count in rows:
        kind = 0 if post == CHIEF_POST else 1 if post == DEPUTY_POST else 2
        counts[kind, index[community_id]] += count
    return counts[0], counts[1], counts[2]


def _inputs(communities: list[Community]) -> list[CommunityInput]:
    return [CommunityInput(c.code, c.name, None, c.households, c.population) for c in communities]


def staffing(principal: Principal, scope: Scope, day: dt.date) -> tuple[list[Community], list[StaffingRow], object]:
    _, policy = require_active_policy()
    try:
        version = policy.version_on(day)
    except LookupError as exc:
        raise UserErrors.one("date", ErrorCode.INVALID, str(exc)) from None
    communities = scoped_communities(principal, scope)
    chief, deputy, staff = active_counts(communities, day)
    return communities, staffing_rows(version, _inputs(communities), chief, deputy, staff), version


def budget(principal: Principal, scope: Scope, year: int, growth: int,
           progress: Callable[[int, int], None] | None = None) -> tuple[list[Community], list[BudgetRow]]:
    """The budget of §12 over ``scope``; ``growth`` (scaled 10^6) in the range
    of :func:`payroll.budget.check_base_income_growth`; ``progress(done, total)``
    follows the workers computed."""
    _, policy = require_active_policy()
    try:
        check_base_income_growth(growth)
    except MoneyFormatError as exc:
        raise UserErrors.one("baseIncomeGrowth", ErrorCode.INVALID, str(exc.text.about("baseIncomeGrowth"))) from None
    scenario = policy.with_base_income_growth(growth)
    try:
        scenario.version_on(dt.date(year, 1, 1))
    except LookupError as exc:
        raise UserErrors.one("year", ErrorCode.INVALID, str(exc)) from None
    communities = scoped_communities(principal, scope)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    workers_cost = np.zeros(len(communities), dtype=np.int64)
    if communities:
        in_year = (Worker.service_start <= last) & (Worker.service_end.is_null() | (Worker.service_end >= first))
        query = workers_query(Scope("CITY"), in_year & Worker.community.in_([c.id for c in communities]))
        loaded = load_workers(query, policy.post_keys, year)
        per_worker = annual_employer_cost(scenario, loaded.population, year, progress)
        index = {c.id: i for i, c in enumerate(communities)}
        positions = np.array([index[c] for c in loaded.community_ids.tolist()], dtype=np.int64)
        np.add.at(workers_cost, positions, per_worker)
    chief, deputy, staff = active_counts(communities, first)
    return communities, budget_rows(scenario, year, _inputs(communities), workers_cost, chief, deputy, staff)
