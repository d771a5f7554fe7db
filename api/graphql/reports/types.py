"""Report types: staffing (职数), budget (年度预算), the conversion (工资套改)
and the comparison of two policy versions."""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Annotated

import numpy as np
import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.errors import BadRequest, UserErrors
from api.fastpath.pages import PageArgs
from api.graphql.core.connection import After, Connection, First
from api.graphql.core.scalars import Decimal, Money, Period
from api.graphql.policies.types import Policy, PolicyVersion
from api.graphql.reports.inputs import ConversionOrder, ConversionOutcome
from api.reads import conversion, policies, policy_comparison
from api.reads.records import COMMUNITY, JURISDICTION, STREET, WORKER
from api.reads.reports import report_scope

if TYPE_CHECKING:
    from api.graphql.records.types import Community, Jurisdiction, Street, Worker

RECORD_TYPES = "api.graphql.records.types"


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
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(COMMUNITY).load(self.community_pk)


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
    policy_effective_from: dt.date | None = strawberry.field(
        description="所用政策版本生效日期；跨辖区、各用自己的政策时为空 / Effective date of the policy version in force on "
                    "the date; null when the report spans jurisdictions with policies of their own.")
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
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(COMMUNITY).load(self.community_pk)


@strawberry.type(description="街道预算合计 / A street's budget (sum of its communities).")
class BudgetStreetTotal:
    workers_cost: Money = strawberry.field(description="在岗人员成本 / Employer cost of the workers.")
    vacancy_cost: Money = strawberry.field(description="空缺岗位成本 / Cost of the staffing gaps on 1 January.")
    funds: Money = strawberry.field(description="服务群众专项经费+党建工作经费 / Community funds.")
    total: Money = strawberry.field(description="合计 = 人员 + 空缺 + 经费 / Total: workers + vacancies + funds.")
    street_pk: strawberry.Private[int]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(STREET).load(self.street_pk)


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


@strawberry.type(description="套改合计 / Totals of the conversion over a group of workers.")
class ConversionTotals:
    workers: int = strawberry.field(description="人数 / Workers.")
    with_previous_pay: int = strawberry.field(description="有套改前工资的人数 / Workers with a previous pay recorded.")
    previous_pay: Money = strawberry.field(description="套改前月工资合计（有记录者）/ Σ previous monthly pay.")
    standard_wage_compared: Money = strawberry.field(description="上述人员的新标准工资合计 / Σ new standard pay of the "
                                                                 "workers with a previous pay (what it compares with).")
    standard_wage: Money = strawberry.field(description="全部人员的新标准工资合计 / Σ new standard pay of every worker.")
    difference: Money = strawberry.field(description="差额合计（新标准−套改前，有记录者）/ Σ (standard − previous) over "
                                                     "the workers with a previous pay.")
    protection_allowance: Money = strawberry.field(description="保留补差合计 / Σ protection allowance.")
    new_monthly_pay: Money = strawberry.field(description="套改后月工资合计（新标准+保留补差）/ Σ monthly pay after the "
                                                          "conversion (standard + protection).")
    gainers: int = strawberry.field(description="增资人数 / Workers who gain.")
    losers: int = strawberry.field(description="减资人数 / Workers whose standard pay is below their previous pay.")
    unchanged: int = strawberry.field(description="持平人数 / Workers whose pay is unchanged.")
    no_previous_pay: int = strawberry.field(description="无套改前工资人数 / Workers without a previous pay.")

    @classmethod
    def of(cls, t: conversion.Totals) -> ConversionTotals:
        return cls(**{name: getattr(t, name) for name in t.__dataclass_fields__})


