"""Comparing two versions of a policy: what changed, and what it costs.

:func:`version_changes` walks the two versions as they are written in the
policy document and lists every figure that differs, by its path inside a
version (``base_income_annual``, ``grades.coefficients[3]``,
``income_tax.brackets[1].rate``) with the old and the new value as written.
Numbers written differently but equal (``"0.20"`` and ``"0.2"``) are not a
change.  ``effective_from`` and ``source`` describe a version rather than
being figures, and are left out.

:func:`comparison_cost` prices the change: the year's employer cost of the
scope's workers (every month of the year, exactly as payroll computes it:
grades move with tenure, December pays the performance reserve out) once
with the older version in force all year and once with the newer one
(:func:`payroll.budget.annual_employer_cost` with a policy whose versions are
replaced by the one compared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np

from payroll.budget import annual_employer_cost
from payroll.engine import EngineError
from payroll.policy import NoVersionInForce, Policy, PolicyVersion

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Street, Worker
from api.errors import ErrorCode, UserErrors
from api.reads.population import Scope, load_workers, workers_query

#: Keys of a version that describe it rather than being figures.
_NOT_FIGURES = ("effective_from", "source")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    path: str
    old: str | None
    new: str | None


def _text(value: Any) -> str | None:
    if value is _MISSING or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _same_scalar(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (str, int, float)) or not isinstance(b, (str, int, float)):
        return False
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def _walk(a: Any, b: Any, path: str, out: list[Change]) -> None:
    if isinstance(a, dict) or isinstance(b, dict):
        if (a is not _MISSING and not isinstance(a, dict)) or (b is not _MISSING and not isinstance(b, dict)):
            out.append(Change(path, _text(a), _text(b)))
            return
        left = a if isinstance(a, dict) else {}
        right = b if isinstance(b, dict) else {}
        for key in [*left, *(k for k in right if k not in left)]:
            _walk(left.get(key, _MISSING), right.get(key, _MISSING), f"{path}.{key}" if path else str(key), out)
        return
    if isinstance(a, list) or isinstance(b, list):
        if (a is not _MISSING and not isinstance(a, list)) or (b is not _MISSING and not isinstance(b, list)):
            out.append(Change(path, _text(a), _text(b)))
            return
        left = a if isinstance(a, list) else []
        right = b if isinstance(b, list) else []
        for i in range(max(len(left), len(right))):
            _walk(left[i] if i < len(left) else _MISSING, right[i] if i < len(right) else _MISSING, f"{path}[{i}]", out)
        return
    if a is _MISSING or b is _MISSING or not _same_scalar(a, b):
        out.append(Change(path, _text(a), _text(b)))


def version_changes(policy: Policy, old: PolicyVersion, new: PolicyVersion) -> list[Change]:
    """Every figure that differs between two versions, in document order."""
    versions = policy.document["versions"]
    a = {k: v for k, v in versions[old.index].items() if k not in _NOT_FIGURES}
    b = {k: v for k, v in versions[new.index].items() if k not in _NOT_FIGURES}
    out: list[Change] = []
    _walk(a, b, "", out)
    return out


def version_at(policy: Policy, day: dt.date, field: str) -> PolicyVersion:
    try:
        return policy.version_on(day)
    except NoVersionInForce as exc:
        raise UserErrors.one(field, ErrorCode.INVALID, str(exc)) from None


def all_year_policy(policy: Policy, version: PolicyVersion) -> Policy:
    """The policy with ``version`` alone, in force for every date."""
    return dataclasses.replace(policy, versions=(dataclasses.replace(version, effective_from=dt.date(1, 1, 1)),))


@dataclass(frozen=True)
class StreetCost:
    street_id: int
    street_code: str
    street_name: str
    workers: int
    old_cost: int
    new_cost: int

    @property
    def difference(self) -> int:
        return self.new_cost - self.old_cost


@dataclass(frozen=True)
class ComparisonCost:
    year: int
    workers: int
    old_cost: int
    new_cost: int
    streets: list[StreetCost]

    @property
    def difference(self) -> int:
        return self.new_cost - self.old_cost

    @property
    def relative_change(self) -> Decimal | None:
        """difference / old cost, half up to four places (``0.0432`` is 4.32 %)."""
        if self.old_cost == 0:
            return None
        return (Decimal(self.difference) / Decimal(self.old_cost)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def comparison_cost(
    principal: Principal, scope: Scope, policy: Policy, old: PolicyVersion, new: PolicyVersion, year: int
) -> ComparisonCost:
    """The year's employer cost of the scope's workers (those in service some
    day of the year, inside the principal's scope) under each version."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    condition = (Worker.service_start <= last) & (Worker.service_end.is_null() | (Worker.service_end >= first))
    visible = scopes.communities(principal)
    if visible is not None:
        condition = condition & visible
    loaded = load_workers(workers_query(scope, condition), policy.post_keys, year)
    try:
        old_cost = annual_employer_cost(all_year_policy(policy, old), loaded.population, year)
        new_cost = annual_employer_cost(all_year_policy(policy, new), loaded.population, year)
    except EngineError as exc:
        raise UserErrors.one("to", ErrorCode.INVALID_STATE, str(exc)) from None
    street_ids, position = np.unique(loaded.street_ids, return_inverse=True)
    counts = np.bincount(position, minlength=len(street_ids))
    old_sums = np.zeros(len(street_ids), dtype=np.int64)
    new_sums = np.zeros(len(street_ids), dtype=np.int64)
    np.add.at(old_sums, position, old_cost)
    np.add.at(new_sums, position, new_cost)
    streets = {s.id: s for s in Street.select().where(Street.id.in_(street_ids.tolist()))} if len(street_ids) else {}
    rows = [
        StreetCost(int(sid), streets[sid].code, streets[sid].name, int(counts[i]), int(old_sums[i]), int(new_sums[i]))
        for i, sid in enumerate(street_ids.tolist())
    ]
    rows.sort(key=lambda r: r.street_code)
    return ComparisonCost(year, len(loaded), int(old_cost.sum()), int(new_cost.sum()), rows)
