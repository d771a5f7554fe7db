"""The GraphQL schema: every domain's queries and mutations, and the limits
that protect the server.

``strawberry export-schema api.schema:schema`` prints it; ``schema.graphql``
at the repository root is that output, checked in (a test keeps them equal).
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from api.graphql.communities import CommunityMutations, CommunityQueries
from api.graphql.core.fastpath import FastListExecutionContext
from api.graphql.core.limits import create_rule as cost_rule
from api.graphql.core.operations import PreparedOperations
from api.graphql.core.text import NoNulCharacters
from api.graphql.core.scalars import SCALAR_MAP
from api.graphql.payroll.mutations import PayrollMutations
from api.graphql.payroll.queries import PayrollQueries, PayrollTotalsQueries
from api.graphql.policies import PolicyMutations, PolicyQueries
from api.graphql.positions import PositionMutations, PositionQueries
from api.graphql.audit import AuditQueries
from api.graphql.imports import ImportMutations
from api.graphql.workflows import WorkflowMutations, WorkflowQueries
from api.graphql.reports import ReportQueries
from api.graphql.streets import StreetMutations, StreetQueries
from api.graphql.workers import WorkerMutations, WorkerQueries
from api.services.audit import request_id
from api.settings import Settings

logger = logging.getLogger("community_payroll")


@strawberry.type(description="当前令牌 / Who the current token is.")
class Viewer:
    name: str = strawberry.field(description="令牌名称 / The token's name.")
    role: str = strawberry.field(description="角色：ADMIN、HR、FINANCE、VIEWER / Role.")
    street_codes: list[str] = strawberry.field(description="限定的街道 / Streets an HR token is limited to.")
    community_codes: list[str] = strawberry.field(description="限定的社区 / Communities an HR token is limited to.")
    sees_personal_data: bool = strawberry.field(description="可见个人信息 / Whether personal data is shown unmasked.")


@strawberry.type(description="查询 / Queries.")
class Query(
    StreetQueries,
    CommunityQueries,
    WorkerQueries,
    PositionQueries,
    PolicyQueries,
    PayrollQueries,
    PayrollTotalsQueries,
    ReportQueries,
    AuditQueries,
    WorkflowQueries,
):
    @strawberry.field(description="当前令牌的身份与范围 / The current token: name, role and scope.")
    async def me(self, info: Info) -> Viewer:
        from api.db.threads import run_db
        from api.db.models import Community, Street

        principal = info.context.principal

        def load() -> Viewer:
            streets = [s.code for s in Street.select(Street.code).where(Street.id.in_(sorted(principal.street_ids)))] if principal.street_ids else []
            communities = (
                [c.code for c in Community.select(Community.code).where(Community.id.in_(sorted(principal.community_ids)))]
                if principal.community_ids else []
            )
            return Viewer(
                name=principal.name,
                role=principal.role.value,
                street_codes=sorted(streets),
                community_codes=sorted(communities),
                sees_personal_data=principal.sees_personal_data,
            )

        return await run_db(load)


@strawberry.type(description="变更 / Mutations: each takes one `input` and returns the object and `errors`; nothing is "
                             "written when errors are returned.")
class Mutation(
    StreetMutations,
    CommunityMutations,
    WorkerMutations,
    PositionMutations,
    PolicyMutations,
    PayrollMutations,
    ImportMutations,
    WorkflowMutations,
):
    pass


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose (with a code) and GraphQL's own validation
    and input-coercion errors (no path: they happen before any resolver runs,
    e.g. a Money literal that is not an amount) pass; any other exception in a
    resolver is masked and logged."""
    original = error.original_error
    return error.path is not None and original is not None and not isinstance(original, GraphQLError)


class MaskAndLogErrors(MaskErrors):
    """Unexpected exceptions: no stack trace or SQL in the response, the full
    error in the log, tied together by the request id."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        rid = request_id.get() or "-"
        logger.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()) or "operation",
            rid,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Unexpected error (request id {rid}); the details are in the server log.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": rid},
        )


#: Descriptions of the arguments every list and single-object field shares,
#: applied wherever a field does not describe them itself.
STANDARD_ARGUMENTS = {
    "first": "每页条数（1–100，默认 20）/ Page size: the first N items after `after` (1–100, default 20).",
    "after": "从该游标之后开始（上一页的 pageInfo.endCursor）/ Continue after this cursor (the previous page's "
    "pageInfo.endCursor).",
    "last": "最后 N 条（1–100）/ The last N items before `before` (1–100).",
    "before": "到该游标之前为止 / End before this cursor.",
    "where": "筛选条件 / Filters; all given conditions must hold.",
    "orderBy": "排序（可多个字段，最后按编号）/ Sort order: one or more fields; ties are broken by id.",
    "input": "输入 / The mutation's input.",
    "id": "编号（全局 id，如 Worker:12）/ Global id, e.g. `Worker:12`.",
    "code": "代码 / The record's code.",
}


def describe_standard_arguments(schema: strawberry.Schema) -> strawberry.Schema:
    for graphql_type in schema._schema.type_map.values():
        for field in getattr(graphql_type, "fields", {}).values() if hasattr(graphql_type, "interfaces") else ():
            for name, argument in getattr(field, "args", {}).items():
                if not argument.description and name in STANDARD_ARGUMENTS:
                    argument.description = STANDARD_ARGUMENTS[name]
    return schema


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings.from_env()
    return describe_standard_arguments(_schema(settings))


def _schema(settings: Settings) -> strawberry.Schema:
    limit_rules = [
        depth_rule(settings.max_depth, None, None),
        alias_rule(settings.max_aliases),
        cost_rule(settings.max_cost),
    ]
    # The limits' validation rules are created once, so that validated
    # documents can be cached: clients repeat the same few queries.  Their
    # errors are LIMIT_EXCEEDED; NoNulCharacters' GRAPHQL_VALIDATION_FAILED.
    operations = PreparedOperations([NoNulCharacters], max_tokens=settings.max_tokens, limit_rules=limit_rules)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            operations.extension,
            lambda: MaskAndLogErrors(should_mask_error=_should_mask),
        ],
        config=StrawberryConfig(batching_config={"max_operations": settings.max_batch}, scalar_map=SCALAR_MAP),
        execution_context_class=FastListExecutionContext,
    )


schema = build_schema()
