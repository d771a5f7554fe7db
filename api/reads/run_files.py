"""What the files of a payroll run print, read through the read boundary.

A file is of a run the caller may see: :func:`authorised_run` finds the run
through the caller's scope (:func:`api.access.scopes.runs`) — None, the same
for a run outside the scope and one that does not exist — and every read
here takes the :class:`AuthorisedRun` it returns, so no file can be read
without that check.  :mod:`api.files` encodes and writes what these return.

Frozen values.  Besides its own columns, a run's files print the worker's
code, name, bank name and bank account, and the code and name of the street
and community paid for.  Those are kept with the run — the worker's on each
payslip (:data:`api.db.models.PAYSLIP_FROZEN`), the streets' and communities'
once per community of the run (:class:`api.db.models.PayrollRunPlace`) —
taken from the records when the run is computed (:func:`frozen_values`,
:func:`place_labels`) and refreshed when it is approved
(:func:`api.services.payroll.approve_run`); the database refuses any change
to an approved or paid run's payslips and places, so its files — bank file,
工资表, 工资条, payslips CSV — are the same bytes whenever they are
downloaded, whatever happens to the records later.  A draft is not paid yet: its files
show the records as they are now, so a bank account fixed after the draft
was computed is in the draft's bank file at once (:func:`printed`).

Rows are read in blocks of a few thousand with keyset pagination (``id >
last id``), with the raw DB-API cursor (the SQL is built by peewee): turning
30 columns of thousands of rows into model tuples costs more than the query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np
import peewee as pw

from api.access import scopes
from api.access.principal import Principal
from api.db.database import database
from api.db.models import PAYSLIP_MONEY, Community, PayrollRun, PayrollRunPlace, Payslip, Street, Worker
from api.db.models import Policy as PolicyRecord
from api.reads.policies import policy_from_record
from api.settings import MAX_ID

#: Rows fetched and encoded together: large enough that per-query costs vanish,
#: small enough that a block is a few megabytes.
BLOCK = 10_000


@dataclass(frozen=True)
class AuthorisedRun:
    """A run the caller may read the files of (only :func:`authorised_run` makes one)."""

    id: int
    period: str
    status: str
    scope_type: str
    street_id: int | None
    community_id: int | None
    policy_id: int
    policy_effective_from: dt.date
    payslip_count: int


def authorised_run(principal: Principal, run_id: int) -> AuthorisedRun | None:
    """The run ``run_id`` if ``principal`` may see it, else None (outside the
    scope is the same as missing)."""
    if not isinstance(run_id, int) or not 0 < run_id <= MAX_ID:
        return None
    query = scopes.restrict(PayrollRun.select().where(PayrollRun.id == run_id), PayrollRun, principal)
    run = query.first()
    if run is None:
        return None
    effective = run.policy_effective_from
    return AuthorisedRun(run.id, run.period, run.status, run.scope_type, run.street_id, run.community_id,
                         run.policy_id, effective if isinstance(effective, dt.date) else dt.date.fromisoformat(effective),
                         run.payslip_count)


def _fetch(query: pw.ModelSelect) -> list[tuple]:
    sql, params = query.sql()
    return database.execute_sql(sql, params).fetchall()


# --- frozen values, taken from the records ----------------------------------------------------


@dataclass(frozen=True)
class CodedText:
    """A text column as a table of values and each row's position in it: the
    frozen columns of a million payslips without a Python object per row."""

    table: list[str | None]
    index: np.ndarray

    def values(self) -> list[str | None]:
        return [self.table[i] for i in self.index.tolist()]


def frozen_values(workers: pw.ModelSelect, worker_ids: np.ndarray, codes: Sequence[str]) -> dict[str, CodedText]:
    """The frozen columns of new payslips (:data:`~api.db.models.PAYSLIP_FROZEN`)
    as the records say now: one value per entry of ``worker_ids`` (whose
    codes are ``codes``, as loaded).  ``workers`` selects the computed
    workers (it may hold more); their names and bank details come in one query."""
    fields = (Worker.id, Worker.name, Worker.bank_name, Worker.bank_account)
    rows = _fetch(workers.select(*fields).order_by(Worker.id))
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    at = np.minimum(np.searchsorted(ids, worker_ids), max(len(rows) - 1, 0))
    missing = (ids[at] != worker_ids) if len(rows) else np.ones(len(worker_ids), dtype=bool)
    if missing.any():
        # A worker moved out of the selection since it was computed (another
        # statement, another snapshot): read those few by id.
        extra = _fetch(Worker.select(*fields).where(Worker.id.in_(worker_ids[missing].tolist())))
        position = {row[0]: len(rows) + i for i, row in enumerate(extra)}
        rows = [*rows, *extra]
        at[missing] = [position[w] for w in worker_ids[missing].tolist()]
    columns = list(zip(*rows)) if rows else [(), (), (), ()]
    return {
        "worker_code": CodedText(list(codes), np.arange(len(codes), dtype=np.int64)),
        "worker_name": CodedText(list(columns[1]), at),
        "bank_name": CodedText(list(columns[2]), at),
        "bank_account": CodedText(list(columns[3]), at),
    }


#: Columns of a run's places, after the street and community ids.
PLACE_LABELS = ("street_code", "street_name", "community_code", "community_name")


def place_labels(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, str, str, str, str]]:
    """``(street id, community id, street code, street name, community code,
    community name)`` of each (street, community) pair, as the records say now."""
    pairs = sorted(set(pairs))
    streets = {s: (code, name) for s, code, name in Street.select(Street.id, Street.code, Street.name)
               .where(Street.id.in_({p[0] for p in pairs})).tuples()} if pairs else {}
    communities = {c: (code, name) for c, code, name in Community.select(Community.id, Community.code, Community.name)
                   .where(Community.id.in_({p[1] for p in pairs})).tuples()} if pairs else {}
    return [(s, c, *streets[s], *communities[c]) for s, c in pairs]


#: Where a draft's files read each frozen value: the records as they are now.
_RECORDS = {"worker_code": Worker.code, "worker_name": Worker.name, "bank_name": Worker.bank_name,
            "bank_account": Worker.bank_account}


def printed(run: AuthorisedRun, name: str) -> pw.Field:
    """Where the run's files read the worker's value ``name`` (of
    :data:`~api.db.models.PAYSLIP_FROZEN`): the payslip once the run is
    approved (frozen), the worker's record for a draft."""
    return _RECORDS[name] if run.status == "DRAFT" else getattr(Payslip, name)


