"""Who is asking: a token's name, role and scope."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.Enum):
    """The roles of interfaces.md §3, and WORKER: one worker reading their own
    payslips (电子工资条).  What each may do: :mod:`api.access.permissions`."""

    ADMIN = "ADMIN"
    HR = "HR"
    FINANCE = "FINANCE"
    VIEWER = "VIEWER"
    WORKER = "WORKER"
    #: A province's civil-affairs department: reads every jurisdiction, writes nothing.
    PROVINCE = "PROVINCE"


#: Chinese names of the roles, for messages.
ROLE_LABELS = {Role.ADMIN: "管理员", Role.HR: "人事", Role.FINANCE: "财务", Role.VIEWER: "只读", Role.WORKER: "工作者本人",
               Role.PROVINCE: "省级"}


@dataclass(frozen=True)
class Principal:
    """A token's name, role and scope.

    A principal with jurisdictions, streets or communities sees only the
    records inside them (:mod:`api.access.scopes`); one with none sees
    everything its role may read.  An HR token always has a scope (tokens are
    created so).  ``jurisdiction_ids`` holds the token's jurisdictions and
    every jurisdiction below them (a city's token sees its districts).  A WORKER
    principal is limited to one worker (``worker_id``) and sees that worker
    and its payslips only; only a WORKER has a ``worker_id``, and a WORKER
    always has one (a principal that breaks this cannot be made).
    """

    name: str
    role: Role
    token_id: int | None = None
    #: Jurisdiction, street and community ids the principal is limited to.
    jurisdiction_ids: frozenset[int] = field(default_factory=frozenset)
    street_ids: frozenset[int] = field(default_factory=frozenset)
    community_ids: frozenset[int] = field(default_factory=frozenset)
    #: The worker a WORKER principal is limited to.
    worker_id: int | None = None
    #: Whether the token names a scope at all: a token whose jurisdictions,
    #: streets or communities no longer exist sees nothing, never everything.
    scoped: bool = False

    def __post_init__(self) -> None:
        # Fail closed: a WORKER without its worker must not fall through to
        # "no restriction" anywhere.
        if (self.role is Role.WORKER) != (self.worker_id is not None):
            raise ValueError(f"a {self.role.value} principal {'needs' if self.role is Role.WORKER else 'has no'} "
                             "worker_id")
        if self.worker_id is not None and (self.jurisdiction_ids or self.street_ids or self.community_ids):
            raise ValueError("a WORKER principal is limited to its worker, not to jurisdictions, streets or communities")

    @property
    def restricted(self) -> bool:
        """Whether the principal sees only part of the records."""
        return (self.scoped or bool(self.jurisdiction_ids or self.street_ids or self.community_ids)
                or self.role in (Role.HR, Role.WORKER))

    @property
    def scope_key(self) -> tuple:
        """What decides the rows the principal sees: principals with equal keys
        see the same rows (a key for caches of scoped SQL)."""
        return self.restricted, self.jurisdiction_ids, self.street_ids, self.community_ids, self.worker_id


#: Requests without a token in development mode (``serve --demo``).
DEV_ADMIN = Principal(name="dev-admin", role=Role.ADMIN)
#: The command line's own work (demo, migrations, imports run by an operator).
SYSTEM = Principal(name="system", role=Role.ADMIN)
