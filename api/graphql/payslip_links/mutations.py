"""Mutations of 电子工资条: HR issues a worker's one-time payslip link and
revokes a worker's links and phone tokens.  The worker is looked up through
the caller's scope (outside it: NOT_FOUND, as for a missing worker)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.graphql.core.ids import input_global_id
from api.graphql.core.mutations import run_mutation
from api.graphql.core.permissions import needs
from api.graphql.core.types import Input
from api.graphql.payslip_links.inputs import CreatePayslipLinkInput, RevokePayslipAccessInput
from api.graphql.payslip_links.types import PayslipLink, PayslipLinkPayload, RevokePayslipAccessPayload
from api.graphql.records.types import Worker
from api.reads import records as reads
from api.services import payslip_links

ISSUE = [needs(Permission.ISSUE_PAYSLIP_ACCESS)]


def _service_address(info: Info) -> str:
    """Where workers reach the service: PAYROLL_PUBLIC_URL, else this request's own address."""
    request = info.context.request
    configured = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


@strawberry.type
class PayslipLinkMutations:
    @strawberry.mutation(description="发放一次性电子工资条链接（打印或发送给工作者；该工作者此前未用的链接随之作废）/ "
                                     "Create a one-time link to the worker's own payslips, to print or send; the "
                                     "worker's earlier unused links stop working.", permission_classes=ISSUE)
    async def create_payslip_link(self, info: Info, input: Input[CreatePayslipLinkInput]) -> PayslipLinkPayload:
        principal = info.context.principal
        address = _service_address(info)

        def create() -> payslip_links.NewLink:
            pk = input_global_id(input.worker_id, "Worker", "workerId")
            return payslip_links.issue_link(principal, pk, input.expires_in_days)

        def read_back(new: payslip_links.NewLink) -> PayslipLink:
            worker = Worker.from_values(reads.worker(principal, pk=new.record.worker_id))
            return PayslipLink(url=address + new.path, path=new.path, expires_at=new.record.expires_at, worker=worker)

        link, errors = await run_mutation(create, read_back)
        return PayslipLinkPayload(link=link, errors=errors)

    @strawberry.mutation(description="撤销工作者的电子工资条（未用的链接与手机上的令牌，如手机丢失）/ Revoke a worker's "
                                     "unused payslip links and the tokens of their phones (a lost phone).",
                         permission_classes=ISSUE)
    async def revoke_payslip_access(self, info: Info,
                                    input: Input[RevokePayslipAccessInput]) -> RevokePayslipAccessPayload:
        principal = info.context.principal

        def revoke() -> payslip_links.Revoked:
            pk = input_global_id(input.worker_id, "Worker", "workerId")
            return payslip_links.revoke_access(principal, pk)

        revoked, errors = await run_mutation(revoke)
        if revoked is None:
            return RevokePayslipAccessPayload.nothing(errors)
        return RevokePayslipAccessPayload(links_revoked=revoked.links, tokens_revoked=revoked.tokens, errors=errors)
