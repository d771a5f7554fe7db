"""Staffing (salary-model.md §11) and budget (§12) over a scope, from the database.

A report covers a jurisdiction (with those below it), a street, a community,
or — when none is given — everything the caller may see: the whole province
or city for an unrestricted token, a scoped token's own jurisdictions,
streets and communities otherwise (:func:`report_scope`).  Each community is
computed under the policy in force for its jurisdiction, so a province-wide
report mixes the cities' own figures (:func:`policy_groups`).  Active
workers are counted with one grouped query; the budget loads each policy's
workers once and runs the engine over the whole year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import peewee as pw

from payroll.budget import BudgetRow, annual_employer_cost, budget_rows, check_base_income_growth
from payroll.codes import CHIEF_POST, DEPUTY_POST
from payroll.money import MoneyFormatError
from payroll.policy import Policy, PolicyVersion
from payroll.staffing import CommunityInput, StaffingRow, staffing_rows, standard_required

from api.access import scopes
from api.access.principal import Principal
from api.db.jurisdictions import JurisdictionTree
from api.db.models import Community, Jurisdiction, PayrollRun, Street, Worker
from api.db.models import Policy as PolicyRecord
from api.errors import BadRequest, ErrorCode, NotFound, UserErrors
from api.reads.policies import policy_from_record
from api.reads.population import Scope, load_workers, workers_query


def report_scope(principal: Principal, street_id: int | None, community_id: int | None,
                 argument: str = "scope", jurisdiction_id: int | None = None) -> Scope:
    """The jurisdiction (with those below it), street or community a report
    asks for, if the caller may see it (NOT_FOUND naming it as missing
    otherwise — the same for a missing one); without one, everything, which
    :func:`scoped_communities` narrows to the caller's scope."""
    if sum(x is not None for x in (street_id, community_id, jurisdiction_id)) > 1:
        raise BadRequest(f"{argument}：只能给出辖区、街道或社区之一 / {argument}: give a jurisdiction, a street or a "
                         "community, not several")
    for model, pk, kind, field in ((Street, street_id, "STREET", "streetId"),
                                   (Community, community_id, "COMMUNITY", "communityId"),
                                   (Jurisdiction, jurisdiction_id, "CITY", "jurisdictionId")):
        if pk is None:
            continue
        query = model.select(model.id).where(model.id == pk)
        condition = scopes.BY_MODEL[model](principal)
        if not (query.where(condition) if condition is not None else query).exists():
            zh, en = {Street: ("街道", "street"), Community: ("社区", "community"),
                      Jurisdiction: ("辖区", "jurisdiction")}[model]
            raise NotFound(f"{argument}.{field}：{zh} {pk} 不存在 / {argument}.{field}: {en} {pk} does not exist")
        if kind == "STREET":
            return Scope(kind, street_id=pk)
        if kind == "COMMUNITY":
            return Scope(kind, community_id=pk)
        return Scope(kind, jurisdiction_id=pk, jurisdictions=JurisdictionTree.load().descendants({pk}))
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


@dataclass(frozen=True)
class PolicyGroup:
    """Communities of a report paid under one policy: their positions in the report's list."""

    record: PolicyRecord
    policy: Policy
    positions: np.ndarray


def jurisdictions_of(communities: list[Community]) -> np.ndarray:
    """Each community's jurisdiction (its street's)."""
    street_ids = sorted({c.street_id for c in communities})
    of_street = dict(Street.select(Street.id, Street.jurisdiction).where(Street.id.in_(street_ids)).tuples())
    return np.array([of_street[c.street_id] for c in communities], dtype=np.int64)


