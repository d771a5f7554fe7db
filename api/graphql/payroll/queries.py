"""Payroll queries: runs, payslips of a month, the salary calculator."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

import peewee as pw
import strawberry
from strawberry.types import Info

from payroll.periods import Period as PeriodValue

from api.auth import Principal
from api.db.threads import run_db
from api.errors import BadRequest, UserErrors
from api.db.models import PayrollRun as RunRecord
from api.db.models import PAYSLIP_MONEY
from api.db.models import Payslip as PayslipRecord
from api.services import payroll as service
from api.services.policies import require_active_policy
from api.services.quotes import quote
from api.graphql.core.connection import Connection, OrderKey, order_keys, paginate
from api.graphql.core.ids import from_global_id
from api.graphql.core.scalars import Money, Period
from api.graphql.core.types import OrderDirection
from api.graphql.enums import AssessmentResult, Certificate, Education
from api.graphql.payroll.types import PayrollRun, PayrollRunStatus, Payslip, PayslipOrder, PayslipWhere, SalaryQuote, ScopeType

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.streets import Street


def payslip_scope(principal: Principal) -> pw.Expression | None:
    """Payslips inside an HR token's scope (by the community of the payslip)."""
    if not principal.scoped:
        return None
    condition = pw.Value(False)
    if principal.street_ids:
        condition = condition | PayslipRecord.street.in_(sorted(principal.street_ids))
    if principal.community_ids:
        condition = condition | PayslipRecord.community.in_(sorted(principal.community_ids))
    return condition


def run_scope(principal: Principal) -> pw.Expression | None:
    """Runs inside an HR token's scope: street runs of its streets, community runs
    of its communities or of communities in its streets."""
    if not principal.scoped:
        return None
    condition = pw.Value(False)
    if principal.street_ids:
        condition = condition | (
            RunRecord.scope_type.in_(["STREET", "COMMUNITY"]) & RunRecord.street.in_(sorted(principal.street_ids))
        )
    if principal.community_ids:
        condition = condition | RunRecord.community.in_(sorted(principal.community_ids))
    return condition


PAYSLIP_FIELDS = (
    PayslipRecord.id, PayslipRecord.run, PayslipRecord.worker, PayslipRecord.community, PayslipRecord.street,
    PayslipRecord.period, PayslipRecord.post, PayslipRecord.grade, PayslipRecord.counted_years, PayslipRecord.days,
    *(getattr(PayslipRecord, name) for name in PAYSLIP_MONEY),
)

_PAYSLIP_ORDER = {
    "id": PayslipRecord.id,
    "period": PayslipRecord.period,
    "net": PayslipRecord.net,
    "gross": PayslipRecord.gross,
}


async def list_payslips(
    info: Info,
    first,
    after,
    last,
    before,
    where: PayslipWhere | None,
    order_by,
    period: PeriodValue | None = None,
    run_pk: int | None = None,
    worker_pk: int | None = None,
    newest_first: bool = False,
) -> Connection[Payslip]:
    principal = info.context.principal
    filters = {}
    if where:
        for name, type_name in (("street_id", "Street"), ("community_id", "Community"), ("worker_id", "Worker"),
                                ("payroll_run_id", "PayrollRun")):
            value = getattr(where, name)
            if value is not None:
                filters[name] = from_global_id(value, type_name, f"where.{name}")

    def build() -> pw.ModelSelect:
        # Only the columns a Payslip shows (the inputs and year-to-date totals
        # stored with it are read by the explanation, by payslip id).
        query = PayslipRecord.select(*PAYSLIP_FIELDS)
        scope = payslip_scope(principal)
        if scope is not None:
            query = query.where(scope)
        if period is not None:
            query = query.where(PayslipRecord.period == str(period))
        if run_pk is not None:
            query = query.where(PayslipRecord.run == run_pk)
        if worker_pk is not None:
            query = query.where(PayslipRecord.worker == worker_pk)
        if "street_id" in filters:
            query = query.where(PayslipRecord.street == filters["street_id"])
        if "community_id" in filters:
            query = query.where(PayslipRecord.community == filters["community_id"])
        if "worker_id" in filters:
            query = query.where(PayslipRecord.worker == filters["worker_id"])
        if "payroll_run_id" in filters:
            query = query.where(PayslipRecord.run == filters["payroll_run_id"])
        if where and where.post:
            query = query.where(PayslipRecord.post == where.post.upper())
        if where and where.status:
            query = query.where(PayslipRecord.run.in_(RunRecord.select(RunRecord.id).where(RunRecord.status == where.status.value)))
        return query

    default = [OrderKey(PayslipRecord.period, True), OrderKey(PayslipRecord.id, True)] if newest_first else [OrderKey(PayslipRecord.id)]
    keys = order_keys(order_by, _PAYSLIP_ORDER, default, PayslipRecord.id)
    return await paginate(build, keys, Payslip.from_tuple, first, after, last, before, info=info, type_name="Payslip",
                          raw_columns=PAYSLIP_FIELDS)


