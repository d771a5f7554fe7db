"""Authentication (bearer tokens) and who may see and change what.

Tokens are 32 random bytes shown once at creation (``cp_…``); only their
SHA-256 is stored, so a database leak does not leak tokens.  A request's
token resolves to a :class:`Principal`: a role and, for HR, the streets and
communities the token is scoped to.

Roles (interfaces.md §3):

- ``ADMIN`` — everything;
- ``HR`` — read and write communities, positions, workers and draft payroll
  only inside its streets or communities;
- ``FINANCE`` — read everything, approve runs and mark them paid;
- ``VIEWER`` — read everything, personal data masked.

Scope is applied inside the database queries (:meth:`Principal.community_filter`),
so an HR user's lists simply do not contain other streets.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import secrets
from dataclasses import dataclass, field

import peewee as pw

from api.errors import Forbidden
from api.db.models import ApiToken, Community, Street, utcnow

TOKEN_PREFIX = "cp_"


class Role(enum.Enum):
    ADMIN = "ADMIN"
    HR = "HR"
    FINANCE = "FINANCE"
    VIEWER = "VIEWER"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a token's name, role and scope."""

    name: str
    role: Role
    token_id: int | None = None
    #: Street and community ids an HR principal is limited to.
    street_ids: frozenset[int] = field(default_factory=frozenset)
    community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def scoped(self) -> bool:
        return self.role is Role.HR

    @property
    def sees_personal_data(self) -> bool:
        return self.role is not Role.VIEWER

    def community_filter(self, community: type[Community] | pw.ModelAlias = Community) -> pw.Expression | None:
        """A condition on a query that joins ``community``: rows inside the scope.
        ``None`` means no restriction."""
        if not self.scoped:
            return None
        condition = pw.Value(False)
        if self.street_ids:
            condition = condition | community.street.in_(sorted(self.street_ids))
        if self.community_ids:
            condition = condition | community.id.in_(sorted(self.community_ids))
        return condition

    def street_filter(self, street: type[Street] = Street) -> pw.Expression | None:
        """Streets visible to the principal: its streets and those of its communities."""
        if not self.scoped:
            return None
        condition = pw.Value(False)
        if self.street_ids:
            condition = condition | street.id.in_(sorted(self.street_ids))
        if self.community_ids:
            condition = condition | street.id.in_(
                Community.select(Community.street).where(Community.id.in_(sorted(self.community_ids)))
            )
        return condition

    def allows_community(self, community_id: int, street_id: int) -> bool:
        return not self.scoped or community_id in self.community_ids or street_id in self.street_ids

    def allows_street(self, street_id: int) -> bool:
        """Whole-street access (an HR token scoped to the street itself)."""
        return not self.scoped or street_id in self.street_ids

    # --- permission checks, raising FORBIDDEN ---

    def require(self, *roles: Role, action: str) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"{action} needs the role {allowed}; this token has {self.role.value}")

    def require_community(self, community_id: int, street_id: int, action: str) -> None:
        if not self.allows_community(community_id, street_id):
            raise Forbidden(f"{action}: the community is outside this token's scope")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: str
    record: ApiToken


def create_token(
    name: str,
    role: Role,
    street_codes: list[str] = (),
    community_codes: list[str] = (),
    expires_in: dt.timedelta | None = None,
) -> NewToken:
    """Store a new token (its hash) and return the token text, shown once."""
    street_codes, community_codes = list(street_codes), list(community_codes)
    if role is Role.HR and not (street_codes or community_codes):
        raise ValueError("an HR token needs at least one --street or --community")
    if role is not Role.HR and (street_codes or community_codes):
        raise ValueError("only HR tokens are scoped to streets or communities")
    known_streets = {s.code for s in Street.select(Street.code).where(Street.code.in_(street_codes))}
    known_communities = {c.code for c in Community.select(Community.code).where(Community.code.in_(community_codes))}
    unknown = [c for c in street_codes if c not in known_streets] + [c for c in community_codes if c not in known_communities]
    if unknown:
        raise ValueError(f"unknown street or community code: {', '.join(unknown)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.create(
        name=name,
        role=role.value,
        token_hash=hash_token(token),
        prefix=token[:10],
        streets=json.dumps(sorted(street_codes)),
        communities=json.dumps(sorted(community_codes)),
        expires_at=utcnow() + expires_in if expires_in else None,
    )
    return NewToken(token, record)


def principal_for_token(token: str) -> Principal | None:
    """The principal of a valid (known, unexpired, unrevoked) token, else None."""
    record = ApiToken.get_or_none(ApiToken.token_hash == hash_token(token))
    if record is None or record.revoked_at is not None:
        return None
    now = utcnow()
    if record.expires_at is not None and record.expires_at <= now:
        return None
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
        # Kept coarse so that reads do not write on every request.
        ApiToken.update(last_used_at=now).where(ApiToken.id == record.id).execute()
    streets = json.loads(record.streets)
    communities = json.loads(record.communities)
    street_ids = frozenset(s.id for s in Street.select(Street.id).where(Street.code.in_(streets))) if streets else frozenset()
    community_ids = (
        frozenset(c.id for c in Community.select(Community.id).where(Community.code.in_(communities)))
        if communities else frozenset()
    )
    return Principal(
        name=record.name,
        role=Role(record.role),
        token_id=record.id,
        street_ids=street_ids,
        community_ids=community_ids,
    )


DEV_ADMIN = Principal(name="dev-admin", role=Role.ADMIN)
SYSTEM = Principal(name="system", role=Role.ADMIN)


def parse_duration(text: str) -> dt.timedelta:
    """``90d``, ``12h``, ``30m`` → a timedelta."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"{text!r} is not a duration such as 90d, 12h or 30m")
    return dt.timedelta(**{units[text[-1]]: int(text[:-1])})
