"""Staffing (职数) and budget (年度预算) over the city, a street or a community."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as DecimalValue
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from payroll.money import MoneyFormatError, parse_rate

from api.db.threads import run_db
from api.errors import BadRequest, UserErrors
from api.services import reports
from api.services.payroll import resolve_scope
from api.graphql.core.ids import from_global_id
from api.graphql.core.scalars import Decimal, Money

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.streets import Street


@strawberry.input(description="范围：不填为全市（或令牌范围）/ A scope: a street or a community; neither means the city "
                              "(for HR tokens: everything in their scope).")
class ScopeInput:
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道 / A street, e.g. `Street:1`.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区（不与街道同时给出）/ A community; "
                                                                                    "not together with a street.")


@strawberry.type(description="一个社区的职数 / Staffing of one community (salary-model.md §11).")
class StaffingRow:
    required: int = strawberry.field(description="应配职数 / Workers the community should have.")
    chief_required: int = strawberry.field(description="应配正职 / Chiefs required.")
    deputy_required: int = strawberry.field(description="应配副职 / Deputies required.")
    staff_required: int = strawberry.field(description="应配其他工作者 / Other staff required.")
    chief_actual: int = strawberry.field(description="实有正职 / Chiefs in service.")
    deputy_actual: int = strawberry.field(description="实有副职 / Deputies in service.")
    staff_actual: int = strawberry.field(description="实有其他工作者 / Other staff in service.")
    gap: int = strawberry.field(description="缺口（正数缺员，负数超编）/ Required minus actual: positive is a shortage.")
    grids: int | None = strawberry.field(description="网格数 / Grids (网格).")
    residents_per_worker: str | None = strawberry.field(description="人均服务居民（一位小数）/ Residents per worker, one "
                                                                    "decimal.")
    community_pk: strawberry.Private[int]

    @strawberry.field(description="社区 / The community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")]:
        return await info.context.loaders.community.load(self.community_pk)


@strawberry.type(description="职数合计 / Staffing totals.")
class StaffingTotals:
    required: int = strawberry.field(description="应配职数合计 / Workers required, all communities.")
    actual: int = strawberry.field(description="在岗人数合计 / Workers in service on the date.")
    gap: int = strawberry.field(description="净缺口（应配 − 在岗，超编抵消缺员）/ Required minus actual; surpluses offset "
                                            "shortages.")
    shortage: int = strawberry.field(description="缺员合计（各社区正缺口之和）/ Sum of the positive gaps.")
    communities_short: int = strawberry.field(description="缺员社区数 / Communities with a shortage.")


@strawberry.type(description="职数测算 / Staffing of the communities of a scope on a date.")
class StaffingReport:
    date: dt.date = strawberry.field(description="测算日期 / The date staffing is measured on.")
    policy_effective_from: dt.date = strawberry.field(description="所用政策版本生效日期 / Effective date of the policy "
                                                                  "version in force on the date.")
    rows: list[StaffingRow] = strawberry.field(description="各社区 / One row per community.")
    totals: StaffingTotals = strawberry.field(description="合计 / Totals over the rows.")


@strawberry.type(description="预算空缺数 / Vacancies priced in the budget.")
class Vacancies:
    chief: int = strawberry.field(description="正职空缺 / Chief posts vacant.")
    deputy: int = strawberry.field(description="副职空缺 / Deputy posts vacant.")
    staff: int = strawberry.field(description="其他工作者空缺 / Other staff posts vacant.")


@strawberry.type(description="一个社区的年度预算 / A community's budget for the year (salary-model.md §12).")
class BudgetRow:
    year: int = strawberry.field(description="预算年度 / The budget year.")
    workers_cost: Money = strawberry.field(description="在岗人员成本 / Employer cost of the workers, month by month.")
    vacancy_cost: Money = strawberry.field(description="空缺岗位成本 / Cost of the staffing gaps on 1 January.")
    funds: Money = strawberry.field(description="服务群众专项经费+党建工作经费 / Community funds.")
    total: Money = strawberry.field(description="合计 = 人员 + 空缺 + 经费 / Total: workers + vacancies + funds.")
    vacancies: Vacancies = strawberry.field(description="1月1日的空缺数（按岗位）/ Vacancies on 1 January by post, as "
                                                        "priced in vacancyCost.")
    community_pk: strawberry.Private[int]

    @strawberry.field(description="社区 / The community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")]:
        return await info.context.loaders.community.load(self.community_pk)


@strawberry.type(description="街道预算合计 / A street's budget (sum of its communities).")
class BudgetStreetTotal:
    workers_cost: Money = strawberry.field(description="在岗人员成本 / Employer cost of the workers.")
    vacancy_cost: Money = strawberry.field(description="空缺岗位成本 / Cost of the staffing gaps on 1 January.")
    funds: Money = strawberry.field(description="服务群众专项经费+党建工作经费 / Community funds.")
    total: Money = strawberry.field(description="合计 = 人员 + 空缺 + 经费 / Total: workers + vacancies + funds.")
    street_pk: strawberry.Private[int]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(".streets")]:
        return await info.context.loaders.street.load(self.street_pk)


@strawberry.type(description="预算合计 / Budget totals.")
class BudgetTotals:
    workers_cost: Money = strawberry.field(description="在岗人员成本 / Employer cost of the workers.")
    vacancy_cost: Money = strawberry.field(description="空缺岗位成本 / Cost of the staffing gaps on 1 January.")
    funds: Money = strawberry.field(description="服务群众专项经费+党建工作经费 / Community funds.")
    total: Money = strawberry.field(description="合计 = 人员 + 空缺 + 经费 / Total: workers + vacancies + funds.")


@strawberry.type(description="年度预算 / The budget of a scope for a year.")
class BudgetReport:
    year: int = strawberry.field(description="预算年度 / The budget year.")
    base_income_growth: Decimal = strawberry.field(description="情景：基数增长率 / Scenario growth of base income.")
    rows: list[BudgetRow] = strawberry.field(description="各社区 / One row per community.")
    streets: list[BudgetStreetTotal] = strawberry.field(description="各街道合计 / One total per street.")
    totals: BudgetTotals = strawberry.field(description="总计 / Totals over all rows.")


def _scope_ids(scope: ScopeInput | None) -> tuple[int | None, int | None]:
    if scope is None:
        return None, None
    street = from_global_id(scope.street_id, "Street", "scope.streetId") if scope.street_id else None
    community = from_global_id(scope.community_id, "Community", "scope.communityId") if scope.community_id else None
    return street, community


def _scope(principal, street, community, action):
    """The requested scope; without one, HR tokens get their own scope."""
    from api.services.population import Scope

    if street is None and community is None and principal.scoped:
        return Scope("CITY")  # narrowed to the token's communities by the query itself
    try:
        scope, _ = resolve_scope(principal, street, community, action)
    except UserErrors as exc:
        raise BadRequest(str(exc)) from None
    return scope


_SCOPE_ARGUMENT = "范围：街道或社区；不填为全市（人事令牌为其范围）/ A street or a community; the city when omitted " \
                  "(for HR tokens: their scope)."


@strawberry.type
class ReportQueries:
    @strawberry.field(description="职数测算 / Staffing: required and actual workers per community on a date.")
    async def staffing(
        self,
        info: Info,
        date: Annotated[dt.date, strawberry.argument(description="测算日期，如 2026-11-01 / The date, e.g. 2026-11-01.")],
        scope: Annotated[ScopeInput | None, strawberry.argument(description=_SCOPE_ARGUMENT)] = None,
    ) -> StaffingReport:
        principal = info.context.principal
        street, community = _scope_ids(scope)

        def compute() -> StaffingReport:
            target = _scope(principal, street, community, "staffing")
            try:
                communities, rows, version = reports.staffing(principal, target, date)
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            out = [
                StaffingRow(
                    required=r.required, chief_required=r.chief_required, deputy_required=r.deputy_required,
                    staff_required=r.staff_required, chief_actual=r.chief_actual, deputy_actual=r.deputy_actual,
                    staff_actual=r.staff_actual, gap=r.gap, grids=r.grids,
                    residents_per_worker=r.residents_per_worker or None, community_pk=c.id,
                )
                for c, r in zip(communities, rows)
            ]
            return StaffingReport(
                date=date,
                policy_effective_from=version.effective_from,
                rows=out,
                totals=StaffingTotals(
                    required=sum(r.required for r in rows),
                    actual=sum(r.active for r in rows),
                    gap=sum(r.gap for r in rows),
                    shortage=sum(max(r.gap, 0) for r in rows),
                    communities_short=sum(1 for r in rows if r.gap > 0),
                ),
            )

        return await run_db(compute)

    @strawberry.field(description="年度预算（可设基数增长情景）/ The year's budget: workers, vacancies and funds, with an "
                                  "optional growth scenario for the base income (e.g. \"0.05\").")
    async def budget(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(description="预算年度（1990–2100）/ The year (1990–2100).")],
        scope: Annotated[ScopeInput | None, strawberry.argument(description=_SCOPE_ARGUMENT)] = None,
        base_income_growth: Annotated[
            Decimal | None,
            strawberry.argument(description="基数增长率情景，如 \"0.05\"（大于 -1，至多 10；不填为 0）/ Scenario growth of "
                                            "the base income, e.g. \"0.05\" for 5% (above -1, at most 10; 0 when omitted)."),
        ] = None,
    ) -> BudgetReport:
        principal = info.context.principal
        street, community = _scope_ids(scope)
        growth_text = str(base_income_growth) if base_income_growth is not None else "0"
        try:
            growth = parse_rate(growth_text)
        except MoneyFormatError as exc:
            raise BadRequest(f"baseIncomeGrowth: {exc}") from None
        if growth <= -1_000_000 or growth > 10_000_000:
            raise BadRequest("baseIncomeGrowth: must be above -1 and at most 10")
        if not 1990 <= year <= 2100:
            raise BadRequest(f"year: {year} is out of range")

        def compute() -> BudgetReport:
            target = _scope(principal, street, community, "budget")
            try:
                communities, rows = reports.budget(principal, target, year, growth)
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            out = [
                BudgetRow(
                    year=year, workers_cost=r.workers_cost, vacancy_cost=r.vacancy_cost, funds=r.funds, total=r.total,
                    vacancies=Vacancies(chief=r.vacancies[0], deputy=r.vacancies[1], staff=r.vacancies[2]),
                    community_pk=c.id,
                )
                for c, r in zip(communities, rows)
            ]
            by_street: dict[int, list] = {}
            for c, r in zip(communities, rows):
                by_street.setdefault(c.street_id, []).append(r)
            return BudgetReport(
                year=year,
                base_income_growth=DecimalValue(growth_text),
                rows=out,
                streets=[
                    BudgetStreetTotal(
                        workers_cost=sum(r.workers_cost for r in group),
                        vacancy_cost=sum(r.vacancy_cost for r in group),
                        funds=sum(r.funds for r in group),
                        total=sum(r.total for r in group),
                        street_pk=street_id,
                    )
                    for street_id, group in by_street.items()
                ],
                totals=BudgetTotals(
                    workers_cost=sum(r.workers_cost for r in rows),
                    vacancy_cost=sum(r.vacancy_cost for r in rows),
                    funds=sum(r.funds for r in rows),
                    total=sum(r.total for r in rows),
                ),
            )

        return await run_db(compute)
