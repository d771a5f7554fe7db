"""下次晋级 When a worker's next grade comes, by the engine's own rules.

The grade of a month (salary-model.md §2–§3) rises when ``counted_years +
credit`` reaches the next multiple of ``years_per_grade``, up to the post's
``max_grade``.  Rather than re-deriving that here, the months ahead are
computed by :func:`payroll.engine.compute_month` itself — for all the workers
asked about at once, dropping each as soon as its grade rises — so the date
given is the month whose payslip will first show the higher grade, whatever
the policy versions in force by then say.

What is known today is all that counts: assessments already recorded (a
不称职 year recorded for this year stops counting from next January), the
certificate as registered (a certificate registered later is not predicted),
and the policy versions already published.  A worker who leaves before the
next grade, or is at the highest grade of the post in every version from now
on, has no next promotion.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np

from payroll.engine import YearState, compute_month
from payroll.periods import Period
from payroll.policy import NoVersionInForce, Policy

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Assessment, Worker
from api.errors import BadRequest
from api.reads.policies import PoliciesOfCommunities
from api.reads.population import CITY, load_workers, workers_query

#: How far ahead to look (a worker far behind by 不称职 years may wait long).
HORIZON_MONTHS = 50 * 12
#: The days a promotion may be looked up from.
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Promotion:
    #: The first month paid at the new grade.
    period: Period
    grade: int
    #: The grade of the month containing the day asked about.
    current_grade: int

    @property
    def date(self) -> dt.date:
        return self.period.first


def next_promotions(principal: Principal, keys: Sequence[Hashable]) -> list[Promotion | None]:
    """The next promotion of each (worker id, day) — a batch for the nested
    field, one engine pass per distinct day; None for a worker outside the
    scope, or with no promotion ahead."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for worker_id, day in keys:
        if not EARLIEST <= day <= LATEST:
            raise BadRequest(f"on：{day.isoformat()} 超出 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} / on: "
                             f"{day.isoformat()} is outside {EARLIEST.isoformat()} to {LATEST.isoformat()}")
        by_day[day].append(worker_id)
    found: dict[tuple[int, dt.date], Promotion | None] = {}
    # Each worker's promotions follow the policy of its community's jurisdiction.
    policies = PoliciesOfCommunities()
    community_of = dict(Worker.select(Worker.id, Worker.community)
                        .where(Worker.id.in_(sorted({w for w, _ in keys}))).tuples())
    for day, worker_ids in by_day.items():
        groups: dict[int, tuple[Policy | None, list[int]]] = {}
        for worker_id in worker_ids:
            policy = policies.of(community_of.get(worker_id))
            groups.setdefault(id(policy), (policy, []))[1].append(worker_id)
        for policy, members in groups.values():
            for worker_id, promotion in _next_promotions(principal, members, day, policy).items():
                found[(worker_id, day)] = promotion
    return [found.get(key) for key in keys]


def _next_promotions(principal: Principal, worker_ids: Sequence[int], on: dt.date,
                     policy: Policy | None) -> dict[int, Promotion | None]:
    """Each visible worker's next promotion after the month of ``on`` under
    ``policy`` (None: none ahead)."""
    result: dict[int, Promotion | None] = {worker_id: None for worker_id in worker_ids}
    if policy is None or not worker_ids:
        return result
    start = Period.of(on)
    try:
        policy.version_for(start)
    except NoVersionInForce:
        return result
    # Workers whose post the policy does not know have no grade to speak of.
    condition = Worker.id.in_(sorted(set(worker_ids))) & Worker.post.in_(policy.post_keys)
    visible = scopes.workers(principal)
    query = workers_query(CITY, condition if visible is None else condition & visible)
    loaded = load_workers(query, policy.post_keys, on.year)
    n = len(loaded)
    if not n:
        return result
    population = loaded.population
    ids = loaded.worker_ids.tolist()
    position = {worker_id: i for i, worker_id in enumerate(ids)}

    # 不称职 years recorded for this year or later count from the January after (§2.3).
    incompetent_after = np.zeros((0, 2), dtype=np.int64)
    rows = list(Assessment.select(Assessment.worker, Assessment.year)
                .where(Assessment.worker.in_(ids) & (Assessment.year >= on.year)
                       & (Assessment.result == "INCOMPETENT")).tuples())
    if rows:
        incompetent_after = np.array([(position[w], y) for w, y in rows], dtype=np.int64)

    def population_in(year: int):
        adjustment = population.year_adjustment.copy()
        if len(incompetent_after):
            counted = incompetent_after[incompetent_after[:, 1] < year]
            np.subtract.at(adjustment, counted[:, 0], 1)
        return dataclasses.replace(population, year_adjustment=adjustment)

    def grades(period: Period, index: np.ndarray, year_population) -> np.ndarray:
        sub = year_population.take(index)
        month, _ = compute_month(policy.version_for(period), sub, period, YearState.zeros(len(index)))
        return month.grade

    everyone = np.arange(n)
    year_population = population_in(start.year)
    current = grades(start, everyone, year_population)
    # The highest grade each worker's post reaches in any version from now on.
    versions = [v for v in policy.versions if v.effective_from > start.first] + [policy.version_for(start)]
    ceiling = np.zeros(n, dtype=np.int64)
    for version in versions:
        ceiling = np.maximum(ceiling, version.tables.post_max_grade[population.post])
    pending = current < ceiling

    period = start
    for _ in range(HORIZON_MONTHS):
        period = period.next()
        # No promotion for a month the worker is no longer in service.
        pending &= population.end_day >= period.first_day
        if not pending.any():
            break
        if period.month == 1:
            year_population = population_in(period.year)
        index = np.flatnonzero(pending)
        grade = grades(period, index, year_population)
        for i in index[grade > current[index]].tolist():
            result[ids[i]] = Promotion(period, int(grade[np.searchsorted(index, i)]), int(current[i]))
        pending[index[grade > current[index]]] = False
    return result
