"""Loading workers from the database as an engine population, in bulk.

One query per kind of data (workers, assessments, year-to-date totals), never
one per worker; rows become numpy arrays directly
(:meth:`payroll.workers.Population.from_arrays`).  Used by payroll runs,
budgets, conversion reports and quotes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import peewee as pw

from payroll import codes
from payroll.engine import YearState
from payroll.periods import NO_END_DAY, Period
from payroll.workers import Population

from api.db.models import Assessment, Community, Payslip, Street, Worker, WorkerTaxChoice

_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Scope:
    """A whole jurisdiction (``CITY``), a street or a community.

    ``jurisdiction_id`` is the jurisdiction whose policy pays the scope (for a
    run); ``jurisdictions`` the jurisdictions a ``CITY`` scope covers (None:
    every one — a one-city installation, or an unrestricted report)."""

    type: str
    street_id: int | None = None
    community_id: int | None = None
    jurisdiction_id: int | None = None
    jurisdictions: frozenset[int] | None = None

    @property
    def key(self) -> str:
        if self.type == "STREET":
            return f"STREET:{self.street_id}"
        if self.type == "COMMUNITY":
            return f"COMMUNITY:{self.community_id}"
        return "CITY"

    def condition(self, community: type[Community] = Community) -> pw.Expression | None:
        if self.type == "STREET":
            return community.street == self.street_id
        if self.type == "COMMUNITY":
            return community.id == self.community_id
        if self.jurisdictions is not None:
            return community.street.in_(Street.select(Street.id).where(Street.jurisdiction.in_(sorted(self.jurisdictions))))
        return None


CITY = Scope("CITY")


@dataclass
class LoadedWorkers:
    """A population plus the database ids it came from."""

    population: Population
    worker_ids: np.ndarray
    community_ids: np.ndarray
    street_ids: np.ndarray
    #: The year's assessment codes (None when not recorded), and 不称职 years before it.
    assessments: list[str | None]
    incompetent_years: np.ndarray

    def __len__(self) -> int:
        return len(self.worker_ids)


def _days(values: Sequence[dt.date | str | None]) -> np.ndarray:
    """Dates — date objects (PostgreSQL) or ISO text (SQLite) — or None →
    day numbers (None → NO_END_DAY)."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, dt.date):
        # date → ordinal is a C call; numpy's conversion of date objects is ~20× slower.
        ordinals = np.fromiter((_NO_END_ORDINAL if v is None else v.toordinal() for v in values),
                               dtype=np.int64, count=len(values))
        return ordinals - _EPOCH_ORDINAL
    array = np.array([_NO_END if v is None else v for v in values], dtype="datetime64[D]")
    return (array - _EPOCH).astype(np.int64)


_NO_END = dt.date(9999, 12, 31)
_NO_END_ORDINAL = _NO_END.toordinal()
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _raw_rows(query: pw.Query) -> list[tuple]:
    """Rows as the driver returns them, without peewee's per-value conversion
    (which costs more than the whole computation on large scopes)."""
    sql, params = query.sql()
    return query.model._meta.database.execute_sql(sql, params).fetchall()


_WORKER_COLUMNS = (
    Worker.id, Worker.code, Worker.community, Community.street, Worker.post, Worker.service_start, Worker.service_end,
    Worker.prior_service_years, Worker.incompetent_years_before, Worker.education, Worker.certificate,
    Worker.certificate_date, Worker.special_deduction_monthly, Worker.previous_monthly_pay, Worker.opening_through,
    Worker.opening_months, Worker.opening_income, Worker.opening_deductions, Worker.opening_tax, Worker.opening_reserve,
)


def workers_query(scope: Scope, extra: pw.Expression | None = None) -> pw.ModelSelect:
    query = Worker.select(*_WORKER_COLUMNS).join(Community, on=(Worker.community == Community.id))
    condition = scope.condition()
    if condition is not None:
        query = query.where(condition)
    if extra is not None:
        query = query.where(extra)
    return query.order_by(Worker.id)