@strawberry.input(description="发放批次筛选 / Filter payroll runs.")
class PayrollRunWhere:
    period: Period | None = strawberry.field(default=None, description="月份 / Runs of this month.")
    year: int | None = strawberry.field(default=None, description="年度 / Runs of this year.")
    status: PayrollRunStatus | None = strawberry.field(default=None, description="状态 / Runs in this status.")
    scope_type: ScopeType | None = strawberry.field(default=None, description="范围类型 / Runs over the city, a street or "
                                                                             "a community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道（含其社区的批次）/ Runs over this "
                                                                                 "street or one of its communities.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区 / Runs over this community.")


@strawberry.enum(description="批次排序字段 / Sort runs by.")
class PayrollRunOrderField(enum.Enum):
    PERIOD = strawberry.enum_value("period", description="按月份 / By pay period")
    CREATED_AT = strawberry.enum_value("created_at", description="按创建时间 / By when the run was created")


@strawberry.input(description="批次排序 / Run ordering.")
class PayrollRunOrder:
    field: PayrollRunOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


_RUN_ORDER = {"period": RunRecord.period, "created_at": RunRecord.created_at}


@strawberry.input(description="工资试算 / A salary quote: give `workerId` for a real worker (other fields then override "
                              "its record, for what-ifs) or the fields of a hypothetical worker.")
class SalaryQuoteInput:
    period: Period = strawberry.field(description="月份 / The month.")
    worker_id: strawberry.ID | None = strawberry.field(default=None, description="真实工作者 / A real worker.")
    post: str | None = strawberry.field(default=None, description="计薪岗位，如 CHIEF（假设的工作者必填）/ Post, e.g. "
                                                                  "CHIEF; required for a hypothetical worker.")
    service_start: dt.date | None = strawberry.field(default=None, description="参加工作时间（默认当月1日）/ Default: the "
                                                                               "first day of the month.")
    service_end: dt.date | None = strawberry.field(default=None, description="离职日期（含），可不填 / Last day of service "
                                                                             "(inclusive); optional.")
    prior_service_years: int | None = strawberry.field(default=None, description="认定的此前工作年限（默认 0）/ Earlier "
                                                                                 "qualifying service, whole years "
                                                                                 "(default 0).")
    incompetent_years: int | None = strawberry.field(default=None, description="以往不称职年数，不计工龄（默认 0）/ Past "
                                                                               "years assessed 不称职, not counted as "
                                                                               "service (default 0).")
    education: Education | None = strawberry.field(default=None, description="学历（默认高中/中专及以下）/ Education "
                                                                             "(default SECONDARY).")
    certificate: Certificate | None = strawberry.field(default=None, description="职业资格证书（默认无）/ Certificate "
                                                                                 "(default NONE).")
    certificate_date: dt.date | None = strawberry.field(default=None, description="证书登记日期（有证书时必填）/ Date the "
                                                                                 "certificate was registered; required "
                                                                                 "unless NONE.")
    assessment: AssessmentResult | None = strawberry.field(default=None, description="本年度考核（默认取政策默认值）/ This "
                                                                                     "year's assessment; the policy's "
                                                                                     "default when omitted.")
    special_deduction_monthly: Money | None = strawberry.field(default=None, description="专项附加扣除（元/月，默认 0）/ "
                                                                                         "Special deductions, yuan per "
                                                                                         "month (default 0).")
    previous_monthly_pay: Money | None = strawberry.field(default=None, description="套改前月工资（元），用于保留补差 / "
                                                                                    "Monthly pay before conversion, "
                                                                                    "yuan; optional.")


