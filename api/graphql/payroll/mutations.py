"""Payroll mutations: create a draft run, approve it, mark it paid, delete a draft."""

from __future__ import annotations

from typing import Any, Callable

import strawberry
from playhouse.shortcuts import model_to_dict
from strawberry.types import Info

from api.access.permissions import Permission
from api.graphql.core.ids import input_global_id
from api.graphql.core.mutations import run_mutation
from api.graphql.core.permissions import needs
from api.graphql.core.types import Input
from api.graphql.payroll.inputs import CreatePayrollRunInput, PayrollRunInput
from api.graphql.payroll.types import PayrollRun, PayrollRunPayload
from api.reads import payroll as reads
from api.services import payroll as service

PREPARE = [needs(Permission.PREPARE_PAYROLL)]
APPROVE = [needs(Permission.APPROVE_PAYROLL)]


def _read_back(principal: Any):
    return lambda row: PayrollRun.from_values(reads.run(principal, row.id))


async def _change_run(info: Info, input: PayrollRunInput, change: Callable[[Any, int], Any]) -> PayrollRunPayload:
    """A run's status changed by ``change(principal, run id)``; the run read back as the caller sees it."""
    principal = info.context.principal
    run, errors = await run_mutation(lambda: change(principal, input_global_id(input.id, "PayrollRun", "id")),
                                     _read_back(principal))
    return PayrollRunPayload(payroll_run=run, errors=errors)


@strawberry.type
class PayrollMutations:
    @strawberry.mutation(description="计算并生成草稿批次（人事，在范围内）/ Compute a month's DRAFT run over a scope (ADMIN, "
                                     "HR in scope). Atomic: on any error nothing is written.", permission_classes=PREPARE)
    async def create_payroll_run(self, info: Info, input: Input[CreatePayrollRunInput]) -> PayrollRunPayload:
        principal = info.context.principal

        def create():
            street = input_global_id(input.street_id, "Street", "streetId")
            community = input_global_id(input.community_id, "Community", "communityId")
            jurisdiction = input_global_id(input.jurisdiction_id, "Jurisdiction", "jurisdictionId")
            return service.create_run(principal, input.period, street, community, jurisdiction)

        run, errors = await run_mutation(create, _read_back(principal), long=True)
        return PayrollRunPayload(payroll_run=run, errors=errors)

    @strawberry.mutation(description="审核批次（财务）：此后不再变更 / Approve a DRAFT run (ADMIN, FINANCE); it never "
                                     "changes afterwards.", permission_classes=APPROVE)
    async def approve_payroll_run(self, info: Info, input: Input[PayrollRunInput]) -> PayrollRunPayload:
        return await _change_run(info, input, service.approve_run)

    @strawberry.mutation(description="确认已发放（财务）/ Mark an APPROVED run paid (ADMIN, FINANCE).",
                         permission_classes=APPROVE)
    async def mark_payroll_run_paid(self, info: Info, input: Input[PayrollRunInput]) -> PayrollRunPayload:
        return await _change_run(info, input, service.mark_run_paid)

    @strawberry.mutation(description="删除草稿批次以便重算 / Delete a DRAFT run (to recompute after fixing records).",
                         permission_classes=PREPARE)
    async def delete_payroll_run(self, info: Info, input: Input[PayrollRunInput]) -> PayrollRunPayload:
        principal = info.context.principal
        # The run is gone afterwards: it is shown as it was, from the deleted record.
        run, errors = await run_mutation(
            lambda: service.delete_draft_run(principal, input_global_id(input.id, "PayrollRun", "id")),
            lambda row: PayrollRun.from_values(model_to_dict(row, recurse=False)), long=True)
        return PayrollRunPayload(payroll_run=run, errors=errors)
