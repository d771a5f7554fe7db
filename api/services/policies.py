"""Stored policy documents: import, validation, publishing versions, the active one.

A policy is stored whole as the validated document (JSON).  Published versions
never change: storing a document again may only add versions (for example when
the year's disposable income is published), because approved payroll was
computed from the old ones.  One policy is *active*: the one payroll runs,
quotes, staffing and budgets use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from typing import Any

import yaml

from payroll.policy import Policy, PolicyError, parse_policy

from api.auth import Principal, Role
from api.errors import ErrorCode, UserError, UserErrors
from api.db.database import database
from api.db.models import Policy as PolicyRecord
from api.db.models import PolicyVersion as PolicyVersionRecord
from api.db.models import utcnow
from api.services import audit

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
        raise UserErrors.one(None, ErrorCode.INVALID_STATE, "no policy is active; import a policy document and activate it first")
    return record, policy_from_record(record)


def parse_document(text: str) -> dict:
    """Read YAML (or JSON) text; refuse anything that is not a valid policy."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise UserErrors.one("document", ErrorCode.INVALID, f"{where}not valid YAML ({getattr(exc, 'problem', exc)})") from None
    try:
        parse_policy(data)
    except PolicyError as exc:
        raise UserErrors([UserError("document", ErrorCode.INVALID, problem) for problem in exc.problems]) from None
    return data


def store_policy(principal: Principal, text: str, activate: bool = False) -> PolicyRecord:
    """Import a policy document, or publish new versions of a stored one."""
    principal.require(Role.ADMIN, action="importing a policy")
    data = parse_document(text)
    policy = parse_policy(data)
    with database.atomic():
        record = PolicyRecord.get_or_none(PolicyRecord.code == policy.id)
        if record is None:
            record = PolicyRecord.create(code=policy.id, title=policy.title, document=document_json(data), active=False)
            before = None
        else:
            before = audit.snapshot(record)
            old = policy_from_record(record)
            _check_published_unchanged(old, policy)
            PolicyRecord.update(
                title=policy.title, document=document_json(data), version=PolicyRecord.version + 1, updated_at=utcnow()
            ).where(PolicyRecord.id == record.id).execute()
            record = PolicyRecord.get_by_id(record.id)
        known = {v.effective_from for v in PolicyVersionRecord.select().where(PolicyVersionRecord.policy == record)}
        for version in policy.versions:
            if version.effective_from not in known:
                PolicyVersionRecord.create(
                    policy=record,
                    effective_from=version.effective_from,
                    source=(version.source or "")[:200] or None,
                    base_income_annual=version.base_income_annual,
                )
        audit.record(principal, "importPolicy", "Policy", record.id, before, audit.snapshot(record))
        if activate:
            record = activate_policy(principal, record.id)
    return record


def _check_published_unchanged(old: Policy, new: Policy) -> None:
    new_by_date = {v.effective_from: v for v in new.versions}
    problems = []
    for version in old.versions:
        replacement = new_by_date.get(version.effective_from)
        if replacement is None:
            problems.append(f"the version effective from {version.effective_from} is missing; published versions stay")
        elif dataclasses.replace(replacement, index=version.index) != version:
            problems.append(
                f"the version effective from {version.effective_from} differs from the published one; "
                "publish a new version with a later effective_from instead"
            )
    if problems:
        raise UserErrors([UserError("document", ErrorCode.CONFLICT, p) for p in problems])


def activate_policy(principal: Principal, policy_id: int) -> PolicyRecord:
    principal.require(Role.ADMIN, action="activating a policy")
    with database.atomic():
        record = PolicyRecord.get_or_none(PolicyRecord.id == policy_id)
        if record is None:
            raise UserErrors.one("id", ErrorCode.NOT_FOUND, f"policy {policy_id} does not exist")
        PolicyRecord.update(active=False).where(PolicyRecord.active == True).execute()  # noqa: E712
        PolicyRecord.update(active=True).where(PolicyRecord.id == record.id).execute()
        audit.record(principal, "activatePolicy", "Policy", record.id, None, {"active": True})
    return PolicyRecord.get_by_id(record.id)
