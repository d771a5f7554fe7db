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
from strawberry.types import ExecutionContext, Info

from api.access.masking import sees_personal_data
from api.access.permissions import Permission
from api.db.threads import run_db
from api.fastpath.completion import FastListExecutionContext
from api.graphql.audit.queries import AuditQueries
from api.graphql.core.limits import create_rule as cost_rule
from api.graphql.core.messages import chinese_first
from api.graphql.core.operations import PreparedOperations, enum_choices_of
from api.graphql.core.permissions import needs
from api.graphql.core.scalars import SCALAR_MAP
from api.graphql.core.text import NoNulCharacters
from api.graphql.imports.mutations import ImportMutations
from api.graphql.payroll.mutations import PayrollMutations
from api.graphql.payroll.queries import PayrollQueries
from api.graphql.payslip_links.mutations import PayslipLinkMutations
from api.graphql.policies.mutations import PolicyMutations
from api.graphql.policies.queries import PolicyQueries
from api.graphql.records.mutations import RecordMutations
from api.graphql.records.queries import RecordQueries
from api.graphql.records.types import Worker
from api.graphql.reports.queries import ReportQueries
from api.reads.records import scope_codes
from api.reads.records import worker as worker_record
from api.services.audit import request_id
from api.settings import Settings

logger = logging.getLogger("community_payroll")
#: One line per request error.
request_log = logging.getLogger("community_payroll.requests")


@strawberry.type(description="当前令牌 / Who the current token is.")
class Viewer:
    name: str = strawberry.field(description="令牌名称 / The token's name.")
    role: str = strawberry.field(description="角色：ADMIN、HR、FINANCE、VIEWER、WORKER（工作者本人）、PROVINCE（省级）/ Role.")
    jurisdiction_codes: list[str] = strawberry.field(description="限定的辖区（含下级）/ Jurisdictions the token is limited "
                                                                 "to, with those below them.")
    street_codes: list[str] = strawberry.field(description="限定的街道 / Streets the token is limited to.")
    community_codes: list[str] = strawberry.field(description="限定的社区 / Communities the token is limited to.")
    sees_personal_data: bool = strawberry.field(description="可见个人信息 / Whether personal data is shown unmasked.")
    worker_pk: strawberry.Private[int | None]

    @strawberry.field(description="工作者本人令牌（电子工资条）所属的工作者；其他角色为空 / The worker a WORKER token "
                                  "(电子工资条) belongs to: its own record and, under it, its payslips. Null for the other "
                                  "roles.")
    async def worker(self, info: Info) -> Worker | None:
        if self.worker_pk is None:
            return None
        found = await run_db(worker_record, info.context.principal, pk=self.worker_pk)
        return Worker.from_values(found) if found else None


@strawberry.type(description="查询 / Queries.")
class Query(RecordQueries, PayrollQueries, PolicyQueries, ReportQueries, AuditQueries):
    @strawberry.field(description="当前令牌的身份与范围 / The current token: name, role and scope.",
                      permission_classes=[needs(Permission.READ, Permission.READ_OWN_PAYSLIPS)])
    async def me(self, info: Info) -> Viewer:
        principal = info.context.principal
        jurisdictions, streets, communities = await run_db(scope_codes, principal)
        return Viewer(name=principal.name, role=principal.role.value, jurisdiction_codes=jurisdictions, street_codes=streets,
                      community_codes=communities, sees_personal_data=sees_personal_data(principal),
                      worker_pk=principal.worker_id)


@strawberry.type(description="变更 / Mutations: each takes one `input` and returns the object and `errors`; nothing is "
                             "written when errors are returned.")
class Mutation(RecordMutations, PayrollMutations, PolicyMutations, ImportMutations, PayslipLinkMutations):
    pass


def _unexpected(error: GraphQLError) -> bool:
    """An exception we did not raise on purpose (a bug, a lost database)."""
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def _should_mask(error: GraphQLError) -> bool:
    """Errors we raise on purpose (with a code) and GraphQL's own validation
    and input-coercion errors (no path: they happen before any resolver runs,
    e.g. a Money literal that is not an amount) pass; any other exception in a
    resolver is masked and logged."""
    return error.path is not None and _unexpected(error)


#: Request errors worth an operator's attention (the others are users' mistakes).
_WARNING_CODES = frozenset({"LIMIT_EXCEEDED", "DATABASE_BUSY"})
_LOGGED_MESSAGE = 300


class PayrollSchema(strawberry.Schema):
    """The schema, logging its errors as an operator wants them: a request
    error (``BAD_USER_INPUT``, ``NOT_FOUND``, ``FORBIDDEN``, ``LIMIT_EXCEEDED``
    …) or a parse or validation error in one line — code, message, request id
    — and an unexpected exception with its whole traceback, once
    (:class:`MaskAndLogErrors` logs those it masks).  Strawberry's own
    logging would print a traceback for every user's mistake."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        rid = request_id.get() or "-"
        for error in errors:
            if _unexpected(error):
                if not _should_mask(error):  # masked ones are logged by MaskAndLogErrors
                    logger.error("unexpected error (request %s)", rid, exc_info=error.original_error)
                continue
            # Without a code: variables that do not fit their types (their
            # code, BAD_USER_INPUT, is set later by PreparedOperations), or
            # an error of GraphQL's own during execution.
            code = (error.extensions or {}).get("code") or ("BAD_USER_INPUT" if error.path is None else "GRAPHQL_ERROR")
            # The message as the client receives it (Chinese first; graphql-core's own get their Chinese later).
            message = chinese_first(error.message, code, enum_choices_of(self))
            message = message if len(message) <= _LOGGED_MESSAGE else message[:_LOGGED_MESSAGE] + "…"
            where = ".".join(str(p) for p in error.path) if error.path else "operation"
            request_log.log(logging.WARNING if code in _WARNING_CODES or error.path and code == "GRAPHQL_ERROR"
                            else logging.INFO, "%s in %s (request %s): %s", code, where, rid, message.replace("\n", " "))


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
            message=f"服务器内部错误（请求编号 {rid}），详情见服务器日志 / Unexpected error (request id {rid}); the details "
                    "are in the server log.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": rid},
        )


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings.from_env()
    limit_rules = [
        depth_rule(settings.max_depth, None, None),
        alias_rule(settings.max_aliases),
        cost_rule(settings.max_cost),
    ]
    # The limits' validation rules are created once, so that validated
    # documents can be cached: clients repeat the same few queries.  Their
    # errors are LIMIT_EXCEEDED; NoNulCharacters' GRAPHQL_VALIDATION_FAILED.
    operations = PreparedOperations([NoNulCharacters], max_tokens=settings.max_tokens, limit_rules=limit_rules)
    return PayrollSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            operations.extension,
            lambda: MaskAndLogErrors(should_mask_error=_should_mask),
        ],
        config=StrawberryConfig(batching_config={"max_operations": settings.max_batch}, scalar_map=SCALAR_MAP),
        execution_context_class=FastListExecutionContext,
    )
