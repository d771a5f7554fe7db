"""审计日志 The audit log: every change, who made it, when, before and after (ADMIN)."""

from __future__ import annotations

import datetime as dt
import json

import peewee as pw
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.auth import Role
from api.db.models import AuditEntry as AuditRecord
from api.graphql.core.connection import Connection, OrderKey, paginate
from api.graphql.core.ids import to_global_id


@strawberry.type(description="审计记录 / An audit entry: who changed what, when, with the record before and after.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `AuditEntry:7`.")
    at: dt.datetime = strawberry.field(description="时间（UTC）/ When (UTC).")
    actor: str = strawberry.field(description="操作人（令牌名称）/ Who: the token's name.")
    role: str = strawberry.field(description="角色 / The token's role.")
    operation: str = strawberry.field(description="操作 / The mutation, e.g. updateWorker.")
    record_type: str = strawberry.field(description="记录类型 / Record type, e.g. Worker.")
    record_id: str = strawberry.field(description="记录编号 / Record id (database id).")
    before: JSON | None = strawberry.field(description="变更前 / The record before.")
    after: JSON | None = strawberry.field(description="变更后 / The record after.")
    request_id: str | None = strawberry.field(description="请求编号 / The HTTP request id (X-Request-Id).")

    @classmethod
    def from_row(cls, row: AuditRecord) -> AuditEntry:
        return cls(
            id=to_global_id("AuditEntry", row.id),
            at=row.at,
            actor=row.actor,
            role=row.role,
            operation=row.operation,
            record_type=row.record_type,
            record_id=row.record_id,
            before=json.loads(row.before) if row.before else None,
            after=json.loads(row.after) if row.after else None,
            request_id=row.request_id,
        )


@strawberry.input(description="审计筛选 / Filter the audit log.")
class AuditWhere:
    record_type: str | None = strawberry.field(default=None, description="记录类型 / Record type, e.g. Worker.")
    record_id: str | None = strawberry.field(default=None, description="记录编号 / Database id of the record.")
    actor: str | None = strawberry.field(default=None, description="操作人 / Token name.")
    operation: str | None = strawberry.field(default=None, description="操作 / Mutation name.")
    since: dt.datetime | None = strawberry.field(default=None, description="起始时间（含）/ At or after (UTC).")
    until: dt.datetime | None = strawberry.field(default=None, description="截止时间（不含）/ Before (UTC).")


@strawberry.type
class AuditQueries:
    @strawberry.field(description="审计日志（管理员，最新在前）/ The audit log, newest first (ADMIN).")
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: AuditWhere | None = None,
    ) -> Connection[AuditEntry]:
        principal = info.context.principal
        principal.require(Role.ADMIN, action="reading the audit log")

        def build() -> pw.ModelSelect:
            query = AuditRecord.select()
            if where:
                if where.record_type:
                    query = query.where(AuditRecord.record_type == where.record_type)
                if where.record_id:
                    query = query.where(AuditRecord.record_id == where.record_id)
                if where.actor:
                    query = query.where(AuditRecord.actor == where.actor)
                if where.operation:
                    query = query.where(AuditRecord.operation == where.operation)
                if where.since:
                    query = query.where(AuditRecord.at >= where.since.replace(tzinfo=None))
                if where.until:
                    query = query.where(AuditRecord.at < where.until.replace(tzinfo=None))
            return query

        keys = [OrderKey(AuditRecord.id, True)]
        return await paginate(build, keys, AuditEntry.from_row, first, after, last, before)
