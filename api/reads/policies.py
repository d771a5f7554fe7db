"""Reading the stored policy documents: the parsed policy of a record and
the one in force for a jurisdiction.  Policies are published figures,
readable by every role.

Each jurisdiction has at most one active policy; one without is paid under
its nearest ancestor's (:class:`api.db.jurisdictions.JurisdictionTree`).
Where no jurisdiction is named — a one-city installation, as before there
were several — "the active policy" is the one active policy; with several
active the caller must name the jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from payroll.periods import Period
from payroll.policy import Policy, parse_policy

from api.access import scopes
from api.access.principal import Principal
from api.db.jurisdictions import JurisdictionTree
from api.db.models import Community, Jurisdiction, PayrollRun, Street
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


#: Parsed policy documents kept: every active policy of a province's hundred
#: or more jurisdictions with room for earlier documents that runs keep.
CACHED_DOCUMENTS = 512


def policy_from_document(document: str) -> Policy:
    """The parsed policy of a stored document (JSON text), cached by the text:
    runs keep the document they were computed with."""
    with _cache_lock:
        cached = _documents.get(document)
    if cached is None:
        cached = parse_policy(json.loads(document))
        with _cache_lock:
            if len(_documents) > CACHED_DOCUMENTS:
                _documents.clear()
            _documents[document] = cached
    return cached


def policy_from_record(record: PolicyRecord) -> Policy:
    """The parsed policy of a stored record."""
    return policy_from_document(record.document)


def active_record(jurisdiction_id: int | None = None) -> PolicyRecord | None:
    """The policy in force for ``jurisdiction_id`` (its own active one or its
    nearest ancestor's); without a jurisdiction, the one active policy (None
    when there are several: the caller must name the jurisdiction)."""
    if jurisdiction_id is not None:
        home = JurisdictionTree.load().policy_home(jurisdiction_id)
        return None if home is None else PolicyRecord.get_or_none(
            (PolicyRecord.jurisdiction == home) & (PolicyRecord.active == True))  # noqa: E712
    active = list(PolicyRecord.select().where(PolicyRecord.active == True).limit(2))  # noqa: E712
    return active[0] if len(active) == 1 else None


def active_policy(jurisdiction_id: int | None = None) -> Policy | None:
    record = active_record(jurisdiction_id)
    return None if record is None else policy_from_record(record)


SEVERAL_POLICIES = ("jurisdictionId：多个辖区各有政策，请指定辖区 / jurisdictionId: several jurisdictions have their own "
                    "policies; name the jurisdiction")


def require_active_policy(jurisdiction_id: int | None = None) -> tuple[PolicyRecord, Policy]:
    record = active_record(jurisdiction_id)
    if record is None:
        if jurisdiction_id is None and several_policies_active():
            raise UserErrors.one("jurisdictionId", ErrorCode.INVALID, SEVERAL_POLICIES)
        raise no_policy_in_force()
    return record, policy_from_record(record)


def several_policies_active() -> bool:
    return PolicyRecord.select().where(PolicyRecord.active == True).count() > 1  # noqa: E712


def why_no_policy(jurisdiction_pk: int | None) -> str:
    """Why no policy answers a request that names none: several are in force
    (the caller must name the jurisdiction), or none is."""
    if jurisdiction_pk is None and several_policies_active():
        return SEVERAL_POLICIES
    return "没有启用的政策 / no policy is active"


def no_policy_in_force() -> UserErrors:
    return UserErrors.one(None, ErrorCode.INVALID_STATE, "没有启用的薪酬政策：请先导入并启用政策文件 / no policy is active; "
                                                         "import a policy document and activate it first")


def active_post_names() -> dict[str, str]:
    """The names of posts the active policies agree on (副职 → DEPUTY): to read
    a post's title where no jurisdiction is known yet (an import's 岗位 column
    before its rows' communities, a filter over every jurisdiction)."""
    names: dict[str, set[str]] = {}
    for record in PolicyRecord.select().where(PolicyRecord.active == True):  # noqa: E712
        for name, key in policy_from_record(record).post_names.items():
            names.setdefault(name, set()).add(key)
    return {name: next(iter(keys)) for name, keys in names.items() if len(keys) == 1}


def jurisdiction_of_street(street_id: int) -> int | None:
    row = Street.select(Street.jurisdiction).where(Street.id == street_id).tuples().first()
    return None if row is None else row[0]


def jurisdiction_of_community(community_id: int) -> int | None:
    row = (Street.select(Street.jurisdiction).join(Community, on=(Community.street == Street.id))
           .where(Community.id == community_id).tuples().first())
    return None if row is None else row[0]


def policy_of_community(community_id: int | None) -> Policy | None:
    """The policy in force for a community's jurisdiction (None: none in force,
    or no community given and several policies active)."""
    jurisdiction = jurisdiction_of_community(community_id) if community_id is not None else None
    return active_policy(jurisdiction)