def policy_groups(communities: list[Community]) -> list[PolicyGroup]:
    """The communities grouped by the policy in force for their jurisdiction;
    INVALID_STATE naming the jurisdictions no policy covers."""
    if not communities:
        return []
    tree = JurisdictionTree.load()
    jurisdictions = jurisdictions_of(communities)
    homes = np.array([tree.policy_home(j) or 0 for j in jurisdictions.tolist()], dtype=np.int64)
    if (homes == 0).any():
        names = sorted({j.name for j in Jurisdiction.select(Jurisdiction.name)
                        .where(Jurisdiction.id.in_(sorted(set(jurisdictions[homes == 0].tolist()))))})
        raise UserErrors.one(None, ErrorCode.INVALID_STATE, f"{'、'.join(names)}没有适用的薪酬政策：请先导入并启用政策 / "
                                                            f"no policy is in force for {', '.join(names)}: import and "
                                                            "activate one first")
    records = {r.jurisdiction_id: r for r in PolicyRecord.select().where(
        PolicyRecord.jurisdiction.in_(sorted(set(homes.tolist()))) & (PolicyRecord.active == True))}  # noqa: E712
    return [PolicyGroup(records[home], policy_from_record(records[home]), np.flatnonzero(homes == home))
            for home in sorted(records)]


def _version_on(policy: Policy, day: dt.date, field: str) -> PolicyVersion:
    try:
        return policy.version_on(day)
    except LookupError as exc:
        raise UserErrors.one(field, ErrorCode.INVALID, str(exc)) from None


def staffing(principal: Principal, scope: Scope, day: dt.date
             ) -> tuple[list[Community], list[StaffingRow], list[PolicyVersion]]:
    """Each community's staffing under its jurisdiction's policy, and the
    policy versions used (one per policy in the report)."""
    communities = scoped_communities(principal, scope)
    chief, deputy, staff = active_counts(communities, day)
    rows: list[StaffingRow | None] = [None] * len(communities)
    versions = []
    for group in policy_groups(communities):
        version = _version_on(group.policy, day, "date")
        versions.append(version)
        at = group.positions
        computed = staffing_rows(version, _inputs([communities[i] for i in at.tolist()]), chief[at], deputy[at],
                                 staff[at])
        for i, row in zip(at.tolist(), computed):
            rows[i] = row
    return communities, rows, versions


def effective_from(versions: list[PolicyVersion]) -> dt.date | None:
    """The effective date of the policy version a report used (None when it
    used several: jurisdictions with policies of their own)."""
    dates = {v.effective_from for v in versions}
    return dates.pop() if len(dates) == 1 else None


@dataclass(frozen=True)
class JurisdictionStaffing:
    """A jurisdiction's staffing: required by the standard per 10,000 urban
    residents where its policy sets one (the figure that standard sets
    city-wide), required as the sum of its communities', active workers and
    the gap (positive: shortage) against the standard, else the sum."""

    jurisdiction: Jurisdiction
    population: int
    required_by_standard: int | None
    required_by_communities: int
    actual: int

    @property
    def required(self) -> int:
        return self.required_by_standard if self.required_by_standard is not None else self.required_by_communities

    @property
    def gap(self) -> int:
        return self.required - self.actual


def jurisdiction_staffing(principal: Principal, scope: Scope, day: dt.date) -> list[JurisdictionStaffing]:
    """Staffing per jurisdiction (each community's own), by code: population as
    recorded for the jurisdiction, else the sum of its communities' residents."""
    communities, rows, _ = staffing(principal, scope, day)
    if not communities:
        return []
    jurisdictions = jurisdictions_of(communities)
    tree = JurisdictionTree.load()
    records = {j.id: j for j in Jurisdiction.select().where(Jurisdiction.id.in_(sorted(set(jurisdictions.tolist()))))}
    policies = {g.record.jurisdiction_id: g.policy for g in policy_groups(communities)}
    out = []
    for pk in sorted(records, key=lambda k: records[k].code):
        at = np.flatnonzero(jurisdictions == pk).tolist()
        record = records[pk]
        population = record.population if record.population is not None else sum(communities[i].population for i in at)
        version = _version_on(policies[tree.policy_home(pk)], day, "date")
        out.append(JurisdictionStaffing(record, population, standard_required(version, population),
                                        sum(rows[i].required for i in at), sum(rows[i].active for i in at)))
    return out


