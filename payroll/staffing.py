"""Staffing (职数, spec §11): how many workers each community should have.

Computed for all communities at once with numpy; the figures come from the
``staffing`` block of the policy version in force on the date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .codes import CHIEF_POST, DEPUTY_POST
from .money import RATE_SCALE
from .periods import NO_END_DAY, day_number
from .policy import Policy, PolicyVersion
from .texts import Text
from .workers import FieldProblem, InputError, WorkerInput, worker_label

STAFFING_COLUMNS = (
    "community_id",
    "required",
    "chief_required",
    "deputy_required",
    "staff_required",
    "chief_actual",
    "deputy_actual",
    "staff_actual",
    "gap",
    "grids",
    "residents_per_worker",
)


@dataclass(frozen=True)
class CommunityInput:
    community_id: str
    name: str | None
    street: str | None
    households: int
    population: int


def community_label(community_id: str) -> Text:
    return Text(f"社区 {community_id}", f"community {community_id}")


def community_from_fields(fields: Mapping[str, Any], where: Text | None = None) -> CommunityInput:
    """Validate one community (a CSV row or an API input)."""
    problems: list[FieldProblem] = []

    def text(name: str, required: bool = False) -> str | None:
        value = fields.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            if required:
                problems.append(FieldProblem(name, "必填", "is required"))
            return None
        return str(value)

    def count(name: str) -> int:
        value = fields.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            problems.append(FieldProblem(name, "必填", "is required"))
            return 0
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(FieldProblem(name, f"“{value}”不是整数", f"{value!r} is not a whole number"))
            return 0
        if value < 0:
            problems.append(FieldProblem(name, f"{value} 不能为负数", f"{value} must not be negative"))
            return 0
        if value > 100_000_000:
            problems.append(FieldProblem(name, f"{value} 超过允许的最大值 100000000",
                                         f"{value} is above the largest accepted value 100000000"))
            return 0
        return value

    community_id = text("community_id", required=True)
    community = CommunityInput(
        community_id=community_id,
        name=text("name"),
        street=text("street"),
        households=count("households"),
        population=count("population"),
    )
    if problems:
        label = where or Text("社区", "community")
        if community_id:
            label = (Text(f"{where.zh}（社区 {community_id}）", f"{where.en} (community {community_id})") if where
                     else community_label(community_id))
        raise InputError(label, problems)
    return community


@dataclass(frozen=True)
class StaffingRow:
    community_id: str
    required: int
    chief_required: int
    deputy_required: int
    staff_required: int
    chief_actual: int
    deputy_actual: int
    staff_actual: int
    gap: int
    grids: int | None
    #: Residents per active worker in tenths (one decimal, half up); None without workers.
    residents_per_worker_tenths: int | None

    @property
    def active(self) -> int:
        return self.chief_actual + self.deputy_actual + self.staff_actual

    @property
    def residents_per_worker(self) -> str:
        t = self.residents_per_worker_tenths
        return "" if t is None else f"{t // 10}.{t % 10}"

    def as_csv(self) -> list[str]:
        return [
            self.community_id,
            *(str(getattr(self, c)) for c in STAFFING_COLUMNS[1:9]),
            "" if self.grids is None else str(self.grids),
            self.residents_per_worker,
        ]


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -(-a // b)


def required_counts(version: PolicyVersion, households: np.ndarray, population: np.ndarray) -> dict[str, np.ndarray]:
    """Required workers and posts (spec §11) for arrays of communities."""
    s = version.staffing
    required = np.zeros(len(households), dtype=np.int64)
    if s.min_workers is not None:
        required = np.maximum(required, s.min_workers)
    if s.households_per_worker is not None:
        required = np.maximum(required, _ceil_div(households, s.households_per_worker))
    if s.workers_per_10k_residents is not None:
        required = np.maximum(
            required, _ceil_div(population * s.workers_per_10k_residents, 10_000 * RATE_SCALE)
        )
    if s.max_workers is not None:
        required = np.minimum(required, s.max_workers)
    # deputy_required: count of the last row whose min_required ≤ required.
    thresholds = np.array([r.min_required for r in s.deputy_positions], dtype=np.int64)
    counts = np.array([0] + [r.count for r in s.deputy_positions], dtype=np.int64)
    deputy = counts[np.searchsorted(thresholds, required, side="right")]
    chief = np.full(len(households), s.chief_positions, dtype=np.int64)
    staff = np.maximum(required - chief - deputy, 0)
    return {"required": required, "chief": chief, "deputy": deputy, "staff": staff}


def standard_required(version: PolicyVersion, population: int) -> int | None:
    """Workers a whole jurisdiction needs by the standard per 10,000 urban
    residents (``workers_per_10k_residents``), rounded up — the figure that
    standard sets city-wide (None when the policy sets none)."""
    per_10k = version.staffing.workers_per_10k_residents
    if per_10k is None:
        return None
    return -(-population * per_10k // (10_000 * RATE_SCALE))


def active_counts(
    workers: Sequence[WorkerInput], community_index: Mapping[str, int], n_communities: int, day: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chief, deputy and other active workers per community on a date
    (``service_start ≤ day`` and no ``service_end`` before it)."""
    n = len(workers)
    start = np.fromiter((day_number(w.service_start) for w in workers), dtype=np.int64, count=n)
    end = np.fromiter(
        (day_number(w.service_end) if w.service_end else NO_END_DAY for w in workers), dtype=np.int64, count=n
    )
    community = np.fromiter((community_index[w.community_id] for w in workers), dtype=np.int64, count=n)
    kind = np.fromiter(
        (0 if w.post == CHIEF_POST else 1 if w.post == DEPUTY_POST else 2 for w in workers), dtype=np.int64, count=n
    )
    today = day_number(day)
    active = (start <= today) & (end >= today)
    counts = np.zeros((3, n_communities), dtype=np.int64)
    np.add.at(counts, (kind[active], community[active]), 1)
    return counts[0], counts[1], counts[2]


