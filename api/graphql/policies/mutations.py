"""Policy mutations: import or publish a document, make one active."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.graphql.core.ids import input_global_id
from api.graphql.core.mutations import run_mutation
from api.graphql.core.permissions import needs
from api.graphql.core.types import Input
from api.graphql.policies.inputs import ActivatePolicyInput, ImportPolicyInput
from api.graphql.policies.types import Policy, PolicyPayload
from api.reads.policies import paid_months_to_correct, stored
from api.services import policies as service

MANAGE = [needs(Permission.MANAGE_POLICIES)]


@strawberry.type
class PolicyMutations:
    @strawberry.mutation(description="导入/发布政策（管理员）/ Import or publish a policy document (ADMIN). Every problem "
                                     "of the document is listed with its path.", permission_classes=MANAGE)
    async def import_policy(self, info: Info, input: Input[ImportPolicyInput]) -> PolicyPayload:
        principal = info.context.principal

        def store():
            jurisdiction = input_global_id(input.jurisdiction_id, "Jurisdiction", "jurisdictionId")
            return service.store_policy(principal, input.document, input.activate, jurisdiction)

        saved, errors = await run_mutation(store,
                                           lambda record: (Policy.of(stored(record)), paid_months_to_correct(record)))
        if saved is None:
            return PolicyPayload(policy=None, errors=errors)
        policy, months = saved
        return PolicyPayload(policy=policy, corrects_paid_months=len(months) if policy.active else 0, errors=errors)

    @strawberry.mutation(description="设为当前政策（管理员）/ Make a policy the active one (ADMIN).",
                         permission_classes=MANAGE)
    async def activate_policy(self, info: Info, input: Input[ActivatePolicyInput]) -> PolicyPayload:
        principal = info.context.principal
        policy, errors = await run_mutation(
            lambda: service.activate_policy(principal, input_global_id(input.id, "Policy", "id")),
            lambda record: Policy.of(stored(record)))
        return PolicyPayload(policy=policy, errors=errors)
