"""The audit log: every change records who, when, what, before and after."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from typing import Any

import peewee as pw

from api.access.principal import Principal
from api.db.models import AuditEntry

#: The id of the HTTP request being served (set by the app's middleware).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def snapshot(record: pw.Model | None) -> dict[str, Any] | None:
    """A record's column values as JSON-ready data (foreign keys as ids)."""
    if record is None:
        return None
    out: dict[str, Any] = {}
    for name, field in record._meta.fields.items():
        value = record.__data__.get(name)
        if isinstance(field, pw.ForeignKeyField):
            name = f"{name}_id"
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        out[name] = value
    return out


def record(
    principal: Principal,
    operation: str,
    record_type: str,
    record_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Add an audit entry (inside the caller's transaction)."""
    AuditEntry.create(
        actor=principal.name,
        role=principal.role.value,
        operation=operation,
        record_type=record_type,
        record_id=str(record_id),
        before=None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
        after=None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True),
        request_id=request_id.get(),
    )