@strawberry.type
class PayrollQueries:
    @strawberry.field(description="发放批次 / Payroll runs with status and totals.")
    async def payroll_runs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: PayrollRunWhere | None = None,
        order_by: list[PayrollRunOrder] | None = None,
    ) -> Connection[PayrollRun]:
        principal = info.context.principal
        street = from_global_id(where.street_id, "Street", "where.streetId") if where and where.street_id else None
        community = from_global_id(where.community_id, "Community", "where.communityId") if where and where.community_id else None

        def build() -> pw.ModelSelect:
            query = RunRecord.select()
            scope = run_scope(principal)
            if scope is not None:
                query = query.where(scope)
            if where:
                if where.period is not None:
                    query = query.where(RunRecord.period == str(where.period))
                if where.year is not None:
                    query = query.where((RunRecord.period >= f"{where.year:04d}-01") & (RunRecord.period <= f"{where.year:04d}-12"))
                if where.status is not None:
                    query = query.where(RunRecord.status == where.status.value)
                if where.scope_type is not None:
                    query = query.where(RunRecord.scope_type == where.scope_type.value)
                if street is not None:
                    query = query.where(RunRecord.street == street)
                if community is not None:
                    query = query.where(RunRecord.community == community)
            return query

        keys = order_keys(order_by, _RUN_ORDER, [OrderKey(RunRecord.period, True)], RunRecord.id)
        return await paginate(build, keys, PayrollRun.from_row, first, after, last, before)

    @strawberry.field(description="按编号取发放批次 / One payroll run.")
    async def payroll_run(self, info: Info, id: strawberry.ID) -> PayrollRun | None:
        principal = info.context.principal
        pk = from_global_id(id, "PayrollRun")

        def load():
            row = RunRecord.get_or_none(RunRecord.id == pk)
            if row is not None:
                service.check_run_scope(principal, row, "payrollRun")
            return row

        row = await run_db(load)
        return PayrollRun.from_row(row) if row else None

    @strawberry.field(description="某月全部工资条（跨批次，供财务系统）/ The payslips of a month across runs, for finance "
                                  "systems; page through them with `first`/`after`.")
    async def payslips(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="月份，如 \"2026-11\" / The month, e.g. \"2026-11\".")],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: PayslipWhere | None = None,
        order_by: list[PayslipOrder] | None = None,
    ) -> Connection[Payslip]:
        return await list_payslips(info, first, after, last, before, where, order_by, period=period)

    @strawberry.field(description="工资试算：逐项说明，不保存 / The salary calculator: a payslip for one real or "
                                  "hypothetical worker and month, with the explanation of every line; writes nothing.")
    async def salary_quote(self, info: Info, input: SalaryQuoteInput) -> SalaryQuote:
        principal = info.context.principal
        worker_pk = from_global_id(input.worker_id, "Worker", "input.workerId") if input.worker_id else None
        overrides = {}
        for name in ("post", "service_start", "service_end", "prior_service_years", "incompetent_years",
                     "certificate_date", "special_deduction_monthly", "previous_monthly_pay"):
            value = getattr(input, name)
            if value is not None:
                overrides[name] = value
        for name in ("education", "certificate", "assessment"):
            value = getattr(input, name)
            if value is not None:
                overrides[name] = value.value

        def compute():
            try:
                result = quote(principal, input.period, worker_pk, overrides)
                _, policy = require_active_policy()
            except UserErrors as exc:
                raise BadRequest(str(exc)) from None
            return SalaryQuote.of(result.result, result.explanation, worker_pk, policy.post_keys)

        return await run_db(compute)