@strawberry.type(description="社区或街道的套改合计 / Conversion totals of a community or a street.")
class ConversionGroup:
    totals: ConversionTotals = strawberry.field(description="合计 / The group's totals.")
    street_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(STREET).load(self.street_pk)

    @strawberry.field(description="社区（街道合计时为空）/ The community (null for a street's totals).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return None if self.community_pk is None else await info.context.loaders.by_id(COMMUNITY).load(self.community_pk)


@strawberry.type(description="一名工作者的套改 / One worker's conversion: old pay, new post and grade, new pay.")
class ConversionWorker:
    code: str = strawberry.field(description="工号 / Worker code.")
    name: str = strawberry.field(description="姓名 / Name.")
    post: str = strawberry.field(description="岗位 / Post key (CHIEF …).")
    post_title: str = strawberry.field(description="岗位名称 / Post title in the policy version.")
    grade: int = strawberry.field(description="新等级 / New grade.")
    counted_years: int = strawberry.field(description="计算工龄 / Counted years of service.")
    previous_monthly_pay: Money | None = strawberry.field(description="套改前月工资 / Previous monthly pay (null when "
                                                                      "not recorded).")
    grade_pay: Money = strawberry.field(description="岗位等级工资 / Grade pay (§4.1).")
    education_allowance: Money = strawberry.field(description="学历津贴 / Education allowance.")
    certificate_allowance: Money = strawberry.field(description="职业资格津贴 / Certificate allowance.")
    tenure_allowance: Money = strawberry.field(description="任期补贴 / Tenure allowance.")
    standard_wage: Money = strawberry.field(description="新标准工资（§4.6）/ New standard monthly pay (§4.6).")
    difference: Money | None = strawberry.field(description="差额：新标准−套改前 / Standard minus previous pay (null "
                                                            "without a previous pay).")
    protection_allowance: Money = strawberry.field(description="保留补差（§4.7）/ Protection allowance (§4.7).")
    new_monthly_pay: Money = strawberry.field(description="套改后月工资：新标准+保留补差 / Monthly pay after the "
                                                          "conversion: standard + protection.")
    outcome: ConversionOutcome = strawberry.field(description="结果 / Gain, loss, same or no previous pay.")
    worker_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @strawberry.field(description="工作者 / The worker.")
    async def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(WORKER).load(self.worker_pk)

    @strawberry.field(description="社区 / The community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(COMMUNITY).load(self.community_pk)


def _cursor(worker_pk: int) -> str:
    return base64.urlsafe_b64encode(f"conversion:{worker_pk}".encode()).decode().rstrip("=")


def _cursor_worker(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, pk = text.partition(":")
    if prefix != "conversion" or not pk.isdigit():
        raise BadRequest(f"after：{cursor!r} 不是本列表的游标 / after: {cursor!r} is not a cursor of this list")
    return int(pk)


@strawberry.type(description="工资套改测算 / The conversion (工资套改) of a scope for a month: every worker's previous "
                             "pay, new post and grade, new standard pay, difference and protection allowance.")
class ConversionReport:
    period: Period = strawberry.field(description="月份 / The month.")
    policy_effective_from: dt.date = strawberry.field(description="所用政策版本 / Policy version used.")
    protects_previous_pay: bool = strawberry.field(description="政策是否保留原工资（保留补差）/ Whether the policy "
                                                               "protects previous pay.")
    totals: ConversionTotals = strawberry.field(description="合计 / Totals over the scope.")
    streets: list[ConversionGroup] = strawberry.field(description="按街道 / Totals by street.")
    communities: list[ConversionGroup] = strawberry.field(description="按社区 / Totals by community.")
    xlsx: str = strawberry.field(description="Excel 下载地址（同样的令牌）/ The report as XLSX (same authentication).")
    result: strawberry.Private[conversion.ConversionResult]
    post_titles: strawberry.Private[dict]

    @strawberry.field(description="工作者名单（分页）/ The workers, a page at a time.")
    def workers(
        self,
        first: First = 20,
        after: After = None,
        outcome: Annotated[ConversionOutcome | None, strawberry.argument(
            description="只列此结果的工作者 / Only the workers with this outcome.")] = None,
        order_by: Annotated[ConversionOrder, strawberry.argument(
            description="排序 / Order of the list (by worker when omitted).")] = ConversionOrder.WORKER,
    ) -> Connection[ConversionWorker]:
        PageArgs(first=first).validate()
        r = self.result
        selected = np.arange(len(r), dtype=np.int64)
        if outcome is not None:
            selected = selected[r.outcome == conversion.outcome_index(conversion.Outcome(outcome.value))]
        if order_by is not ConversionOrder.WORKER:
            sign = 1 if order_by is ConversionOrder.DIFFERENCE else -1
            # Stable sort keeps the worker order among equal differences.
            key = np.where(r.has_previous[selected], sign * r.difference[selected], np.iinfo(np.int64).max)
            selected = selected[np.argsort(key, kind="stable")]
        start = 0
        if after:
            position = np.flatnonzero(r.worker_ids[selected] == _cursor_worker(after))
            if not len(position):
                raise BadRequest("after：游标所指的工作者已不在本列表中（记录已变动），请从头开始 / after: the cursor's "
                                 "worker is not in this list (the records changed); start again")
            start = int(position[0]) + 1
        size = first or 20
        page = selected[start : start + size].tolist()
        total = len(selected)
        nodes = [self._node(i) for i in page]

        async def count() -> int:
            return total

        return Connection.of(nodes, lambda i: _cursor(nodes[i].worker_pk), start + size < total, start > 0, count)

    def _node(self, i: int) -> ConversionWorker:
        r = self.result
        has_previous = bool(r.has_previous[i])
        post = r.post_keys[int(r.post[i])]
        return ConversionWorker(
            code=r.codes[i],
            name=r.names[i],
            post=post,
            post_title=self.post_titles.get(post, post),
            grade=int(r.grade[i]),
            counted_years=int(r.counted_years[i]),
            previous_monthly_pay=int(r.previous_pay[i]) if has_previous else None,
            grade_pay=int(r.grade_pay[i]),
            education_allowance=int(r.education_allowance[i]),
            certificate_allowance=int(r.certificate_allowance[i]),
            tenure_allowance=int(r.tenure_allowance[i]),
            standard_wage=int(r.standard_wage[i]),
            difference=int(r.difference[i]) if has_previous else None,
            protection_allowance=int(r.protection_allowance[i]),
            new_monthly_pay=int(r.new_monthly_pay[i]),
            outcome=ConversionOutcome(r.outcome_of(i).value),
            worker_pk=int(r.worker_ids[i]),
            community_pk=int(r.community_ids[i]),
        )


def conversion_group(g: conversion.GroupTotals) -> ConversionGroup:
    return ConversionGroup(totals=ConversionTotals.of(g.totals), street_pk=g.street_id, community_pk=g.community_id)


@strawberry.type(description="政策数据变化 / A figure that differs between two versions.")
class PolicyChange:
    path: str = strawberry.field(description="版本内的路径 / Path inside a version, e.g. `base_income_annual`, "
                                             "`grades.coefficients[3]`, `income_tax.brackets[1].rate`.")
    from_value: str | None = strawberry.field(description="原值（文件中的写法；null 为无此项）/ The old value as written "
                                                          "(null: not present).")
    to_value: str | None = strawberry.field(description="新值 / The new value as written (null: not present).")


@strawberry.type(description="一个街道的成本变化 / The change in a street's cost for the year.")
class PolicyStreetCost:
    workers: int = strawberry.field(description="当年在岗人数 / The street's workers in service some day of the year.")
    from_cost: Money = strawberry.field(description="按原版本的单位年度成本 / The year's employer cost under the old "
                                                    "version.")
    to_cost: Money = strawberry.field(description="按新版本的单位年度成本 / … under the new version.")
    difference: Money = strawberry.field(description="增加额 / New minus old.")
    street_pk: strawberry.Private[int]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)]:
        return await info.context.loaders.by_id(STREET).load(self.street_pk)


@strawberry.type(description="政策变化的年度成本 / What the change costs over the scope for a year: the employer cost "
                             "of the scope's workers, month by month as payroll computes it, with each version in force "
                             "all year.")
class PolicyCost:
    year: int = strawberry.field(description="年度 / The year costed.")
    workers: int = strawberry.field(description="当年在岗人数 / Workers in service some day of the year.")
    from_cost: Money = strawberry.field(description="按原版本的单位年度成本 / The year's employer cost under the old "
                                                    "version.")
    to_cost: Money = strawberry.field(description="按新版本的单位年度成本 / … under the new version.")
    difference: Money = strawberry.field(description="增加额 / New minus old.")
    relative_change: Decimal | None = strawberry.field(description="增幅（四位小数，0.0432 即 4.32%）/ Difference over the "
                                                                   "old cost, four decimals (0.0432 is 4.32 %).")
    streets: list[PolicyStreetCost] = strawberry.field(description="按街道 / By street.")


@strawberry.type(description="两个政策版本的比较 / Two versions of a policy compared: the figures that changed and what "
                             "the change costs.")
class PolicyComparison:
    policy: Policy = strawberry.field(description="政策 / The policy whose versions are compared.")
    from_version: PolicyVersion = strawberry.field(description="`from` 日期有效的版本 / The version in force on `from`.")
    to_version: PolicyVersion = strawberry.field(description="`to` 日期有效的版本 / The version in force on `to`.")
    changes: list[PolicyChange] = strawberry.field(description="变化的数据（文件顺序）/ The figures that differ, in "
                                                               "document order.")
    policy_pk: strawberry.Private[int]
    year: strawberry.Private[int]
    street_pk: strawberry.Private[int | None]
    community_pk: strawberry.Private[int | None]
    jurisdiction_pk: strawberry.Private[int | None]

    @strawberry.field(description="年度成本变化（范围内工作者）/ The cost of the change for the year over the scope.")
    async def cost(self, info: Info) -> PolicyCost:
        principal = info.context.principal

        def compute() -> PolicyCost:
            policy = policies.policy(principal, pk=self.policy_pk).policy
            old = policy.versions[self.from_version.pk[1]]
            new = policy.versions[self.to_version.pk[1]]
            scope = report_scope(principal, self.street_pk, self.community_pk, jurisdiction_id=self.jurisdiction_pk)
            try:
                cost = policy_comparison.comparison_cost(principal, scope, policy, old, new, self.year)
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            return PolicyCost(
                year=cost.year,
                workers=cost.workers,
                from_cost=cost.old_cost,
                to_cost=cost.new_cost,
                difference=cost.difference,
                relative_change=cost.relative_change,
                streets=[
                    PolicyStreetCost(workers=s.workers, from_cost=s.old_cost, to_cost=s.new_cost,
                                     difference=s.difference, street_pk=s.street_id)
                    for s in cost.streets
                ],
            )

        return await run_db(compute)


@strawberry.type(description="辖区某月工资 / A jurisdiction's payroll of one month (its runs, paid under its policy).")
class JurisdictionMonthCost:
    period: Period = strawberry.field(description="月份 / The month.")
    runs: int = strawberry.field(description="发放批次数 / Payroll runs.")
    draft_runs: int = strawberry.field(description="其中草稿 / Of which drafts (not yet approved).")
    payslip_count: int = strawberry.field(description="工资条数 / Payslips.")
    gross: Money = strawberry.field(description="应发合计 / Gross pay.")
    net: Money = strawberry.field(description="实发合计 / Net pay.")
    employer_cost: Money = strawberry.field(description="单位用人成本 / Employer cost.")
    jurisdiction_pk: strawberry.Private[int]

    @strawberry.field(description="辖区 / The jurisdiction.")
    async def jurisdiction(self, info: Info) -> Annotated[Jurisdiction, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(JURISDICTION).load(self.jurisdiction_pk)


@strawberry.type(description="辖区职数 / Staffing of a jurisdiction: the standard per 10,000 urban residents is set "
                             "city-wide, so it is checked here as well as per community.")
class JurisdictionStaffing:
    population: int = strawberry.field(description="城镇常住人口（辖区登记的，未登记为各社区之和）/ Urban residents: as "
                                                   "recorded for the jurisdiction, else the sum of its communities'.")
    required_by_standard: int | None = strawberry.field(
        description="按每万城镇常住人口标准应配（政策未设标准时为空）/ Workers the standard per 10,000 residents requires; "
                    "null when the policy sets none.")
    required_by_communities: int = strawberry.field(description="各社区应配之和 / The sum of its communities' required.")
    required: int = strawberry.field(description="应配（有标准按标准，否则按社区之和）/ Required: by the standard where "
                                                 "set, else the communities' sum.")
    actual: int = strawberry.field(description="在岗人数 / Workers in service on the date.")
    gap: int = strawberry.field(description="缺口（正数缺员）/ Required minus actual: positive is a shortage.")
    jurisdiction_pk: strawberry.Private[int]

    @strawberry.field(description="辖区 / The jurisdiction.")
    async def jurisdiction(self, info: Info) -> Annotated[Jurisdiction, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(JURISDICTION).load(self.jurisdiction_pk)