def budget(principal: Principal, scope: Scope, year: int, growth: int,
           progress: Callable[[int, int], None] | None = None) -> tuple[list[Community], list[BudgetRow]]:
    """The budget of §12 over ``scope``; ``growth`` (scaled 10^6) in the range
    of :func:`payroll.budget.check_base_income_growth`; ``progress(done, total)``
    follows the workers computed.  Each community's jurisdiction's policy
    applies, with the same growth."""
    try:
        check_base_income_growth(growth)
    except MoneyFormatError as exc:
        raise UserErrors.one("baseIncomeGrowth", ErrorCode.INVALID, str(exc.text.about("baseIncomeGrowth"))) from None
    communities = scoped_communities(principal, scope)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    chief, deputy, staff = active_counts(communities, first)
    rows: list[BudgetRow | None] = [None] * len(communities)
    for group in policy_groups(communities):
        scenario = group.policy.with_base_income_growth(growth)
        _version_on(scenario, first, "year")
        members = [communities[i] for i in group.positions.tolist()]
        workers_cost = np.zeros(len(members), dtype=np.int64)
        in_year = (Worker.service_start <= last) & (Worker.service_end.is_null() | (Worker.service_end >= first))
        query = workers_query(Scope("CITY"), in_year & Worker.community.in_([c.id for c in members]))
        loaded = load_workers(query, group.policy.post_keys, year)
        per_worker = annual_employer_cost(scenario, loaded.population, year, progress)
        index = {c.id: i for i, c in enumerate(members)}
        positions = np.array([index[c] for c in loaded.community_ids.tolist()], dtype=np.int64)
        np.add.at(workers_cost, positions, per_worker)
        at = group.positions
        computed = budget_rows(scenario, year, _inputs(members), workers_cost, chief[at], deputy[at], staff[at])
        for i, row in zip(at.tolist(), computed):
            rows[i] = row
    return communities, rows


@dataclass(frozen=True)
class JurisdictionMonthCost:
    """A month's payroll of a jurisdiction, from its runs (paid under its policy)."""

    jurisdiction_id: int
    period: str
    runs: int
    draft_runs: int
    payslips: int
    gross: int
    net: int
    employer_cost: int


def cost_by_jurisdiction(principal: Principal, year: int) -> list[JurisdictionMonthCost]:
    """Each jurisdiction's payroll by month of ``year`` (every run the caller
    may see, drafts included and counted apart), by jurisdiction code and month:
    one grouped query over the runs, whose totals are their payslips' sums."""
    condition = (PayrollRun.period >= f"{year:04d}-01") & (PayrollRun.period <= f"{year:04d}-12")
    visible = scopes.runs(principal)
    if visible is not None:
        condition = condition & visible
    rows = (PayrollRun.select(PayrollRun.jurisdiction, PayrollRun.period, pw.fn.COUNT(PayrollRun.id),
                              pw.fn.SUM(pw.Case(None, [(PayrollRun.status == "DRAFT", 1)], 0)),
                              pw.fn.SUM(PayrollRun.payslip_count), pw.fn.SUM(PayrollRun.gross),
                              pw.fn.SUM(PayrollRun.net), pw.fn.SUM(PayrollRun.employer_cost))
            .join(Jurisdiction, on=(PayrollRun.jurisdiction == Jurisdiction.id))
            .where(condition)
            .group_by(PayrollRun.jurisdiction, Jurisdiction.code, PayrollRun.period)
            .order_by(Jurisdiction.code, PayrollRun.period)
            .tuples())
    return [JurisdictionMonthCost(j, period, int(runs), int(drafts), *(int(v) for v in sums))
            for j, period, runs, drafts, *sums in rows]
