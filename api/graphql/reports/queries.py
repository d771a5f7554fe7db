"""Report queries: staffing, budget, the conversion and policy comparison.

A report covers a street or community the caller may see, or — without one —
everything it may see (:func:`api.reads.reports.report_scope`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as DecimalValue
from typing import Annotated, Any, Callable, TypeVar

import strawberry
from strawberry.types import Info

from payroll.budget import parse_base_income_growth
from payroll.money import MoneyFormatError

from api.access.permissions import Permission
from api.access.principal import Principal
from api.db.threads import run_db
from api.errors import BadRequest, UserErrors
from api.files.urls import conversion_xlsx_path
from api.graphql.core.ids import from_global_id, optional_global_id
from api.graphql.core.permissions import needs
from api.graphql.core.scalars import Decimal, Period
from api.graphql.core.types import ScopeInput
from api.graphql.policies.types import Policy, PolicyVersion
from api.graphql.reports.types import (
    BudgetReport,
    BudgetRow,
    BudgetStreetTotal,
    BudgetTotals,
    ConversionReport,
    ConversionTotals,
    JurisdictionMonthCost,
    JurisdictionStaffing,
    PolicyChange,
    PolicyComparison,
    StaffingReport,
    StaffingRow,
    StaffingTotals,
    Vacancies,
    conversion_group,
)
from api.reads import conversion, policies, policy_comparison, reports
from api.reads.reports import report_scope

T = TypeVar("T")
READ = [needs(Permission.READ)]
_SCOPE_ARGUMENT = ("范围：辖区、街道或社区；不填为全部（限定范围的令牌为其范围）/ A jurisdiction, a street or a community; "
                   "everything when omitted (for tokens with a scope: their scope).")


def check_year(year: int) -> None:
    """A report's year: 1990 to 2100."""
    if not 1990 <= year <= 2100:
        raise BadRequest(f"year：{year} 不在 1990 至 2100 之间 / year: {year} is out of range (1990 to 2100)")


def _scope_ids(scope: ScopeInput | None) -> tuple[int | None, int | None, int | None]:
    """The street, community and jurisdiction ids a report's scope names."""
    if scope is None:
        return None, None, None
    return (optional_global_id(scope.street_id, "Street", "scope.streetId"),
            optional_global_id(scope.community_id, "Community", "scope.communityId"),
            optional_global_id(scope.jurisdiction_id, "Jurisdiction", "scope.jurisdictionId"))


def _read_report(principal: Principal, places: tuple[int | None, int | None, int | None],
                 read: Callable[..., T], *args: Any) -> T:
    """``read(principal, scope, *args)`` over the report's scope (:func:`_scope_ids`'s
    places; a place outside the caller's scope is not found), its refusals as
    BAD_USER_INPUT.  In the database thread."""
    street, community, jurisdiction = places
    target = report_scope(principal, street, community, jurisdiction_id=jurisdiction)
    try:
        return read(principal, target, *args)
    except UserErrors as exc:
        raise BadRequest(str(exc)) from None