def _records_of_year(query: pw.ModelSelect, ids: tuple[int, ...], year: int,
                     incompetent: np.ndarray) -> tuple[list[str | None], np.ndarray, np.ndarray]:
    """The year's assessments and tax choices (codes as indices) of the
    workers ``ids`` of ``query``, in their order; adds to ``incompetent`` the
    不称职 years before ``year``."""
    n = len(ids)
    assessments: list[str | None] = [None] * n
    tax_basic = np.zeros(n, dtype=np.int64)
    bonus_method = np.full(n, codes.DEFAULT_BONUS_TAX_METHOD, dtype=np.int64)
    if not n:
        return assessments, tax_basic, bonus_method
    position = {worker_id: i for i, worker_id in enumerate(ids)}
    subquery = query.select(Worker.id).order_by()
    for worker_id, basic, method in _raw_rows(
        WorkerTaxChoice.select(WorkerTaxChoice.worker, WorkerTaxChoice.tax_basic_deduction,
                               WorkerTaxChoice.bonus_tax_method)
        .where((WorkerTaxChoice.year == year) & WorkerTaxChoice.worker.in_(subquery))
    ):
        tax_basic[position[worker_id]] = codes.TAX_BASIC_DEDUCTION_INDEX[basic]
        if method:
            bonus_method[position[worker_id]] = codes.BONUS_TAX_METHOD_INDEX[method]
    for worker_id, result in _raw_rows(
        Assessment.select(Assessment.worker, Assessment.result)
        .where((Assessment.year == year) & Assessment.worker.in_(subquery))
    ):
        assessments[position[worker_id]] = result
    for worker_id, count in _raw_rows(
        Assessment.select(Assessment.worker, pw.fn.COUNT(Assessment.id))
        .where((Assessment.year < year) & (Assessment.result == "INCOMPETENT") & Assessment.worker.in_(subquery))
        .group_by(Assessment.worker)
    ):
        incompetent[position[worker_id]] += count
    return assessments, tax_basic, bonus_method


def _check_posts(post: tuple[str, ...], worker_codes: tuple[str, ...], post_keys: tuple[str, ...]) -> None:
    """Every worker's post must be a post of the active policy."""
    unknown = [p for p in set(post) if p not in post_keys]
    if unknown:
        from api.errors import ErrorCode, UserErrors

        first = post.index(unknown[0])
        raise UserErrors.one(
            None, ErrorCode.INVALID_STATE,
            f"工作者 {worker_codes[first]}：岗位 {unknown[0]} 不是现行政策中的岗位（{'、'.join(post_keys)}）/ worker "
            f"{worker_codes[first]}: post {unknown[0]} is not a post of the active policy ({', '.join(post_keys)})",
        )


