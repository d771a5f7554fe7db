"""The audit log query (ADMIN)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.fastpath.pages import PageArgs
from api.graphql.audit.types import AuditEntry, AuditWhere
from api.graphql.core.connection import After, Before, Connection, First, Last, paginate
from api.graphql.core.permissions import needs
from api.graphql.core.types import Where
from api.reads import audit as reads


@strawberry.type
class AuditQueries:
    @strawberry.field(description="审计日志（管理员，最新在前）/ The audit log, newest first (ADMIN).",
                      permission_classes=[needs(Permission.READ_AUDIT_LOG)])
    async def audit_log(self, info: Info, first: First = None, after: After = None, last: Last = None,
                        before: Before = None, where: Where[AuditWhere] = None) -> Connection[AuditEntry]:
        listing = reads.entries(
            info.context.principal,
            record_type=where.record_type if where else None,
            record_id=where.record_id if where else None,
            actor=where.actor if where else None,
            operation=where.operation if where else None,
            since=where.since if where else None,
            until=where.until if where else None,
        )
        return await paginate(listing, PageArgs(first, after, last, before), info)
