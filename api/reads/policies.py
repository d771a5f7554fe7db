"""Reading the stored policy documents: the parsed policy of a record and
the active one.  Policies are published figures, readable by every role."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from payroll.policy import Policy, parse_policy

from api.access.principal import Principal
from api.db.models import Policy as PolicyRecord
from api.errors import ErrorCode, UserErrors
from api.reads.common import filter_text

# Keyed by the document too: ids and versions repeat across databases (a test
# database after another, a restored backup), the document does not.
_cache: dict[tuple[int, int, str], Policy] = {}
_cache_lock = threading.Lock()


def _json_default(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def document_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, default=_json_default, sort_keys=False)


def policy_from_record(record: PolicyRecord) -> Policy:
    """The parsed policy of a stored record (cached by id, version and document)."""
    key = (record.id, record.version, record.document)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None:
        cached = parse_policy(json.loads(record.document))
        with _cache_lock:
            _cache[key] = cached
    return cached


def active_record() -> PolicyRecord | None:
    return PolicyRecord.select().where(PolicyRecord.active == True).first()  # noqa: E712


def active_policy() -> Policy | None:
    record = active_record()
    return None if record is None else policy_from_record(record)


def require_active_policy() -> tuple[PolicyRecord, Policy]:
    record = active_record()
    if record is None:
        raise UserErrors.one(None, ErrorCode.INVALID_STATE, "没有启用的薪酬政策：请先导入并启用政策文件 / no policy is active; "
                                                            "import a policy document and activate it first")
    return record, policy_from_record(record)


@dataclass(frozen=True)
class StoredPolicy:
    """A stored policy document with its parsed policy."""

    id: int
    code: str
    title: str
    active: bool
    version: int
    #: The validated document as JSON text.
    document: str
    policy: Policy


def stored(record: PolicyRecord) -> StoredPolicy:
    return StoredPolicy(record.id, record.code, record.title, record.active, record.version, record.document,
                        policy_from_record(record))


def policies(principal: Principal) -> list[StoredPolicy]:
    """Every stored policy, by code (published figures: every role reads them)."""
    return [stored(record) for record in PolicyRecord.select().order_by(PolicyRecord.code)]


def policy(principal: Principal, *, pk: int | None = None, code: str | None = None) -> StoredPolicy | None:
    """A policy by id or code; the active one when neither is given."""
    query = PolicyRecord.select()
    if pk is not None:
        query = query.where(PolicyRecord.id == pk)
    elif code is not None:
        query = query.where(PolicyRecord.code == filter_text(code, "code"))
    else:
        query = query.where(PolicyRecord.active == True)  # noqa: E712
    record = query.first()
    return None if record is None else stored(record)
