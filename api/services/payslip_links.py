"""One-time payslip links (电子工资条): how a worker gets a token for their phone.

HR issues a link for a worker inside its scope (:func:`issue_link`): a random
code in the address of the payslip page, ``/payslips/#code=…`` (after ``#``,
so browsers send it to no server and keep it out of logs and ``Referer``).
HR prints it or sends it; opening it, the page exchanges the code once
(:func:`claim_link`, ``POST /payslips/claim``) for a WORKER token of that
worker with a lifetime (``PAYROLL_WORKER_TOKEN_DAYS``), which the page keeps
in the phone's ``localStorage``.

- Only the code's SHA-256 is stored, like a token's.
- A code works once: the exchange marks the link used in the same statement
  that checks it is unused, so two phones opening it at once get one token.
- A link expires (7 days unless HR says otherwise, at most 30).
- A new link for a worker revokes the worker's earlier unused links: one
  link per worker is valid at a time.
- :func:`revoke_access` revokes a worker's unused links and every WORKER
  token of that worker (a lost phone); the token stops working within
  ``PAYROLL_TOKEN_CACHE_SECONDS``.

Issuing and revoking need :attr:`Permission.ISSUE_PAYSLIP_ACCESS` and are
audited; so is each exchange, under the new token's name.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from api.access.authentication import hash_token
from api.access.permissions import Permission, require
from api.access.principal import Principal, Role
from api.db.database import database
from api.db.models import ApiToken, PayslipLink, Worker, utcnow
from api.errors import ErrorCode, UserErrors
from api.services import audit
from api.services.lookups import visible
from api.services.tokens import create_token
from api.settings import DEFAULT_LINK_DAYS, MAX_LINK_DAYS

#: Where the payslip page is served (api/http/payslips.py).
PAYSLIP_PAGE = "/payslips/"
#: Random bytes of a code (32 URL-safe characters).
CODE_BYTES = 24
INVALID_LINK = ("链接无效、已使用、已过期或已撤销，请向人事索取新的链接 / the link is unknown, already used, expired or "
                "revoked; ask HR for a new one")


@dataclass(frozen=True)
class NewLink:
    code: str
    record: PayslipLink

    @property
    def path(self) -> str:
        """The page's address with the code, relative to the service."""
        return f"{PAYSLIP_PAGE}#code={self.code}"


@dataclass(frozen=True)
class Claimed:
    """What an exchanged code gives the page."""

    token: str
    expires_at: dt.datetime
    worker_code: str
    worker_name: str


@dataclass(frozen=True)
class Revoked:
    links: int
    tokens: int


def issue_link(principal: Principal, worker_pk: int, days: int = DEFAULT_LINK_DAYS) -> NewLink:
    """A new one-time link for a worker the principal may see (NOT_FOUND
    otherwise, as for a missing worker)."""
    require(principal, Permission.ISSUE_PAYSLIP_ACCESS)
    if not isinstance(days, int) or not 1 <= days <= MAX_LINK_DAYS:
        raise UserErrors.one("expiresInDays", ErrorCode.INVALID,
                             f"expiresInDays：有效天数应为 1–{MAX_LINK_DAYS}，收到 {days} / expiresInDays: a link lasts 1 "
                             f"to {MAX_LINK_DAYS} days, got {days}")
    code = secrets.token_urlsafe(CODE_BYTES)
    now = utcnow()
    with database.atomic():
        worker = visible(Worker, worker_pk, principal, "workerId")
        replaced = _revoke_unused_links(worker.id, now)
        record = PayslipLink.create(worker=worker.id, code_hash=hash_token(code), created_by=principal.name,
                                    created_at=now, expires_at=now + dt.timedelta(days=days))
        audit.record(principal, "createPayslipLink", "PayslipLink", record.id, None,
                     {"worker_id": worker.id, "worker_code": worker.code, "expires_at": record.expires_at.isoformat(),
                      "earlier_links_revoked": replaced})
    return NewLink(code, record)


def claim_link(code: str, token_days: int) -> Claimed | None:
    """Exchange a link's code, once, for a WORKER token of its worker (None:
    unknown, used, expired or revoked — never told apart)."""
    if not isinstance(code, str) or not 0 < len(code) <= 100:
        return None
    now = utcnow()
    with database.atomic():
        link = PayslipLink.get_or_none(PayslipLink.code_hash == hash_token(code))
        if link is None:
            return None
        taken = (PayslipLink.update(used_at=now)
                 .where((PayslipLink.id == link.id) & PayslipLink.used_at.is_null() & PayslipLink.revoked_at.is_null()
                        & (PayslipLink.expires_at > now))
                 .execute())
        if taken != 1:
            return None
        worker = Worker.get_by_id(link.worker_id)
        created = create_token(f"电子工资条 {worker.code} {worker.name}"[:100], Role.WORKER,
                               expires_in=dt.timedelta(days=token_days), worker_code=worker.code)
        PayslipLink.update(token=created.record.id).where(PayslipLink.id == link.id).execute()
        holder = Principal(name=created.record.name, role=Role.WORKER, token_id=created.record.id, worker_id=worker.id)
        audit.record(holder, "claimPayslipLink", "PayslipLink", link.id, {"used_at": None},
                     {"used_at": now.isoformat(), "token_id": created.record.id})
    return Claimed(created.token, created.record.expires_at, worker.code, worker.name)


def revoke_access(principal: Principal, worker_pk: int) -> Revoked:
    """Revoke a worker's unused links and active WORKER tokens."""
    require(principal, Permission.ISSUE_PAYSLIP_ACCESS)
    now = utcnow()
    with database.atomic():
        worker = visible(Worker, worker_pk, principal, "workerId")
        links = _revoke_unused_links(worker.id, now)
        tokens = (ApiToken.update(revoked_at=now)
                  .where((ApiToken.worker == worker.id) & ApiToken.revoked_at.is_null())
                  .execute())
        audit.record(principal, "revokePayslipAccess", "Worker", worker.id, None,
                     {"worker_code": worker.code, "links_revoked": links, "tokens_revoked": tokens})
    return Revoked(links, tokens)


def _revoke_unused_links(worker_id: int, now: dt.datetime) -> int:
    return (PayslipLink.update(revoked_at=now)
            .where((PayslipLink.worker == worker_id) & PayslipLink.used_at.is_null()
                   & PayslipLink.revoked_at.is_null())
            .execute())
