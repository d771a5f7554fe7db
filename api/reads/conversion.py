"""工资套改 — moving workers onto the new pay system, and who gains or loses.

For a scope and a month, every worker in service that month is put through
the engine (:func:`payroll.engine.compute_month`, the whole population at
once) with the policy version in force, which gives their new post and grade
and the standard monthly amounts of salary-model.md §4:

- ``previous_monthly_pay`` — 套改前月工资, as recorded on the worker (a worker
  without one, or with 0, is "no previous pay": nothing to compare);
- ``standard_wage`` — 新标准工资 (§4.6): grade pay + education, certificate
  and tenure allowances, a full month's worth;
- ``difference = standard_wage − previous_monthly_pay`` — positive: the worker
  gains; negative: the new standard is below the old pay;
- ``protection_allowance`` — 保留补差 (§4.7): ``max(0, previous − standard)``
  when the version protects previous pay, else 0; it tops the new pay up to
  the old until grades catch up;
- ``new_monthly_pay = standard_wage + protection_allowance`` — what the worker
  is guaranteed a month after the conversion.

Totals are summed by community, by street and over the scope with numpy
(``np.add.reduceat`` over the workers sorted by street, community and code);
there is no Python loop over workers in the computation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from payroll.engine import EngineError, MonthResult, YearState, compute_month
from payroll.periods import Period
from payroll.policy import PolicyVersion

from api.access import scopes
from api.access.principal import Principal
from api.db.models import Community, Street, Worker
from api.errors import ErrorCode, UserErrors
from api.reads.policies import require_active_policy
from api.reads.population import Scope, in_service, load_workers, workers_query
from api.reads.reports import policy_groups, scoped_communities


class Outcome(enum.Enum):
    GAIN = "GAIN"  # 增资: the new standard pay is above the previous pay
    LOSS = "LOSS"  # 减资: below it (made up by the protection allowance when the policy protects)
    SAME = "SAME"  # 持平
    NO_PREVIOUS = "NO_PREVIOUS"  # 无套改前工资: nothing to compare


OUTCOME_LABELS = {
    Outcome.GAIN: "增资",
    Outcome.LOSS: "减资",
    Outcome.SAME: "持平",
    Outcome.NO_PREVIOUS: "无套改前工资",
}
_OUTCOMES = (Outcome.GAIN, Outcome.LOSS, Outcome.SAME, Outcome.NO_PREVIOUS)


@dataclass(frozen=True)
class Totals:
    """Sums over a group of workers (fen)."""

    workers: int
    with_previous_pay: int
    #: Σ previous pay, over the workers who have one.
    previous_pay: int
    #: Σ standard wage of those workers (what their previous pay compares with).
    standard_wage_compared: int
    #: Σ standard wage of every worker.
    standard_wage: int
    #: Σ (standard wage − previous pay), over the workers who have a previous pay.
    difference: int
    protection_allowance: int
    new_monthly_pay: int
    gainers: int
    losers: int
    unchanged: int
    no_previous_pay: int


@dataclass(frozen=True)
class GroupTotals:
    """Totals of a community (``community_id`` set) or a street."""

    street_id: int
    street_code: str
    street_name: str
    community_id: int | None
    community_code: str | None
    community_name: str | None
    totals: Totals


#: The per-worker arrays summed into :class:`Totals`, in its field order.
_SUMMED = ("with_previous", "previous_compared", "standard_compared", "standard_wage", "difference", "protection",
           "new_pay", "gain", "loss", "same", "no_previous")


@dataclass
class ConversionResult:
    """Every worker of the scope, sorted by street code, community code and worker code."""

    period: Period
    version: PolicyVersion
    protects_previous_pay: bool
    worker_ids: np.ndarray
    codes: list[str]
    names: list[str]
    community_ids: np.ndarray
    street_ids: np.ndarray
    post_keys: tuple[str, ...]
    post: np.ndarray
    grade: np.ndarray
    counted_years: np.ndarray
    #: 0 where the worker has no previous pay (see ``has_previous``).
    previous_pay: np.ndarray
    has_previous: np.ndarray
    grade_pay: np.ndarray
    education_allowance: np.ndarray
    certificate_allowance: np.ndarray
    tenure_allowance: np.ndarray
    standard_wage: np.ndarray
    #: standard_wage − previous_pay; 0 where there is no previous pay.
    difference: np.ndarray
    protection_allowance: np.ndarray
    new_monthly_pay: np.ndarray
    #: Index into ``Outcome`` order: GAIN, LOSS, SAME, NO_PREVIOUS.
    outcome: np.ndarray
    communities: list[GroupTotals]
    streets: list[GroupTotals]
    total: Totals

    def __len__(self) -> int:
        return len(self.worker_ids)

    def outcome_of(self, i: int) -> Outcome:
        return _OUTCOMES[int(self.outcome[i])]

    def community_of(self, i: int) -> GroupTotals:
        return self._community_by_id[int(self.community_ids[i])]

    def __post_init__(self) -> None:
        self._community_by_id = {g.community_id: g for g in self.communities}


def outcome_index(outcome: Outcome) -> int:
    return _OUTCOMES.index(outcome)


def _totals(arrays: dict[str, np.ndarray], starts: np.ndarray, n: int) -> list[Totals]:
    """Totals of consecutive groups beginning at ``starts`` (sorted workers)."""
    if n == 0 or len(starts) == 0:
        return []
    counts = np.diff(np.append(starts, n))
    sums = {name: np.add.reduceat(arrays[name], starts) for name in _SUMMED}
    return [
        Totals(int(counts[g]), *(int(sums[name][g]) for name in _SUMMED)) for g in range(len(starts))
    ]


def _grand_total(arrays: dict[str, np.ndarray], n: int) -> Totals:
    return Totals(n, *(int(arrays[name].sum()) for name in _SUMMED))


def conversion(principal: Principal, scope: Scope, period: Period) -> ConversionResult:
    """The conversion of the workers of ``scope`` (within the principal's
    scope) in service during ``period``, under the policy in force for the
    scope's jurisdiction (a scope spanning jurisdictions with policies of their
    own is refused: the conversion is done jurisdiction by jurisdiction)."""
    groups = policy_groups(scoped_communities(principal, scope))
    if len(groups) > 1:
        raise UserErrors.one("scope", ErrorCode.INVALID, "scope：范围内的辖区各有政策，请按辖区测算套改 / scope: the "
                             "jurisdictions of the scope have policies of their own; convert one jurisdiction at a time")
    policy = groups[0].policy if groups else require_active_policy()[1]
    try:
        version = policy.version_for(period)
    except LookupError as exc:
        raise UserErrors.one("period", ErrorCode.INVALID, str(exc)) from None
    condition = in_service(period)
    visible = scopes.communities(principal)
    if visible is not None:
        condition = condition & visible
    query = workers_query(scope, condition)
    loaded = load_workers(query, policy.post_keys, period.year)
    population = loaded.population
    try:
        month, _ = compute_month(version, population, period, YearState.zeros(len(population)))
    except EngineError as exc:
        raise UserErrors.one("period", ErrorCode.INVALID_STATE, str(exc)) from None

    names = dict(Worker.select(Worker.id, Worker.name).where(Worker.id.in_(query.select(Worker.id).order_by())).tuples())
    community_ids = loaded.community_ids
    communities = {c.id: c for c in Community.select(Community.id, Community.code, Community.name, Community.street)
                   .where(Community.id.in_(np.unique(community_ids).tolist()))} if len(community_ids) else {}
    streets = {s.id: s for s in Street.select(Street.id, Street.code, Street.name)
               .where(Street.id.in_({c.street_id for c in communities.values()}))} if communities else {}

    # Sort by street code, community code and worker code: ranks of the codes, then lexsort.
    ordered_communities = sorted(communities.values(), key=lambda c: (streets[c.street_id].code, c.code))
    community_rank_of = {c.id: r for r, c in enumerate(ordered_communities)}
    known_ids = np.array(sorted(community_rank_of), dtype=np.int64)
    rank_by_position = np.array([community_rank_of[i] for i in known_ids.tolist()], dtype=np.int64)
    community_rank = rank_by_position[np.searchsorted(known_ids, community_ids)] if len(community_ids) else community_ids
    codes = np.asarray(population.ids).astype(str)
    order = np.lexsort((codes, community_rank))

    return _result(period, version, population.post_keys, month, loaded, order, community_rank, codes, names,
                   ordered_communities, streets)


def _result(period, version, post_keys, month: MonthResult, loaded, order, community_rank, codes, names,
            ordered_communities, streets) -> ConversionResult:
    pop = loaded.population
    n = len(order)

    def take(array: np.ndarray) -> np.ndarray:
        return np.asarray(array)[order]

    previous = take(pop.previous_pay)
    has_previous = previous > 0
    standard = take(month.standard_wage)
    protection = take(month.standard_difference_allowance)
    difference = np.where(has_previous, standard - previous, 0)
    gain = has_previous & (difference > 0)
    loss = has_previous & (difference < 0)
    same = has_previous & (difference == 0)
    outcome = np.select([gain, loss, same], [0, 1, 2], default=3)
    new_pay = standard + protection
    arrays = {
        "with_previous": has_previous.astype(np.int64),
        "previous_compared": previous,
        "standard_compared": np.where(has_previous, standard, 0),
        "standard_wage": standard,
        "difference": difference,
        "protection": protection,
        "new_pay": new_pay,
        "gain": gain.astype(np.int64),
        "loss": loss.astype(np.int64),
        "same": same.astype(np.int64),
        "no_previous": (~has_previous).astype(np.int64),
    }
    rank = take(community_rank)
    # Communities and streets present, with where each group's workers start.
    community_starts = np.flatnonzero(np.r_[True, rank[1:] != rank[:-1]]) if n else np.zeros(0, np.int64)
    present = [ordered_communities[r] for r in rank[community_starts].tolist()]
    street_of_group = np.array([c.street_id for c in present], dtype=np.int64)
    street_first_group = np.flatnonzero(np.r_[True, street_of_group[1:] != street_of_group[:-1]]) if present else []
    street_starts = community_starts[street_first_group] if present else np.zeros(0, np.int64)
    community_totals = _totals(arrays, community_starts, n)
    street_totals = _totals(arrays, street_starts, n)
    community_groups = [
        GroupTotals(c.street_id, streets[c.street_id].code, streets[c.street_id].name, c.id, c.code, c.name, t)
        for c, t in zip(present, community_totals)
    ]
    street_groups = [
        GroupTotals(present[g].street_id, streets[present[g].street_id].code, streets[present[g].street_id].name,
                    None, None, None, t)
        for g, t in zip(list(street_first_group), street_totals)
    ]
    worker_ids = take(loaded.worker_ids)
    return ConversionResult(
        period=period,
        version=version,
        protects_previous_pay=version.protect_previous_pay,
        worker_ids=worker_ids,
        codes=codes[order].tolist(),
        names=[names.get(i, "") for i in worker_ids.tolist()],
        community_ids=take(loaded.community_ids),
        street_ids=take(loaded.street_ids),
        post_keys=post_keys,
        post=take(month.post),
        grade=take(month.grade),
        counted_years=take(month.counted_years),
        previous_pay=previous,
        has_previous=has_previous,
        grade_pay=take(month.grade_pay),
        education_allowance=take(month.standard_education_allowance),
        certificate_allowance=take(month.standard_certificate_allowance),
        tenure_allowance=take(month.standard_tenure_allowance),
        standard_wage=standard,
        difference=difference,
        protection_allowance=protection,
        new_monthly_pay=new_pay,
        outcome=outcome,
        communities=community_groups,
        streets=street_groups,
        total=_grand_total(arrays, n),
    )
