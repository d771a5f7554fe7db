"""Reading the stored policy documents: the parsed policy of a record and
the active one.  Policies are published figures, readable by every role."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from payroll.periods import Period
from payroll.policy import Policy, parse_policy

from api.access.principal import Principal
from api.db.models import PayrollRun
from api.db.models import Policy as PolicyRecord
from api.errors import ErrorCode, UserErrors
from api.reads.common import filter_text

# Parsed policies by their document: ids and versions repeat across databases
# (a test database after another, a restored backup), the document does not;
# and runs keep the document they were computed with.
_documents: dict[str, Policy] = {}
_cache_lock = threading.Lock()


def _json_default(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def document_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, default=_json_default, sort_keys=False)


def policy_from_document(document: str) -> Policy:
    """The parsed policy of a stored document (JSON text), cached by the text:
    runs keep the document they were computed with."""
    with _cache_lock:
        cached = _documents.get(document)
    if cached is None:
        cached = parse_policy(json.loads(document))
        with _cache_lock:
            if len(_documents) > 64:
                _documents.clear()
            _documents[document] = cached
    return cached


def policy_from_record(record: PolicyRecord) -> Policy:
    """The parsed policy of a stored record."""
    return policy_from_document(record.document)


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


def paid_months_to_correct(record: PolicyRecord) -> list[str]:
    """The paid months (approved and paid runs of the latest paid year and the
    one before) whose version in force under ``record``'s policy is not the
    one they were paid with: the next payroll run corrects them (§13)."""
    policy = policy_from_record(record)
    latest = PayrollRun.select(PayrollRun.period).where(PayrollRun.status.in_(("APPROVED", "PAID"))) \
        .order_by(PayrollRun.period.desc()).first()
    if latest is None:
        return []
    runs = PayrollRun.select(PayrollRun.period, PayrollRun.policy, PayrollRun.policy_effective_from).where(
        PayrollRun.status.in_(("APPROVED", "PAID")) & (PayrollRun.period >= f"{int(latest.period[:4]) - 1:04d}-01"))
    months = set()
    for run in runs:
        try:
            in_force = policy.version_for(Period.parse(run.period)).effective_from
        except LookupError:
            in_force = None
        if run.policy_id != record.id or in_force != run.policy_effective_from:
            months.add(run.period)
    return sorted(months)
