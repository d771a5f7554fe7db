"""Staffing (salary-model.md §11) and budget (§12) over a scope, from the database.

Active workers are counted with one grouped query; the budget loads the
scope's workers once and runs the engine over the whole year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import peewee as pw

from payroll.budget import BudgetRow, annual_employer_cost, budget_rows
from payroll.codes import CHIEF_POST, DEPUTY_POST
from payroll.staffing import CommunityInput, StaffingRow, staffing_rows

from api.auth import Principal
from api.errors import ErrorCode, UserErrors
from api.db.models import Community, Worker
from api.services.policies import require_active_policy
from api.services.population import Scope, load_workers, workers_query


def scoped_communities(principal: Principal, scope: Scope) -> list[Community]:
    query = Community.select()
    condition = scope.condition()
    if condition is not None:
        query = query.where(condition)
    visible = principal.community_filter(Community)
    if visible is not None:
        query = query.where(visible)
    return list(query.order_by(Community.code))


def active_counts(communities: list[Community], day: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chief, deputy and other workers in service on ``day``, per community."""
    index = {c.id: i for i, c in enumerate(communities)}
    counts = np.zeros((3, len(communities)), dtype=np.int64)
    if not communities:
        return counts[0], counts[1], counts[2]
    rows = (
        Worker.select(Worker.community, Worker.post, pw.fn.COUNT(Worker.id))
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


def budget(principal: Principal, scope: Scope, year: int, growth: int) -> tuple[list[Community], list[BudgetRow]]:
    _, policy = require_active_policy()
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
        per_worker = annual_employer_cost(scenario, loaded.population, year)
        index = {c.id: i for i, c in enumerate(communities)}
        positions = np.array([index[c] for c in loaded.community_ids.tolist()], dtype=np.int64)
        np.add.at(workers_cost, positions, per_worker)
    chief, deputy, staff = active_counts(communities, first)
    return communities, budget_rows(scenario, year, _inputs(communities), workers_cost, chief, deputy, staff)