@strawberry.type
class ReportQueries:
    @strawberry.field(permission_classes=READ, description="各辖区各月工资（省级汇总；按辖区代码、月份）/ Payroll by "
                                                           "jurisdiction and month of a year, from the runs the token "
                                                           "may see (drafts included and counted).")
    async def payroll_cost_by_jurisdiction(
        self, info: Info,
        year: Annotated[int, strawberry.argument(description="年度（1990–2100）/ The year (1990–2100).")],
    ) -> list[JurisdictionMonthCost]:
        check_year(year)
        rows = await run_db(reports.cost_by_jurisdiction, info.context.principal, year)
        return [JurisdictionMonthCost(period=r.period, runs=r.runs, draft_runs=r.draft_runs, payslip_count=r.payslips,
                                      gross=r.gross, net=r.net, employer_cost=r.employer_cost,
                                      jurisdiction_pk=r.jurisdiction_id) for r in rows]

    @strawberry.field(permission_classes=READ, description="各辖区职数（按每万城镇常住人口标准核对：应配、实有、缺口）/ "
                                                           "Staffing per jurisdiction on a date: required by the "
                                                           "standard per 10,000 urban residents and by its communities, "
                                                           "actual, gap.")
    async def jurisdiction_staffing(
        self, info: Info,
        date: Annotated[dt.date, strawberry.argument(description="测算日期 / The date.")],
        scope: Annotated[ScopeInput | None, strawberry.argument(description=_SCOPE_ARGUMENT)] = None,
    ) -> list[JurisdictionStaffing]:
        principal = info.context.principal
        places = _scope_ids(scope)

        def compute() -> list[JurisdictionStaffing]:
            rows = _read_report(principal, places, reports.jurisdiction_staffing, date)
            return [JurisdictionStaffing(population=r.population, required_by_standard=r.required_by_standard,
                                         required_by_communities=r.required_by_communities, required=r.required,
                                         actual=r.actual, gap=r.gap, jurisdiction_pk=r.jurisdiction.id) for r in rows]

        return await run_db(compute)

    @strawberry.field(permission_classes=READ, description="职数测算 / Staffing: required and actual workers per community on a date.")
    async def staffing(
        self,
        info: Info,
        date: Annotated[dt.date, strawberry.argument(description="测算日期，如 2026-11-01 / The date, e.g. 2026-11-01.")],
        scope: Annotated[ScopeInput | None, strawberry.argument(description=_SCOPE_ARGUMENT)] = None,
    ) -> StaffingReport:
        principal = info.context.principal
        places = _scope_ids(scope)

        def compute() -> StaffingReport:
            communities, rows, versions = _read_report(principal, places, reports.staffing, date)
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
                policy_effective_from=reports.effective_from(versions),
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

    @strawberry.field(permission_classes=READ, description="年度预算（可设基数增长情景）/ The year's budget: workers, vacancies and funds, with an "
                                  "optional growth scenario for the base income (e.g. \"0.05\").")
    async def budget(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(description="预算年度（1990–2100）/ The year (1990–2100).")],
        scope: Annotated[ScopeInput | None, strawberry.argument(description=_SCOPE_ARGUMENT)] = None,
        base_income_growth: Annotated[
            Decimal | None,
            strawberry.argument(description="基数增长率情景，小数，如 \"0.05\" 表示 5 %（-0.5 至 1；不填为 0）/ Scenario "
                                            "growth of the base income as a decimal, e.g. \"0.05\" for 5 % (from -0.5 "
                                            "to 1; 0 when omitted)."),
        ] = None,
    ) -> BudgetReport:
        principal = info.context.principal
        places = _scope_ids(scope)
        growth_text = str(base_income_growth) if base_income_growth is not None else "0"
        try:
            growth = parse_base_income_growth(growth_text)
        except MoneyFormatError as exc:
            raise BadRequest(str(exc.text.about("baseIncomeGrowth"))) from None
        check_year(year)

        def compute() -> BudgetReport:
            communities, rows = _read_report(principal, places, reports.budget, year, growth)
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

    @strawberry.field(permission_classes=READ, description="工资套改测算：范围内每名工作者的套改前工资、新岗位等级、新标准工资、差额和保留补差 / The "
                                  "conversion of a scope for a month: each worker's previous pay, new post and grade, "
                                  "new standard pay, difference and protection allowance; totals by community and "
                                  "street; who gains and who loses. Writes nothing.")
    async def conversion(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="套改月份 / The month of the conversion.")],
        scope: Annotated[ScopeInput | None, strawberry.argument(
            description="范围（不填为全市或令牌所辖街道）/ The scope; the city (or the token's streets) when omitted.")] = None,
    ) -> ConversionReport:
        principal = info.context.principal
        places = _scope_ids(scope)

        def compute() -> ConversionReport:
            result = _read_report(principal, places, conversion.conversion, period)
            return ConversionReport(
                period=period,
                policy_effective_from=result.version.effective_from,
                protects_previous_pay=result.protects_previous_pay,
                totals=ConversionTotals.of(result.total),
                streets=[conversion_group(g) for g in result.streets],
                communities=[conversion_group(g) for g in result.communities],
                xlsx=conversion_xlsx_path(str(period), scope.street_id if scope else None,
                                          scope.community_id if scope else None,
                                          scope.jurisdiction_id if scope else None),
                result=result,
                post_titles={key: post.title for key, post in result.version.posts.items()},
            )

        return await run_db(compute)

    @strawberry.field(permission_classes=READ, description="比较两个政策版本：变化的数据和年度成本 / Compare the versions of a policy in force on two "
                                  "dates: which figures changed (path, old and new value) and what the change costs "
                                  "over a scope for a year (default: the year of `to`).")
    async def policy_comparison(
        self,
        info: Info,
        from_: Annotated[dt.date, strawberry.argument(name="from", description="原版本有效的日期 / A date the old "
                                                                               "version is in force.")],
        to: Annotated[dt.date, strawberry.argument(description="新版本有效的日期 / A date the new version is in force.")],
        policy_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="政策（不填为现行政策）/ The policy; the active policy when omitted.")] = None,
        scope: Annotated[ScopeInput | None, strawberry.argument(
            description="成本测算范围（不填为全市）/ The scope of the cost; the city when omitted.")] = None,
        year: Annotated[int | None, strawberry.argument(
            description="成本测算年度（不填为 `to` 所在年度）/ The year costed; the year of `to` when omitted.")] = None,
    ) -> PolicyComparison:
        principal = info.context.principal
        pk = from_global_id(policy_id, "Policy", "policyId") if policy_id is not None else None
        street, community, jurisdiction = _scope_ids(scope)
        year = year if year is not None else to.year
        check_year(year)

        def compare() -> PolicyComparison:
            stored = policies.policy(principal, pk=pk, jurisdiction_pk=jurisdiction)
            if stored is None:
                raise BadRequest(f"policyId：政策 {policy_id} 不存在 / policyId: policy {policy_id} does not exist"
                                 if pk is not None else policies.why_no_policy(jurisdiction))
            policy = stored.policy
            report_scope(principal, street, community, jurisdiction_id=jurisdiction)  # refuse early
            try:
                old = policy_comparison.version_at(policy, from_, "from")
                new = policy_comparison.version_at(policy, to, "to")
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            return PolicyComparison(
                policy=Policy.of(stored),
                from_version=PolicyVersion.of(stored.id, old),
                to_version=PolicyVersion.of(stored.id, new),
                changes=[PolicyChange(path=c.path, from_value=c.old, to_value=c.new)
                         for c in policy_comparison.version_changes(policy, old, new)],
                policy_pk=stored.id,
                year=year,
                street_pk=street,
                community_pk=community,
                jurisdiction_pk=jurisdiction,
            )

        return await run_db(compare)
