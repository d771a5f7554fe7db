"""HR and finance workflows: the conversion (工资套改) and the comparison of
two policy versions.

- ``conversion(period, scope)``: every worker's previous pay, new post and
  grade, new standard pay, difference and protection allowance, with totals
  by community, street and scope, and who gains or loses
  (:mod:`api.services.conversion`); also as a spreadsheet (``xlsx``).
- ``policyComparison(policyId, from, to, scope, year)``: the figures that
  differ between the versions in force on two dates, and what the newer one
  costs over the scope for a year (:mod:`api.services.policy_comparison`).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

import numpy as np
import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.errors import BadRequest, UserErrors
from api.db.models import Policy as PolicyRecord
from api.services import conversion as conversion_service
from api.services import policy_comparison as comparison_service
from api.files.urls import conversion_xlsx_path
from api.services.policies import policy_from_record, require_active_policy
from api.services.scopes import report_scope
from api.graphql.core.connection import Connection, validate_page_size
from api.graphql.core.ids import from_global_id
from api.graphql.core.scalars import Decimal, Money, Period
from api.graphql.policies import Policy, PolicyVersion
from api.graphql.reports import ScopeInput

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.streets import Street
    from api.graphql.workers import Worker


def _scope_ids(scope: ScopeInput | None) -> tuple[int | None, int | None]:
    if scope is None:
        return None, None
    street = from_global_id(scope.street_id, "Street", "scope.streetId") if scope.street_id else None
    community = from_global_id(scope.community_id, "Community", "scope.communityId") if scope.community_id else None
    return street, community


def _resolve(principal, street: int | None, community: int | None, action: str):
    try:
        return report_scope(principal, street, community, action)
    except UserErrors as exc:
        raise BadRequest(str(exc)) from None


# --- 工资套改 ---------------------------------------------------------------------------------


@strawberry.enum(description="套改结果 / How the conversion changes a worker's pay.")
class ConversionOutcome(enum.Enum):
    GAIN = strawberry.enum_value("GAIN", description="增资：新标准工资高于套改前工资 / The new standard pay is higher.")
    LOSS = strawberry.enum_value("LOSS", description="减资：新标准工资低于套改前工资（政策保留时由保留补差补足）/ The new "
                                                     "standard pay is lower (the protection allowance makes up the "
                                                     "difference when the policy protects previous pay).")
    SAME = strawberry.enum_value("SAME", description="持平 / Unchanged.")
    NO_PREVIOUS = strawberry.enum_value("NO_PREVIOUS", description="无套改前工资，无从比较 / No previous pay recorded.")


@strawberry.enum(description="套改名单排序 / Order of the conversion's workers.")
class ConversionOrder(enum.Enum):
    WORKER = strawberry.enum_value("WORKER", description="按街道、社区、工号 / By street, community and worker code.")
    DIFFERENCE = strawberry.enum_value("DIFFERENCE", description="差额从小到大（减资最多者在前；无套改前工资者在后）/ "
                                                                 "Difference ascending: the largest losses first, "
                                                                 "workers without previous pay last.")
    DIFFERENCE_DESC = strawberry.enum_value("DIFFERENCE_DESC", description="差额从大到小（增资最多者在前）/ Difference "
                                                                           "descending: the largest gains first.")


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
    def of(cls, t: conversion_service.Totals) -> ConversionTotals:
        return cls(**{name: getattr(t, name) for name in t.__dataclass_fields__})


@strawberry.type(description="社区或街道的套改合计 / Conversion totals of a community or a street.")
class ConversionGroup:
    totals: ConversionTotals = strawberry.field(description="合计 / The group's totals.")
    street_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(".streets")]:
        return await info.context.loaders.street.load(self.street_pk)

    @strawberry.field(description="社区（街道合计时为空）/ The community (null for a street's totals).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")] | None:
        return None if self.community_pk is None else await info.context.loaders.community.load(self.community_pk)


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
    async def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(".workers")] | None:
        return await info.context.loaders.worker.load(self.worker_pk)

    @strawberry.field(description="社区 / The community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")]:
        return await info.context.loaders.community.load(self.community_pk)


def _cursor(worker_pk: int) -> str:
    return base64.urlsafe_b64encode(f"conversion:{worker_pk}".encode()).decode().rstrip("=")


def _cursor_worker(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, pk = text.partition(":")
    if prefix != "conversion" or not pk.isdigit():
        raise BadRequest(f"after: {cursor!r} is not a cursor of this list")
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
    result: strawberry.Private[conversion_service.ConversionResult]
    post_titles: strawberry.Private[dict]

    @strawberry.field(description="工作者名单（分页）/ The workers, a page at a time.")
    def workers(
        self,
        first: int | None = 20,
        after: str | None = None,
        outcome: Annotated[ConversionOutcome | None, strawberry.argument(
            description="只列此结果的工作者 / Only the workers with this outcome.")] = None,
        order_by: Annotated[ConversionOrder, strawberry.argument(
            description="排序 / Order of the list (by worker when omitted).")] = ConversionOrder.WORKER,
    ) -> Connection[ConversionWorker]:
        validate_page_size(first, None)
        r = self.result
        selected = np.arange(len(r), dtype=np.int64)
        if outcome is not None:
            selected = selected[r.outcome == conversion_service.outcome_index(conversion_service.Outcome(outcome.value))]
        if order_by is not ConversionOrder.WORKER:
            sign = 1 if order_by is ConversionOrder.DIFFERENCE else -1
            # Stable sort keeps the worker order among equal differences.
            key = np.where(r.has_previous[selected], sign * r.difference[selected], np.iinfo(np.int64).max)
            selected = selected[np.argsort(key, kind="stable")]
        start = 0
        if after:
            position = np.flatnonzero(r.worker_ids[selected] == _cursor_worker(after))
            if not len(position):
                raise BadRequest("after: the cursor's worker is not in this list (the records changed); start again")
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


def _group(g: conversion_service.GroupTotals) -> ConversionGroup:
    return ConversionGroup(totals=ConversionTotals.of(g.totals), street_pk=g.street_id, community_pk=g.community_id)


# --- policy comparison ------------------------------------------------------------------------


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
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(".streets")]:
        return await info.context.loaders.street.load(self.street_pk)


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

    @strawberry.field(description="年度成本变化（范围内工作者）/ The cost of the change for the year over the scope.")
    async def cost(self, info: Info) -> PolicyCost:
        principal = info.context.principal

        def compute() -> PolicyCost:
            record = PolicyRecord.get_by_id(self.policy_pk)
            policy = policy_from_record(record)
            old = policy.versions[self.from_version.pk[1]]
            new = policy.versions[self.to_version.pk[1]]
            scope = _resolve(principal, self.street_pk, self.community_pk, "the cost of a policy change")
            try:
                cost = comparison_service.comparison_cost(principal, scope, policy, old, new, self.year)
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


@strawberry.type
class WorkflowQueries:
    @strawberry.field(description="工资套改测算：范围内每名工作者的套改前工资、新岗位等级、新标准工资、差额和保留补差 / The "
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
        street, community = _scope_ids(scope)

        def compute() -> ConversionReport:
            target = _resolve(principal, street, community, "the conversion report")
            try:
                result = conversion_service.conversion(principal, target, period)
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            return ConversionReport(
                period=period,
                policy_effective_from=result.version.effective_from,
                protects_previous_pay=result.protects_previous_pay,
                totals=ConversionTotals.of(result.total),
                streets=[_group(g) for g in result.streets],
                communities=[_group(g) for g in result.communities],
                xlsx=conversion_xlsx_path(str(period), scope.street_id if scope else None,
                                          scope.community_id if scope else None),
                result=result,
                post_titles={key: post.title for key, post in result.version.posts.items()},
            )

        return await run_db(compute)

    @strawberry.field(description="比较两个政策版本：变化的数据和年度成本 / Compare the versions of a policy in force on two "
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
        street, community = _scope_ids(scope)
        year = year if year is not None else to.year
        if not 1990 <= year <= 2100:
            raise BadRequest(f"year: {year} is out of range")

        def compare() -> PolicyComparison:
            if pk is None:
                try:
                    record, policy = require_active_policy()
                except UserErrors as exc:
                    raise BadRequest(str(exc)) from None
            else:
                record = PolicyRecord.get_or_none(PolicyRecord.id == pk)
                if record is None:
                    raise BadRequest(f"policyId: policy {policy_id} does not exist")
                policy = policy_from_record(record)
            _resolve(principal, street, community, "the cost of a policy change")  # refuse early
            try:
                old = comparison_service.version_at(policy, from_, "from")
                new = comparison_service.version_at(policy, to, "to")
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            return PolicyComparison(
                policy=Policy.from_row(record, policy),
                from_version=PolicyVersion.of(record.id, old),
                to_version=PolicyVersion.of(record.id, new),
                changes=[PolicyChange(path=c.path, from_value=c.old, to_value=c.new)
                         for c in comparison_service.version_changes(policy, old, new)],
                policy_pk=record.id,
                year=year,
                street_pk=street,
                community_pk=community,
            )

        return await run_db(compare)


@strawberry.type
class WorkflowMutations:
    pass

