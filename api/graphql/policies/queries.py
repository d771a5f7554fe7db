"""Policy queries: the stored documents, one policy, the grade table."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.db.threads import run_db
from api.errors import BadRequest
from api.graphql.core.ids import from_global_id, optional_global_id
from api.graphql.core.permissions import needs
from api.graphql.core.scalars import Period
from api.graphql.core.types import Code, OptionalId
from api.graphql.policies.types import GradeTable, Policy, grade_table
from api.reads import policies as reads

READ = [needs(Permission.READ)]
JurisdictionArgument = Annotated[strawberry.ID | None, strawberry.argument(
    description="辖区 / A jurisdiction, e.g. `Jurisdiction:2`.")]


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="政策文件列表（可只列一个辖区的）/ Stored policy documents (of one jurisdiction when "
                                  "given).", permission_classes=READ)
    async def policies(self, info: Info, jurisdiction_id: JurisdictionArgument = None) -> list[Policy]:
        jurisdiction = optional_global_id(jurisdiction_id, "Jurisdiction", "jurisdictionId")
        found = await run_db(reads.policies, info.context.principal, jurisdiction_pk=jurisdiction)
        return [Policy.of(stored) for stored in found]

    @strawberry.field(description="按编号或代码取政策；都不给时为辖区适用的政策（只有一个政策启用时可不给辖区）/ One "
                                  "policy by id or code; with neither, the policy in force for the jurisdiction (which "
                                  "may be left out while one policy is active).", permission_classes=READ)
    async def policy(self, info: Info, id: OptionalId = None, code: Code = None,
                     jurisdiction_id: JurisdictionArgument = None) -> Policy | None:
        pk = from_global_id(id, "Policy") if id is not None else None
        jurisdiction = optional_global_id(jurisdiction_id, "Jurisdiction", "jurisdictionId")
        stored = await run_db(reads.policy, info.context.principal, pk=pk, code=code, jurisdiction_pk=jurisdiction)
        return Policy.of(stored) if stored else None

    @strawberry.field(description="岗位等级工资表 / The post × grade pay table of a month (default policy: the active one).",
                      permission_classes=READ)
    async def grade_table(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="月份，决定所用政策版本 / The month; picks the policy "
                                                                  "version in force.")],
        policy_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="政策编号；不填为辖区适用的政策 / Global id of a policy; when omitted, the "
                                            "jurisdiction's policy in force (the active one)."),
        ] = None,
        jurisdiction_id: JurisdictionArgument = None,
    ) -> GradeTable:
        pk = from_global_id(policy_id, "Policy", "policyId") if policy_id is not None else None
        jurisdiction = optional_global_id(jurisdiction_id, "Jurisdiction", "jurisdictionId")
        stored = await run_db(reads.policy, info.context.principal, pk=pk, jurisdiction_pk=jurisdiction)
        if stored is None:
            if pk is not None:
                raise BadRequest("政策不存在 / no such policy")
            raise BadRequest(await run_db(reads.why_no_policy, jurisdiction))
        try:
            version = stored.policy.version_for(period)
        except LookupError as exc:
            raise BadRequest(str(exc)) from None
        return grade_table(version, period)
