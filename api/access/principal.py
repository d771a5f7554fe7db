"""Who is asking: a token's name, role and scope."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.Enum):
    """The roles of interfaces.md §3 (what each may do: :mod:`api.access.permissions`)."""

    ADMIN = "ADMIN"
    HR = "HR"
    FINANCE = "FINANCE"
    VIEWER = "VIEWER"


#: Chinese names of the roles, for messages.
ROLE_LABELS = {Role.ADMIN: "管理员", Role.HR: "人事", Role.FINANCE: "财务", Role.VIEWER: "只读"}


@dataclass(frozen=True)
class Principal:
    """A token's name, role and scope.

    A principal with streets or communities sees only the records inside them
    (:mod:`api.access.scopes`); one with neither sees everything its role may
    read.  An HR token always has a scope (tokens are created so).
    """

    name: str
    role: Role
    token_id: int | None = None
    #: Street and community ids the principal is limited to.
    street_ids: frozenset[int] = field(default_factory=frozenset)
    community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def restricted(self) -> bool:
        """Whether the principal sees only part of the records."""
        return bool(self.street_ids or self.community_ids) or self.role is Role.HR


#: Requests without a token in development mode (``serve --demo``).
DEV_ADMIN = Principal(name="dev-admin", role=Role.ADMIN)
#: The command line's own work (demo, migrations, imports run by an operator).
SYSTEM = Principal(name="system", role=Role.ADMIN)
