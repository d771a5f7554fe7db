"""Payroll queries: runs, the payslips of a month, the salary calculator, the
months with payslips and a month's totals."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from payroll.periods import Period as PeriodValue

from api.access.permissions import Permission
from api.db.threads import run_db
from api.errors import BadRequest
from api.fastpath.pages import PageArgs
from api.graphql.core.connection import After, Before, Connection, First, Last, paginate
from api.graphql.core.ids import from_global_id, optional_global_id
from api.graphql.core.permissions import needs
from api.graphql.core.scalars import Period
from api.graphql.core.types import Id, Input, OrderBy, ScopeInput, Where, ordering
from api.graphql.payroll.enums import PayrollGroupBy, PayrollRunStatus
from api.graphql.payroll.inputs import PayrollRunOrder, PayrollRunWhere, PayslipOrder, PayslipWhere, SalaryQuoteInput
from api.graphql.payroll.types import BackPayPreview, PayrollRun, PayrollTotal, Payslip, SalaryQuote, payslip_connection
from api.reads import back_pay
from api.reads import payroll as reads
from api.reads.quotes import quote

READ = [needs(Permission.READ)]
#: Fields a WORKER token may ask too: its scope is its own payslips of approved and paid runs.
READ_OR_OWN = [needs(Permission.READ, Permission.READ_OWN_PAYSLIPS)]
MAX_PERIODS = 100


@strawberry.type
class PayrollQueries:
    @strawberry.field(description="发放批次 / Payroll runs with status and totals.", permission_classes=READ)
    async def payroll_runs(self, info: Info, first: First = None, after: After = None, last: Last = None,
                           before: Before = None, where: Where[PayrollRunWhere] = None,
                           order_by: OrderBy[PayrollRunOrder] = None) -> Connection[PayrollRun]:
        listing = reads.runs(
            info.context.principal,
            period=where.period if where else None,
            year=where.year if where else None,
            status=where.status.value if where and where.status else None,
            scope_type=where.scope_type.value if where and where.scope_type else None,
            street_pk=optional_global_id(where and where.street_id, "Street", "where.streetId"),
            community_pk=optional_global_id(where and where.community_id, "Community", "where.communityId"),
            order=ordering(order_by),
        )
        return await paginate(listing, PageArgs(first, after, last, before), info)

    @strawberry.field(description="按编号取发放批次（不在令牌范围内与不存在一样为空）/ One payroll run; null when it does not "
                                  "exist or is not wholly inside the token's scope.", permission_classes=READ)
    async def payroll_run(self, info: Info, id: Id) -> PayrollRun | None:
        found = await run_db(reads.run, info.context.principal, from_global_id(id, "PayrollRun"))
        return PayrollRun.from_values(found) if found else None

    @strawberry.field(description="某月全部工资条（跨批次，供财务系统；工作者本人令牌只见本人已审核的）/ The payslips of a "
                                  "month across runs, for finance systems; page through them with `first`/`after`. A "
                                  "WORKER token sees its own, of approved and paid runs.", permission_classes=READ_OR_OWN)
    async def payslips(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="月份，如 \"2026-11\" / The month, e.g. \"2026-11\".")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        where: Where[PayslipWhere] = None,
        order_by: OrderBy[PayslipOrder] = None,
    ) -> Connection[Payslip]:
        return await payslip_connection(info, PageArgs(first, after, last, before), where, order_by, period=period)

    @strawberry.field(description="工资试算：逐项说明，不保存 / The salary calculator: a payslip for one real or "
                                  "hypothetical worker and month, with the explanation of every line; writes nothing.",
                      permission_classes=READ)
    async def salary_quote(self, info: Info, input: Input[SalaryQuoteInput]) -> SalaryQuote:
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
        jurisdiction = optional_global_id(input.jurisdiction_id, "Jurisdiction", "input.jurisdictionId")
        result = await run_db(quote, principal, input.period, worker_pk, overrides, jurisdiction)
        return SalaryQuote.of(result.result, result.explanation, worker_pk, result.post_keys)

    @strawberry.field(description="补发（补扣）预览：生成该月工资前，谁将补发或补扣、多少、哪几个月（按街道、社区）/ Before "
                                  "creating a month's run: who will be paid back or have money taken back (§13), how "
                                  "much and for which months, by street and community. Writes nothing.",
                      permission_classes=READ)
    async def back_pay_preview(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="将生成的月份 / The month of the run.")],
        scope: Annotated[ScopeInput | None, strawberry.argument(
            description="范围（辖区、街道或社区；不填为全部或令牌范围）/ A jurisdiction, street or community; everything "
                        "(or the token's scope) when omitted.")] = None,
    ) -> BackPayPreview:
        street = optional_global_id(scope and scope.street_id, "Street", "scope.streetId")
        community = optional_global_id(scope and scope.community_id, "Community", "scope.communityId")
        jurisdiction = optional_global_id(scope and scope.jurisdiction_id, "Jurisdiction", "scope.jurisdictionId")
        found = await run_db(back_pay.preview, info.context.principal, PeriodValue.parse(str(period)), street, community,
                             jurisdiction)
        return BackPayPreview.of(found)

    @strawberry.field(description="有工资条的月份（最新在前，限于令牌范围）/ The months that have payslips this token may "
                                  "see, newest first — e.g. to find the latest month to show.",
                      permission_classes=READ_OR_OWN)
    async def payroll_periods(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="最多几个月（1–100）/ At most this many months (1–100).")] = 12,
    ) -> list[Period]:
        if not 1 <= first <= MAX_PERIODS:
            raise BadRequest(f"first：{first} 超出 1–{MAX_PERIODS} / first: {first} is outside the page size limit of 1 to "
                             f"{MAX_PERIODS}")
        return await run_db(reads.periods, info.context.principal, first)

    @strawberry.field(description="某月工资汇总（按街道或社区，限于令牌范围）/ A month's payroll totals by street or community, "
                                  "across runs and inside the token's scope — e.g. for a chart of cost by street.",
                      permission_classes=READ)
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
        rows = await run_db(reads.totals, info.context.principal, PeriodValue.parse(str(period)),
                            group_by is PayrollGroupBy.COMMUNITY, status.value if status else None)
        return [PayrollTotal(payslip_count=r["payslip_count"], gross=r["gross"], net=r["net"],
                             income_tax=r["income_tax"], employer_cost=r["employer_cost"], street_pk=r["street"],
                             community_pk=r["community"]) for r in rows]
