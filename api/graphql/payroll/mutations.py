"""Payroll mutations: create, approve, mark paid and delete runs."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.services import payroll as service
from api.graphql.core.ids import input_global_id
from api.graphql.core.mutations import run_mutation
from api.graphql.core.scalars import Period
from api.graphql.core.types import UserError
from api.graphql.payroll.types import PayrollRun


@strawberry.input(description="新建发放批次 / Compute a DRAFT payroll run for a month over the city (no street or "
                              "community), a street or a community.")
class CreatePayrollRunInput:
    period: Period = strawberry.field(description="月份 / The month.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道范围 / Over a street.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区范围 / Over a community.")


@strawberry.input(description="指定发放批次 / A payroll run.")
class PayrollRunInput:
    id: strawberry.ID = strawberry.field(description="发放批次 / Global id of the run, e.g. `PayrollRun:4`.")


@strawberry.type(description="发放批次变更结果 / Result of a payroll run mutation.")
class PayrollRunPayload:
    payroll_run: PayrollRun | None = strawberry.field(description="处理后的批次（删除时为删除前的批次）；有错误时为空 / The "
                                                                  "run afterwards (for a delete, as it was); null when "
                                                                  "there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type
class PayrollMutations:
    @strawberry.mutation(description="计算并生成草稿批次（人事，在范围内）/ Compute a month's DRAFT run over a scope (ADMIN, "
                                     "HR in scope). Atomic: on any error nothing is written.")
    async def create_payroll_run(self, info: Info, input: CreatePayrollRunInput) -> PayrollRunPayload:
        principal = info.context.principal

        def create():
            street = input_global_id(input.street_id, "Street", "streetId")
            community = input_global_id(input.community_id, "Community", "communityId")
            return service.create_run(principal, input.period, street, community)

        row, errors = await run_mutation(create)
        return PayrollRunPayload(payroll_run=PayrollRun.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="审核批次（财务）：此后不再变更 / Approve a DRAFT run (ADMIN, FINANCE); it never "
                                     "changes afterwards.")
    async def approve_payroll_run(self, info: Info, input: PayrollRunInput) -> PayrollRunPayload:
        principal = info.context.principal
        row, errors = await run_mutation(
            lambda: service.approve_run(principal, input_global_id(input.id, "PayrollRun", "id"))
        )
        return PayrollRunPayload(payroll_run=PayrollRun.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="确认已发放（财务）/ Mark an APPROVED run paid (ADMIN, FINANCE).")
    async def mark_payroll_run_paid(self, info: Info, input: PayrollRunInput) -> PayrollRunPayload:
        principal = info.context.principal
        row, errors = await run_mutation(
            lambda: service.mark_run_paid(principal, input_global_id(input.id, "PayrollRun", "id"))
        )
        return PayrollRunPayload(payroll_run=PayrollRun.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="删除草稿批次以便重算 / Delete a DRAFT run (to recompute after fixing records).")
    async def delete_payroll_run(self, info: Info, input: PayrollRunInput) -> PayrollRunPayload:
        principal = info.context.principal
        row, errors = await run_mutation(
            lambda: service.delete_draft_run(principal, input_global_id(input.id, "PayrollRun", "id"))
        )
        return PayrollRunPayload(payroll_run=PayrollRun.from_row(row) if row else None, errors=errors)