class PoliciesOfCommunities:
    """The policy in force for each community's jurisdiction, each policy read
    once (an import checks thousands of rows against their communities')."""

    def __init__(self) -> None:
        self.tree = JurisdictionTree.load()
        self.jurisdiction_of = dict(Community.select(Community.id, Street.jurisdiction)
                                    .join(Street, on=(Community.street == Street.id)).tuples())
        self._by_home: dict[int, Policy | None] = {}

    def of(self, community_id: int | None) -> Policy | None:
        """The policy of the community (without one: the one active policy, if one)."""
        if community_id is None or community_id not in self.jurisdiction_of:
            return active_policy()
        home = self.tree.policy_home(self.jurisdiction_of[community_id])
        return None if home is None else self.of_home(home)

    def of_home(self, home: int) -> Policy | None:
        if home not in self._by_home:
            self._by_home[home] = active_policy(home)
        return self._by_home[home]


@dataclass(frozen=True)
class StoredPolicy:
    """A stored policy document with its parsed policy."""

    id: int
    jurisdiction_id: int
    code: str
    title: str
    active: bool
    version: int
    #: The validated document as JSON text.
    document: str
    policy: Policy


def stored(record: PolicyRecord) -> StoredPolicy:
    return StoredPolicy(record.id, record.jurisdiction_id, record.code, record.title, record.active, record.version,
                        record.document, policy_from_record(record))


def policies(principal: Principal, *, jurisdiction_pk: int | None = None) -> list[StoredPolicy]:
    """Every stored policy the principal may read (or a jurisdiction's own), by
    jurisdiction and code: those of its jurisdictions and of the ones above
    them, under whose policies they may be paid."""
    query = scopes.restrict(PolicyRecord.select(), PolicyRecord, principal)
    if jurisdiction_pk is not None:
        query = query.where(PolicyRecord.jurisdiction == jurisdiction_pk)
    return [stored(record) for record in query.order_by(PolicyRecord.jurisdiction, PolicyRecord.code)]


def policy(principal: Principal, *, pk: int | None = None, code: str | None = None,
           jurisdiction_pk: int | None = None) -> StoredPolicy | None:
    """A policy by id, or by code (within a jurisdiction when given); without
    either, the one in force for the jurisdiction (or the one active policy)."""
    if pk is None and code is None:
        record = active_record(jurisdiction_pk if jurisdiction_pk is not None else only_home(principal))
        if record is None or not scopes.restrict(PolicyRecord.select(PolicyRecord.id).where(
                PolicyRecord.id == record.id), PolicyRecord, principal).exists():
            return None
        return stored(record)
    query = scopes.restrict(PolicyRecord.select(), PolicyRecord, principal)
    if pk is not None:
        query = query.where(PolicyRecord.id == pk)
    else:
        query = query.where(PolicyRecord.code == filter_text(code, "code"))
        if jurisdiction_pk is not None:
            query = query.where(PolicyRecord.jurisdiction == jurisdiction_pk)
    record = query.order_by(PolicyRecord.jurisdiction).first()
    return None if record is None else stored(record)


def only_home(principal: Principal) -> int | None:
    """The one jurisdiction whose policy every jurisdiction visible to a
    limited principal is paid under (a city's token: its city), else None."""
    if not principal.restricted:
        return None
    tree = JurisdictionTree.load()
    visible = scopes.restrict(Jurisdiction.select(Jurisdiction.id), Jurisdiction, principal).tuples()
    homes = {tree.policy_home(pk) for (pk,) in visible}
    return homes.pop() if len(homes) == 1 else None


def paid_months_to_correct(record: PolicyRecord) -> list[str]:
    """The paid months (approved and paid runs of the latest paid year and the
    one before) whose version in force under ``record``'s policy is not the
    one they were paid with: the next payroll run corrects them (§13)."""
    policy = policy_from_record(record)
    # The runs paid under this policy's jurisdiction: another jurisdiction's
    # late publication corrects only its own months.
    paid = PayrollRun.status.in_(("APPROVED", "PAID")) & (PayrollRun.jurisdiction == record.jurisdiction_id)
    latest = PayrollRun.select(PayrollRun.period).where(paid).order_by(PayrollRun.period.desc()).first()
    if latest is None:
        return []
    runs = PayrollRun.select(PayrollRun.period, PayrollRun.policy, PayrollRun.policy_effective_from).where(
        paid & (PayrollRun.period >= f"{int(latest.period[:4]) - 1:04d}-01"))
    months = set()
    for run in runs:
        try:
            in_force = policy.version_for(Period.parse(run.period)).effective_from
        except LookupError:
            in_force = None
        if run.policy_id != record.id or in_force != run.policy_effective_from:
            months.add(run.period)
    return sorted(months)
