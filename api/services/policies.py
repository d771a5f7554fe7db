"""Stored policy documents: import, validation, publishing versions, the active one.

A policy is stored whole as the validated document (JSON).  Published versions
never change: storing a document again may only add versions (for example when
the year's disposable income is published), because approved payroll was
computed from the old ones.  One policy is *active*: the one payroll runs,
quotes, staffing and budgets use.
"""

from __future__ import annotations

import dataclasses

from payroll.cells import starts_like_formula
from payroll.policy import Policy, PolicyError, load_yaml, parse_policy

from api.access.permissions import Permission, require
from api.access.principal import Principal
from api.db.database import database
from api.db.models import Policy as PolicyRecord
from api.db.models import PolicyVersion as PolicyVersionRecord
from api.db.models import Worker, utcnow
from api.errors import ErrorCode, UserError, UserErrors
from api.reads.policies import document_json, policy_from_record
from api.services import audit
from api.services.columns import check_length
from api.services.lookups import jurisdiction_to_change
from api.services.records import formula_message


def parse_document(text: str) -> dict:
    """Read YAML (or JSON) text; refuse anything that is not a valid policy."""
    try:
        data = load_yaml(text)
        policy = parse_policy(data)
    except PolicyError as exc:
        raise UserErrors([UserError("document", ErrorCode.INVALID, problem) for problem in exc.problems]) from None
    formulas = [path for path, text in _texts(policy) if starts_like_formula(text)]
    if formulas:
        raise UserErrors([UserError("document", ErrorCode.INVALID, formula_message(path)) for path in formulas])
    return data


def _texts(policy: Policy) -> list[tuple[str, str]]:
    """The document's texts that files print (its id, title, post and allowance titles), by path."""
    texts = [("id", policy.id), ("title", policy.title or "")]
    for i, version in enumerate(policy.versions):
        texts += [(f"versions[{i}].posts.{key}.title", post.title) for key, post in version.posts.items()]
        texts += [(f"versions[{i}].allowances.fixed[{j}].title", item.title)
                  for j, item in enumerate(version.allowances.fixed)]
    return texts


def store_policy(principal: Principal, text: str, activate: bool = False,
                 jurisdiction_id: int | None = None) -> PolicyRecord:
    """Import a policy document of a jurisdiction (the only one when there is
    one), or publish new versions of a stored one."""
    require(principal, Permission.MANAGE_POLICIES)
    data = parse_document(text)
    policy = parse_policy(data)
    _check_fits_columns(policy)
    with database.atomic():
        jurisdiction = jurisdiction_to_change(principal, jurisdiction_id)
        record = PolicyRecord.get_or_none((PolicyRecord.jurisdiction == jurisdiction.id)
                                          & (PolicyRecord.code == policy.id))
        if record is None:
            record = PolicyRecord.create(jurisdiction=jurisdiction.id, code=policy.id, title=policy.title,
                                         document=document_json(data), active=False)
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
                    source=version.source or None,
                    base_income_annual=version.base_income_annual,
                )
        audit.record(principal, "importPolicy", "Policy", record.id, before, audit.snapshot(record))
        if activate:
            record = activate_policy(principal, record.id)
    return record


def _check_fits_columns(policy: Policy) -> None:
    """The texts stored in columns of their own (the document itself is stored whole)."""
    errors: list[UserError] = []
    check_length(errors, "document.id", PolicyRecord.code, policy.id, "document")
    check_length(errors, "document.title", PolicyRecord.title, policy.title, "document")
    for version in policy.versions:
        check_length(errors, f"document.{version.path}.source", PolicyVersionRecord.source, version.source, "document")
    for post in policy.post_keys:  # stored as workers' and positions' post
        check_length(errors, f"document.posts.{post[:40]}", Worker.post, post, "document")
    if errors:
        raise UserErrors(errors)


def _check_published_unchanged(old: Policy, new: Policy) -> None:
    new_by_date = {v.effective_from: v for v in new.versions}
    problems = []
    for version in old.versions:
        replacement = new_by_date.get(version.effective_from)
        if replacement is None:
            problems.append(f"缺少 {version.effective_from} 起生效的版本；已发布的版本须保留 / the version effective "
                            f"from {version.effective_from} is missing; published versions stay")
        elif dataclasses.replace(replacement, index=version.index) != version:
            problems.append(
                f"{version.effective_from} 起生效的版本与已发布的不同；请另发布一个生效日期更晚的新版本 / the version "
                f"effective from {version.effective_from} differs from the published one; publish a new version with "
                "a later effective_from instead"
            )
    if problems:
        raise UserErrors([UserError("document", ErrorCode.CONFLICT, p) for p in problems])


def activate_policy(principal: Principal, policy_id: int) -> PolicyRecord:
    """Make a policy the one its jurisdiction is paid under (the jurisdiction's
    other policies stop being active; other jurisdictions keep theirs)."""
    require(principal, Permission.MANAGE_POLICIES)
    with database.atomic():
        record = PolicyRecord.get_or_none(PolicyRecord.id == policy_id)
        if record is None:
            raise UserErrors.one("id", ErrorCode.NOT_FOUND, f"id：政策 {policy_id} 不存在 / id: policy {policy_id} does "
                                                            "not exist")
        PolicyRecord.update(active=False).where((PolicyRecord.active == True)  # noqa: E712
                                                & (PolicyRecord.jurisdiction == record.jurisdiction_id)).execute()
        PolicyRecord.update(active=True).where(PolicyRecord.id == record.id).execute()
        audit.record(principal, "activatePolicy", "Policy", record.id, None, {"active": True})
    return PolicyRecord.get_by_id(record.id)