def check_communities(
    communities: Sequence[CommunityInput], workers: Sequence[WorkerInput]
) -> dict[str, int]:
    """Index communities by id; every worker must belong to one of them."""
    index: dict[str, int] = {}
    for c in communities:
        if c.community_id in index:
            raise InputError(community_label(c.community_id), [FieldProblem("community_id", "重复出现", "appears twice")])
        index[c.community_id] = len(index)
    for w in workers:
        if w.community_id is None:
            raise InputError(worker_label(w.worker_id), [FieldProblem("community_id", "必填", "is required")])
        if w.community_id not in index:
            raise InputError(
                worker_label(w.worker_id),
                [FieldProblem("community_id", f"“{w.community_id}”不在所给的社区中",
                              f"{w.community_id!r} is not one of the communities given")],
            )
    return index


def compute_staffing(
    policy: Policy,
    communities: Sequence[CommunityInput],
    workers: Sequence[WorkerInput],
    day: dt.date,
) -> list[StaffingRow]:
    """The staffing rows of spec §11 for each community, in input order."""
    index = check_communities(communities, workers)
    chief, deputy, staff = active_counts(workers, index, len(communities), day)
    return staffing_rows(policy.version_on(day), communities, chief, deputy, staff)


def staffing_rows(
    version: PolicyVersion,
    communities: Sequence[CommunityInput],
    chief: np.ndarray,
    deputy: np.ndarray,
    staff: np.ndarray,
) -> list[StaffingRow]:
    """Staffing rows from the active counts per community (chief, deputy, other).

    The service counts active workers in the database and calls this directly.
    """
    households = np.array([c.households for c in communities], dtype=np.int64)
    population = np.array([c.population for c in communities], dtype=np.int64)
    need = required_counts(version, households, population)
    active = chief + deputy + staff
    gap = need["required"] - active
    per_grid = version.staffing.households_per_grid
    rows = []
    for i, c in enumerate(communities):
        a = int(active[i])
        rows.append(
            StaffingRow(
                community_id=c.community_id,
                required=int(need["required"][i]),
                chief_required=int(need["chief"][i]),
                deputy_required=int(need["deputy"][i]),
                staff_required=int(need["staff"][i]),
                chief_actual=int(chief[i]),
                deputy_actual=int(deputy[i]),
                staff_actual=int(staff[i]),
                gap=int(gap[i]),
                grids=None if per_grid is None else -(-c.households // per_grid),
                # population / active to one decimal, half up: exact integers.
                residents_per_worker_tenths=None if a == 0 else (20 * c.population + a) // (2 * a),
            )
        )
    return rows
