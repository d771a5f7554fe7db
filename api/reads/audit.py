"""Reading the audit log (who changed what, when, before and after).

Only principals with :attr:`Permission.READ_AUDIT_LOG` read it (the GraphQL
field declares that); entries hold whole records, personal data included.
"""

from __future__ import annotations

import datetime as dt

from api.access.principal import Principal
from api.db.models import AuditEntry
from api.fastpath.pages import Listing, OrderKey
from api.fastpath.views import View
from api.reads.common import filter_text


def _everything(principal: Principal) -> None:
    return None


AUDIT_ENTRY = View("AuditEntry", AuditEntry, _everything)


def entries(principal: Principal, *, record_type: str | None = None, record_id: str | None = None,
            actor: str | None = None, operation: str | None = None, since: dt.datetime | None = None,
            until: dt.datetime | None = None) -> Listing:
    """The entries, newest first."""
    conditions = []
    for field, value, argument in ((AuditEntry.record_type, record_type, "where.recordType"),
                                   (AuditEntry.record_id, record_id, "where.recordId"),
                                   (AuditEntry.actor, actor, "where.actor"),
                                   (AuditEntry.operation, operation, "where.operation")):
        value = filter_text(value, argument)
        if value:
            conditions.append(field == value)
    if since is not None:
        conditions.append(AuditEntry.at >= since.replace(tzinfo=None))
    if until is not None:
        conditions.append(AuditEntry.at < until.replace(tzinfo=None))
    return Listing(principal, AUDIT_ENTRY, conditions, [OrderKey(AuditEntry.id, True)])