def load_workers(
    query: pw.ModelSelect,
    post_keys: tuple[str, ...],
    year: int,
) -> LoadedWorkers:
    """Run a :func:`workers_query` and build the population for ``year``
    (its assessments and the 不称职 years before it)."""
    rows = _raw_rows(query)
    n = len(rows)
    columns = list(zip(*rows)) if rows else [()] * len(_WORKER_COLUMNS)
    (ids, codes_, community, street, post, start, end, prior, incompetent_before, education, certificate,
     certificate_date, special, previous, opening_through, opening_months, opening_income, opening_deductions,
     opening_tax, opening_reserve) = columns
    worker_ids = np.array(ids, dtype=np.int64)
    incompetent = np.array(incompetent_before, dtype=np.int64) if n else np.zeros(0, np.int64)
    assessments, tax_basic, bonus_method = _records_of_year(query, ids, year, incompetent)
    _check_posts(post, codes_, post_keys)
    post_index = {key: i for i, key in enumerate(post_keys)}

    def ints(values, default=0) -> np.ndarray:
        return np.array([default if v is None else v for v in values], dtype=np.int64) if n else np.zeros(0, np.int64)

    certificate_index = np.array([codes.CERTIFICATE_INDEX[c] for c in certificate], dtype=np.int64) if n else np.zeros(0, np.int64)
    population = Population.from_arrays(
        np.array(codes_, dtype=object),
        post_keys,
        post=np.array([post_index[p] for p in post], dtype=np.int64) if n else np.zeros(0, np.int64),
        start_day=_days(list(start)) if n else np.zeros(0, np.int64),
        end_day=_days(list(end)) if n else np.zeros(0, np.int64),
        prior=ints(prior),
        incompetent=incompetent,
        education=np.array([codes.EDUCATION_INDEX[e] for e in education], dtype=np.int64) if n else np.zeros(0, np.int64),
        certificate=certificate_index,
        certificate_day=np.where(certificate_index > 0, _days(list(certificate_date)), NO_END_DAY) if n else np.zeros(0, np.int64),
        assessment=np.array(
            [codes.ASSESSMENT_INDEX[a] if a else codes.DEFAULT_ASSESSMENT for a in assessments], dtype=np.int64
        ),
        special_deduction=ints(special),
        previous_pay=ints(previous),
        opening={
            "through": np.array([Period.parse(t).index if t else -1 for t in opening_through], dtype=np.int64)
            if n else np.zeros(0, np.int64),
            "months": ints(opening_months),
            "income": ints(opening_income),
            "deductions": ints(opening_deductions),
            "tax": ints(opening_tax),
            "reserve": ints(opening_reserve),
        },
        tax_basic_deduction=tax_basic,
        bonus_tax_method=bonus_method,
    )
    return LoadedWorkers(
        population=population,
        worker_ids=worker_ids,
        community_ids=ints(community),
        street_ids=ints(street),
        assessments=assessments,
        incompetent_years=incompetent,
    )


def in_service(period: Period) -> pw.Expression:
    return (Worker.service_start <= period.last) & (Worker.service_end.is_null() | (Worker.service_end >= period.first))


@dataclass
class YearToDate:
    state: YearState
    #: Period index of each worker's latest payslip this year before the month, −1 when none.
    last_period: np.ndarray


def year_to_date(loaded: LoadedWorkers, period: Period, worker_subquery: pw.ModelSelect) -> YearToDate:
    """Each worker's totals before ``period``: the latest payslip of the same
    year, or the opening balances, or zero."""
    population = loaded.population
    state = YearState.start_of_year(population, period.year)
    last = np.full(len(loaded), -1, dtype=np.int64)
    if not len(loaded):
        return YearToDate(state, last)
    latest = (
        Payslip.select(Payslip.worker, pw.fn.MAX(Payslip.period).alias("period"))
        .where(
            (Payslip.period >= f"{period.year:04d}-01")
            & (Payslip.period < str(period))
            & Payslip.worker.in_(worker_subquery)
        )
        .group_by(Payslip.worker)
    )
    rows = (
        Payslip.select(
            Payslip.worker, Payslip.period, Payslip.ytd_tax_months, Payslip.ytd_income, Payslip.ytd_deductions,
            Payslip.ytd_tax, Payslip.ytd_reserve,
        )
        .join(latest, on=((Payslip.worker == latest.c.worker_id) & (Payslip.period == latest.c.period)))
        .tuples()
    )
    position = {int(worker_id): i for i, worker_id in enumerate(loaded.worker_ids.tolist())}
    found = [(position[r[0]], r) for r in rows if r[0] in position]
    if found:
        index = np.array([i for i, _ in found], dtype=np.int64)
        values = np.array([r[2:] for _, r in found], dtype=np.int64)
        state.tax_months[index] = values[:, 0]
        state.income[index] = values[:, 1]
        state.deductions[index] = values[:, 2]
        state.tax[index] = values[:, 3]
        state.reserve[index] = values[:, 4]
        last[index] = [Period.parse(r[1]).index for _, r in found]
    return YearToDate(state, last)
