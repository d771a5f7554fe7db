"""The tree of jurisdictions (行政区划) and which policy each is paid under.

A province has cities, a city its districts and counties.  A jurisdiction
with an active policy of its own is paid under it (禹州 sets its own
system); one without is paid under its nearest ancestor's (三门峡's
city-wide system covers its districts).  The jurisdictions paid under one
policy are that policy jurisdiction's *domain*: a city-wide run (scope CITY)
covers exactly its domain's streets.

The tree is small (a province has a few hundred jurisdictions), so it is
read whole, in two queries, whenever it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.db.models import Jurisdiction, Policy


@dataclass(frozen=True)
class JurisdictionTree:
    #: Jurisdiction id → its parent's id (None at the top).
    parents: dict[int, int | None]
    #: Jurisdiction id → its 行政区划代码.
    codes: dict[int, str]
    #: Jurisdiction id → the id of its active policy (only those with one).
    active_policies: dict[int, int]

    @classmethod
    def load(cls) -> JurisdictionTree:
        rows = Jurisdiction.select(Jurisdiction.id, Jurisdiction.parent, Jurisdiction.code).tuples()
        parents, codes = {}, {}
        for pk, parent, code in rows:
            parents[pk], codes[pk] = parent, code
        active = dict(Policy.select(Policy.jurisdiction, Policy.id).where(Policy.active == True).tuples())  # noqa: E712
        return cls(parents, codes, active)

    def ids_of_codes(self, codes: list[str]) -> frozenset[int]:
        wanted = set(codes)
        return frozenset(pk for pk, code in self.codes.items() if code in wanted)

    def descendants(self, roots: frozenset[int] | set[int]) -> frozenset[int]:
        """``roots`` and every jurisdiction below them."""
        children: dict[int | None, list[int]] = {}
        for pk, parent in self.parents.items():
            children.setdefault(parent, []).append(pk)
        found, stack = set(), [r for r in roots if r in self.parents]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, ()))
        return frozenset(found)

    def policy_home(self, pk: int) -> int | None:
        """The jurisdiction whose active policy ``pk`` is paid under: itself or
        its nearest ancestor with one (None: no policy covers it)."""
        seen = set()
        current: int | None = pk
        while current is not None and current not in seen:
            if current in self.active_policies:
                return current
            seen.add(current)
            current = self.parents.get(current)
        return None

    def domain(self, home: int) -> frozenset[int]:
        """The jurisdictions paid under ``home``'s policy."""
        return frozenset(pk for pk in self.parents if self.policy_home(pk) == home)

    def homes(self) -> list[int]:
        """Every jurisdiction with an active policy, by id."""
        return sorted(pk for pk in self.active_policies if pk in self.parents)