@strawberry.enum(description="汇总维度 / Group totals by.")
class PayrollGroupBy(enum.Enum):
    STREET = strawberry.enum_value("STREET", description="按街道 / One row per street")
    COMMUNITY = strawberry.enum_value("COMMUNITY", description="按社区 / One row per community")


@strawberry.type(description="工资汇总行 / Payroll totals of a month for a street or community (all runs).")
class PayrollTotal:
    payslip_count: int = strawberry.field(description="工资条数 / Payslips.")
    gross: Money = strawberry.field(description="应发合计 / Gross pay.")
    net: Money = strawberry.field(description="实发合计 / Net pay.")
    income_tax: Money = strawberry.field(description="个税合计 / Income and bonus tax.")
    employer_cost: Money = strawberry.field(description="单位成本合计 / Employer cost.")
    street_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy("..streets")]:
        return await info.context.loaders.street.load(self.street_pk)

    @strawberry.field(description="社区（按社区汇总时）/ The community, when grouped by community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("..communities")] | None:
        return None if self.community_pk is None else await info.context.loaders.community.load(self.community_pk)


@strawberry.type
class PayrollTotalsQueries:
    @strawberry.field(description="有工资条的月份（最新在前，限于令牌范围）/ The months that have payslips this token may "
                                  "see, newest first — e.g. to find the latest month to show.")
    async def payroll_periods(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="最多几个月（1–100）/ At most this many months (1–100).")] = 12,
    ) -> list[Period]:
        principal = info.context.principal
        if not 1 <= first <= 100:
            raise BadRequest(f"first: {first} is outside the page size limit of 1 to 100")

        def load() -> list[PeriodValue]:
            query = PayslipRecord.select(PayslipRecord.period).distinct().order_by(PayslipRecord.period.desc()).limit(first)
            scope = payslip_scope(principal)
            if scope is not None:
                query = query.where(scope)
            return [PeriodValue.parse(period) for (period,) in query.tuples()]

        return await run_db(load)

    @strawberry.field(description="某月工资汇总（按街道或社区）/ A month's payroll totals by street or community, across "
                                  "runs — e.g. for a chart of cost by street.")
    async def payroll_totals(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="月份 / The month.")],
        group_by: Annotated[
            PayrollGroupBy, strawberry.argument(description="汇总维度，不填为按街道 / Group by street (default) or community.")
        ] = PayrollGroupBy.STREET,
        status: Annotated[
            PayrollRunStatus | None,
            strawberry.argument(description="只计该状态的批次；不填为全部 / Count only runs in this status; all runs when "
                                            "omitted."),
        ] = None,
    ) -> list[PayrollTotal]:
        principal = info.context.principal

        def load() -> list[PayrollTotal]:
            keys = [PayslipRecord.street] + ([PayslipRecord.community] if group_by is PayrollGroupBy.COMMUNITY else [])
            query = (
                PayslipRecord.select(
                    *keys,
                    pw.fn.COUNT(PayslipRecord.id),
                    pw.fn.SUM(PayslipRecord.gross),
                    pw.fn.SUM(PayslipRecord.net),
                    pw.fn.SUM(PayslipRecord.income_tax + PayslipRecord.bonus_tax),
                    pw.fn.SUM(PayslipRecord.employer_cost),
                )
                .where(PayslipRecord.period == str(period))
                .group_by(*keys)
                .order_by(*keys)
            )
            scope = payslip_scope(principal)
            if scope is not None:
                query = query.where(scope)
            if status is not None:
                query = query.where(PayslipRecord.run.in_(RunRecord.select(RunRecord.id).where(RunRecord.status == status.value)))
            out = []
            for row in query.tuples():
                community = row[1] if group_by is PayrollGroupBy.COMMUNITY else None
                values = row[len(keys):]
                out.append(PayrollTotal(
                    payslip_count=int(values[0]), gross=int(values[1]), net=int(values[2]), income_tax=int(values[3]),
                    employer_cost=int(values[4]), street_pk=row[0], community_pk=community,
                ))
            return out

        return await run_db(load)
