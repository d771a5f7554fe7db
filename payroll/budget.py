"""The annual budget (年度预算, spec §12).

``workers_cost`` runs the engine over the whole year for the community's
workers exactly as payroll would (grades move with tenure, each month's
version applies, December pays out the reserve); ``vacancy_cost`` prices the
staffing gaps of 1 January with a hypothetical new worker of each post; the
community funds come from the version in force on 1 January.  The optional
scenario ``growth`` raises every version's ``base_income_annual``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .codes import CHIEF_POST, DEPUTY_POST, STAFF_POST
from .engine import CHUNK_SIZE
from .money import RATE_SCALE, format_fen, format_rate, parse_bounded_rate
from .months import compute_periods
from .periods import Period
from .policy import Policy
from .staffing import CommunityInput, active_counts, check_communities, required_counts
from .workers import Population, WorkerInput

#: The scenario growth of ``base_income_annual`` accepted (scaled 10^6): from
#: −50 % to +100 %.  The command line, GraphQL and the export URL all read it
#: with :func:`parse_base_income_growth`, so they refuse the same values.
GROWTH_MIN = -RATE_SCALE // 2
GROWTH_MAX = RATE_SCALE

BUDGET_COLUMNS = ("community_id", "year", "workers_cost", "vacancy_cost", "funds", "total")
VACANCY_POSTS = (CHIEF_POST, DEPUTY_POST, STAFF_POST)


@dataclass(frozen=True)
class BudgetRow:
    community_id: str
    year: int
    workers_cost: int
    vacancy_cost: int
    funds: int
    #: Vacancies priced, by post (CHIEF, DEPUTY, STAFF).
    vacancies: tuple[int, int, int]

    @property
    def total(self) -> int:
        return self.workers_cost + self.vacancy_cost + self.funds

    def as_csv(self) -> list[str]:
        return [
            self.community_id,
            str(self.year),
            format_fen(self.workers_cost),
            format_fen(self.vacancy_cost),
            format_fen(self.funds),
            format_fen(self.total),
        ]


def parse_base_income_growth(text: str | int) -> int:
    """A growth rate typed in (``"0.05"`` for 5 %), scaled 10^6; outside
    :data:`GROWTH_MIN` … :data:`GROWTH_MAX` a :class:`~payroll.money.RateRangeError`
    (``5`` gets the hint "did you mean 5 % (0.05)?")."""
    return parse_bounded_rate(text, GROWTH_MIN, GROWTH_MAX)


def check_base_income_growth(growth: int) -> int:
    """``growth`` (scaled) if it is in the accepted range, else the error of
    :func:`parse_base_income_growth`."""
    return parse_bounded_rate(format_rate(growth), GROWTH_MIN, GROWTH_MAX)


def annual_employer_cost(policy: Policy, population: Population, year: int,
                         progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Σ of each worker's monthly ``employer_cost`` over the year (fen per
    worker); ``progress`` as :func:`~payroll.engine.compute_periods` calls it."""
    total = np.zeros(len(population), dtype=np.int64)
    months = compute_periods(policy, population, Period(year, 1), Period(year, 12), chunk_size=CHUNK_SIZE,
                             progress=progress)
    for month in months:
        total[month.offset : month.offset + len(month.paid)] += month.employer_cost
    return total


def vacancy_unit_costs(policy: Policy, year: int) -> tuple[int, int, int]:
    """The year's employer cost of a hypothetical CHIEF, DEPUTY and STAFF worker
    starting on 1 January: no prior service, SECONDARY, no certificate, the
    default assessment (spec §12)."""
    start = dt.date(year, 1, 1)
    workers = [WorkerInput(worker_id=f"vacancy-{post}", post=post, service_start=start) for post in VACANCY_POSTS]
    population = Population.from_workers(workers, policy.post_keys)
    costs = annual_employer_cost(policy, population, year)
    return int(costs[0]), int(costs[1]), int(costs[2])


def budget_rows(
    policy: Policy,
    year: int,
    communities: Sequence[CommunityInput],
    workers_cost: np.ndarray,
    chief: np.ndarray,
    deputy: np.ndarray,
    staff: np.ndarray,
) -> list[BudgetRow]:
    """Budget rows from each community's workers cost and its active counts on
    1 January.  ``policy`` is already the scenario (see
    :meth:`Policy.with_base_income_growth`)."""
    january = dt.date(year, 1, 1)
    version = policy.version_on(january)
    households = np.array([c.households for c in communities], dtype=np.int64)
    population = np.array([c.population for c in communities], dtype=np.int64)
    need = required_counts(version, households, population)
    vacancies = np.stack(
        [
            np.maximum(need["chief"] - chief, 0),
            np.maximum(need["deputy"] - deputy, 0),
            np.maximum(need["staff"] - staff, 0),
        ]
    )
    unit = np.array(vacancy_unit_costs(policy, year), dtype=np.int64) if vacancies.any() else np.zeros(3, np.int64)
    vacancy_cost = (vacancies * unit[:, None]).sum(axis=0)
    funds = version.community_funds.service_fund_annual + version.community_funds.party_building_annual
    return [
        BudgetRow(
            community_id=c.community_id,
            year=year,
            workers_cost=int(workers_cost[i]),
            vacancy_cost=int(vacancy_cost[i]),
            funds=funds,
            vacancies=(int(vacancies[0, i]), int(vacancies[1, i]), int(vacancies[2, i])),
        )
        for i, c in enumerate(communities)
    ]


def compute_budget(
    policy: Policy,
    communities: Sequence[CommunityInput],
    workers: Sequence[WorkerInput],
    year: int,
    growth: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[BudgetRow]:
    """Budget rows for each community, in input order; ``growth`` is scaled 10^6
    (see :func:`check_base_income_growth`); ``progress(done, total)`` follows
    the workers computed."""
    check_base_income_growth(growth)
    index = check_communities(communities, workers)
    scenario = policy.with_base_income_growth(growth)
    population = Population.from_workers(workers, policy.post_keys)
    per_worker = annual_employer_cost(scenario, population, year, progress)
    community = np.fromiter((index[w.community_id] for w in workers), dtype=np.int64, count=len(workers))
    workers_cost = np.zeros(len(communities), dtype=np.int64)
    np.add.at(workers_cost, community, per_worker)
    chief, deputy, staff = active_counts(workers, index, len(communities), dt.date(year, 1, 1))
    return budget_rows(scenario, year, communities, workers_cost, chief, deputy, staff)
