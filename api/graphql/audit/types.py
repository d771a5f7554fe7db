"""The audit log's entry type and its filter."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.fastpath.views import node
from api.graphql.core.ids import to_global_id
from api.reads.audit import AUDIT_ENTRY


@node(AUDIT_ENTRY)
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
    def from_values(cls, v: dict[str, Any]) -> AuditEntry:
        return cls(
            id=to_global_id("AuditEntry", v["id"]),
            at=v["at"],
            actor=v["actor"],
            role=v["role"],
            operation=v["operation"],
            record_type=v["record_type"],
            record_id=v["record_id"],
            before=json.loads(v["before"]) if v["before"] else None,
            after=json.loads(v["after"]) if v["after"] else None,
            request_id=v["request_id"],
        )


@strawberry.input(description="审计筛选 / Filter the audit log.")
class AuditWhere:
    record_type: str | None = strawberry.field(default=None, description="记录类型 / Record type, e.g. Worker.")
    record_id: str | None = strawberry.field(default=None, description="记录编号 / Database id of the record.")
    actor: str | None = strawberry.field(default=None, description="操作人 / Token name.")
    operation: str | None = strawberry.field(default=None, description="操作 / Mutation name.")
    since: dt.datetime | None = strawberry.field(default=None, description="起始时间（含）/ At or after (UTC).")
    until: dt.datetime | None = strawberry.field(default=None, description="截止时间（不含）/ Before (UTC).")