def _payslips(run: AuthorisedRun, *fields: pw.Field) -> pw.ModelSelect:
    """``SELECT fields FROM payslip`` of the run, joined to the workers when a field is theirs (drafts)."""
    query = Payslip.select(*fields)
    if any(getattr(getattr(f, "node", f), "model", None) is Worker for f in fields):  # an alias wraps its field
        query = query.join(Worker, on=(Payslip.worker == Worker.id))
    return query.where(Payslip.run == run.id)


# --- the payslips CSV (interfaces.md §1) --------------------------------------------------------

def payslip_csv_query(run: AuthorisedRun) -> pw.ModelSelect:
    """``(id, worker code, period, post, grade, counted_years, days, *money)``
    of every payslip of the run, in payslip order (the order the workers were
    computed in, as in ``community-payroll quote``)."""
    return _payslips(
        run, Payslip.id, printed(run, "worker_code").alias("worker_code"), Payslip.period, Payslip.post,
        Payslip.grade, Payslip.counted_years, Payslip.days, *(getattr(Payslip, name) for name in PAYSLIP_MONEY),
    ).order_by(Payslip.id)


def payslip_block(run: AuthorisedRun, after_id: int, size: int = BLOCK) -> list[tuple]:
    """The next block of the run's payslips after payslip ``after_id`` (see :func:`payslip_csv_query`)."""
    return _fetch(payslip_csv_query(run).where(Payslip.id > after_id).limit(size))


# --- the bank payment file ----------------------------------------------------------------------

def bank_block(run: AuthorisedRun, after_id: int, size: int = BLOCK) -> list[tuple]:
    """The next block of payments: ``(id, code, name, bank name, account, net)``
    of payslips with a positive net pay, in payslip order."""
    fields = (printed(run, name) for name in ("worker_code", "worker_name", "bank_name", "bank_account"))
    return _fetch(
        _payslips(run, Payslip.id, *fields, Payslip.net)
        .where((Payslip.id > after_id) & (Payslip.net > 0))
        .order_by(Payslip.id)
        .limit(size)
    )


def bank_blocks(run: AuthorisedRun) -> Iterator[list[tuple]]:
    after = 0
    while rows := bank_block(run, after):
        yield rows
        after = rows[-1][0]


# --- payslips grouped by street and community ---------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A community of a run, as it was called when the run was computed (or approved)."""

    street_id: int
    street_code: str
    street_name: str
    community_id: int
    community_code: str
    community_name: str


def run_groups(run: AuthorisedRun) -> list[Group]:
    """The streets and communities the run pays, in street code then community
    code order: as kept with the run once it is approved, as the records say
    now for a draft."""
    if run.status == "DRAFT":
        pairs = Payslip.select(Payslip.street, Payslip.community).where(Payslip.run == run.id).distinct().tuples()
        rows = place_labels(pairs)
    else:
        rows = list(PayrollRunPlace.select(PayrollRunPlace.street, PayrollRunPlace.community,
                                           *(getattr(PayrollRunPlace, n) for n in PLACE_LABELS))
                    .where(PayrollRunPlace.run == run.id).tuples())
    groups = [Group(s, s_code, s_name, c, c_code, c_name) for s, c, s_code, s_name, c_code, c_name in rows]
    return sorted(groups, key=lambda g: (g.street_code, g.community_code, g.street_id, g.community_id))


#: Columns of :func:`group_payslip_blocks` rows, after the payslip id.
GROUP_COLUMNS = ("code", "name", "period", "post", "grade", "counted_years", "days", *PAYSLIP_MONEY)


def group_payslip_blocks(run: AuthorisedRun, group: Group, size: int = BLOCK) -> Iterator[list[tuple]]:
    """Blocks of one community's payslips in the run: ``(id, *GROUP_COLUMNS)`` tuples in payslip order."""
    after = 0
    while True:
        rows = _fetch(
            _payslips(
                run, Payslip.id, printed(run, "worker_code"), printed(run, "worker_name"), Payslip.period,
                Payslip.post, Payslip.grade, Payslip.counted_years, Payslip.days,
                *(getattr(Payslip, name) for name in PAYSLIP_MONEY),
            )
            .where((Payslip.community == group.community_id) & (Payslip.street == group.street_id) & (Payslip.id > after))
            .order_by(Payslip.id)
            .limit(size)
        )
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def scope_name(run: AuthorisedRun) -> str:
    """The name of the street or community a run is for (``全市`` for the
    city), as kept with the run once it is approved."""
    if run.scope_type == "CITY":
        return "全市"
    street = run.scope_type == "STREET"
    if run.status != "DRAFT":
        kept = (PayrollRunPlace.select(PayrollRunPlace.street_name if street else PayrollRunPlace.community_name)
                .where(PayrollRunPlace.run == run.id).limit(1).tuples().first())
        if kept:
            return kept[0]
    return (Street.get_by_id(run.street_id) if street else Community.get_by_id(run.community_id)).name


def post_titles(run: AuthorisedRun) -> dict[str, str]:
    """Post keys → their titles in the policy version the run used (正职（书记、主任） …).
    Published policy versions never change, so these are the run's titles for good."""
    policy = policy_from_record(PolicyRecord.get_by_id(run.policy_id))
    version = policy.version_on(run.policy_effective_from)
    return {key: post.title for key, post in version.posts.items()}


# --- social insurance and housing fund ----------------------------------------------------------

#: Contribution items, in column order: (payslip column, 中文, English).
EMPLOYEE_ITEMS = (
    ("employee_pension", "个人养老", "employee pension"),
    ("employee_medical", "个人医疗", "employee medical"),
    ("employee_unemployment", "个人失业", "employee unemployment"),
    ("housing_fund_employee", "个人公积金", "employee housing fund"),
)
EMPLOYER_ITEMS = (
    ("employer_pension", "单位养老", "employer pension"),
    ("employer_medical", "单位医疗", "employer medical"),
    ("employer_unemployment", "单位失业", "employer unemployment"),
    ("employer_work_injury", "单位工伤", "employer work injury"),
    ("housing_fund_employer", "单位公积金", "employer housing fund"),
)
CONTRIBUTION_ITEMS = tuple(name for name, _, _ in EMPLOYEE_ITEMS + EMPLOYER_ITEMS)


@dataclass
class ContributionRow:
    """Sums of one community (or a street, or the whole run)."""

    street_code: str
    street_name: str
    community_code: str | None
    community_name: str | None
    workers: int
    si_base: int
    items: dict[str, int]

    @property
    def employee_total(self) -> int:
        return sum(self.items[name] for name, _, _ in EMPLOYEE_ITEMS)

    @property
    def employer_total(self) -> int:
        return sum(self.items[name] for name, _, _ in EMPLOYER_ITEMS)

    @property
    def total(self) -> int:
        return self.employee_total + self.employer_total

    def add(self, other: ContributionRow) -> None:
        self.workers += other.workers
        self.si_base += other.si_base
        for name in self.items:
            self.items[name] += other.items[name]


def contribution_rows(run: AuthorisedRun) -> list[ContributionRow]:
    """One row per community of the run with its workers and the sum of each
    contribution item (summed by the database), in street code then community code order."""
    sums = (
        Payslip.select(
            Payslip.street, Payslip.community, pw.fn.COUNT(Payslip.id), pw.fn.SUM(Payslip.si_base),
            *(pw.fn.SUM(getattr(Payslip, name)) for name in CONTRIBUTION_ITEMS),
        )
        .where(Payslip.run == run.id)
        .group_by(Payslip.street, Payslip.community)
        .tuples()
    )
    by_pair = {(row[0], row[1]): row[2:] for row in sums}
    rows = []
    for group in run_groups(run):
        values = by_pair[(group.street_id, group.community_id)]
        rows.append(ContributionRow(
            street_code=group.street_code,
            street_name=group.street_name,
            community_code=group.community_code,
            community_name=group.community_name,
            workers=int(values[0]),
            si_base=int(values[1]),
            items={name: int(v) for name, v in zip(CONTRIBUTION_ITEMS, values[2:])},
        ))
    return rows
