"""The data behind a payroll run's files, read a block at a time.

Every export of a run reads the database in blocks of a few thousand rows
with keyset pagination (``id > last id``), so a whole city's month never sits
in memory, and turns each block into bytes (CSV, with the vectorized encoder
of :mod:`payroll.csvfast`) or spreadsheet rows before the next is read.

- :func:`fetch_payslip_block` / :func:`encode_payslip_block`: the payslips CSV
  of interfaces.md §1, rows in payslip order (worker order, as computed);
- :func:`fetch_bank_block` / :func:`encode_bank_block`: the bank payment file;
- :func:`run_groups` / :func:`iter_group_payslips`: a run's payslips grouped
  by street and community (in code order), for the sheets with subtotals;
- :func:`contribution_rows`: social insurance and housing fund by community,
  summed by the database.

Rows are fetched with the raw DB-API cursor (the SQL is built by peewee):
turning 30 columns of thousands of rows into model tuples costs more than the
query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import peewee as pw

from payroll.csvfast import IntColumn, MoneyColumn, TextColumn, encode_rows
from payroll.csvio import PAYSLIP_FILE_COLUMNS

from api.access.masking import mask_bank_account
from api.db.database import database, is_postgres
from api.db.models import PAYSLIP_MONEY, Community, PayrollRun, Payslip, Street, Worker

#: Rows fetched and encoded together: large enough that per-query costs vanish,
#: small enough that a block is a few megabytes.
BLOCK = 10_000

#: A UTF-8 byte order mark: Excel then reads the Chinese headings of the
#: files meant for people (not of the payslips CSV, whose format is fixed).
BOM = b"\xef\xbb\xbf"


def _fetch(query: pw.ModelSelect) -> list[tuple]:
    sql, params = query.sql()
    return database.execute_sql(sql, params).fetchall()


def _text_column(values: tuple | list) -> TextColumn:
    """A column of a few distinct strings (periods, posts)."""
    table = sorted(set(values))
    position = {value: i for i, value in enumerate(table)}
    return TextColumn(table, np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values)))


def _unique_text_column(values: tuple | list) -> TextColumn:
    """A column of mostly distinct strings (worker codes, names): the values are their own table."""
    return TextColumn(["" if v is None else v for v in values], np.arange(len(values), dtype=np.int64))


# --- the payslips CSV (interfaces.md §1) --------------------------------------------------------

_PAYSLIP_CSV_SELECT = (
    Payslip.id, Worker.code, Payslip.period, Payslip.post, Payslip.grade, Payslip.counted_years, Payslip.days,
    *(getattr(Payslip, name) for name in PAYSLIP_MONEY),
)
PAYSLIP_CSV_HEADER = (",".join(PAYSLIP_FILE_COLUMNS) + "\n").encode()


def fetch_payslip_block(run_id: int, after_id: int, size: int = BLOCK) -> list[tuple]:
    """The next block of a run's payslips after payslip ``after_id``, in payslip order.

    Payslips are inserted in the order the workers were computed, so payslip
    order is worker order, as in the payslips CSV of ``community-payroll quote``.
    """
    return _fetch(
        Payslip.select(*_PAYSLIP_CSV_SELECT)
        .join(Worker, on=(Payslip.worker == Worker.id))
        .where((Payslip.run == run_id) & (Payslip.id > after_id))
        .order_by(Payslip.id)
        .limit(size)
    )


def encode_payslip_block(rows: list[tuple]) -> bytes:
    """Rows of :func:`fetch_payslip_block` as payslips CSV lines."""
    if not rows:
        return b""
    columns = list(zip(*rows))
    numbers = np.array(columns[4:], dtype=np.int64)  # grade, counted_years, days, then the money columns
    return encode_rows([
        _unique_text_column(columns[1]),
        _text_column(columns[2]),
        _text_column(columns[3]),
        *(IntColumn(numbers[i]) for i in range(3)),
        *(MoneyColumn(numbers[i]) for i in range(3, 3 + len(PAYSLIP_MONEY))),
    ])


# --- the bank payment file ----------------------------------------------------------------------

#: Columns of the bank payment file (代发工资文件), in order.
BANK_COLUMNS = ("序号", "工号", "户名", "开户银行", "账号", "实发金额")
BANK_HEADER = BOM + (",".join(BANK_COLUMNS) + "\n").encode()

_BANK_SELECT = (Payslip.id, Worker.code, Worker.name, Worker.bank_name, Worker.bank_account, Payslip.net)


def fetch_bank_block(run_id: int, after_id: int, size: int = BLOCK) -> list[tuple]:
    """The next block of payments of a run: payslips with a positive net pay, in payslip order."""
    return _fetch(
        Payslip.select(*_BANK_SELECT)
        .join(Worker, on=(Payslip.worker == Worker.id))
        .where((Payslip.run == run_id) & (Payslip.id > after_id) & (Payslip.net > 0))
        .order_by(Payslip.id)
        .limit(size)
    )


def bank_accounts(rows: list[tuple], masked: bool) -> list[str]:
    """The account numbers of a bank block, masked (``***************1234``) when asked."""
    accounts = [row[4] or "" for row in rows]
    return [mask_bank_account(a) if a else "" for a in accounts] if masked else accounts


def encode_bank_block(rows: list[tuple], first_number: int, masked: bool) -> bytes:
    """Rows of :func:`fetch_bank_block` as bank file lines numbered from ``first_number``."""
    if not rows:
        return b""
    columns = list(zip(*rows))
    return encode_rows([
        IntColumn(np.arange(first_number, first_number + len(rows), dtype=np.int64)),
        _unique_text_column(columns[1]),
        _unique_text_column(columns[2]),
        _text_column(["" if b is None else b for b in columns[3]]),
        _unique_text_column(bank_accounts(rows, masked)),
        MoneyColumn(np.array(columns[5], dtype=np.int64)),
    ])


def iter_bank_csv(run_id: int, masked: bool) -> Iterator[bytes]:
    """The whole bank file, block by block (for the CLI; the service streams the same blocks)."""
    yield BANK_HEADER
    after, number = 0, 1
    while rows := fetch_bank_block(run_id, after):
        yield encode_bank_block(rows, number, masked)
        after, number = rows[-1][0], number + len(rows)


def write_payslip_csv(run_id: int, write: Callable[[bytes], None]) -> None:
    """The whole payslips CSV of a run, handed to ``write`` a block at a time (for the CLI)."""
    write(PAYSLIP_CSV_HEADER)
    if is_postgres():
        copy_payslip_csv(run_id, write)
        return
    for block in iter_blocks(run_id, fetch_payslip_block, encode_payslip_block):
        write(block)


# --- PostgreSQL: the server writes the CSV ------------------------------------------------------

#: Bytes handed on at a time by :func:`copy_payslip_csv`.
COPY_CHUNK = 1 << 20


def _copy_money(column: str) -> str:
    # Exact: integer fen as numeric, divided by 100, two decimals ("-0.05", "3520.48").
    return f'(p."{column}"::numeric / 100)::numeric(20, 2)'


_COPY_PAYSLIPS = (
    "COPY (SELECT w.\"code\", p.\"period\", p.\"post\", p.\"grade\", p.\"counted_years\", p.\"days\", "
    + ", ".join(_copy_money(name) for name in PAYSLIP_MONEY)
    + ' FROM "payslip" p JOIN "worker" w ON w."id" = p."worker_id" WHERE p."run_id" = {run_id} ORDER BY p."id")'
    " TO STDOUT WITH (FORMAT csv)"
)


class _ChunkWriter:
    """The file psycopg2 copies into: hands on a chunk at a time."""

    def __init__(self, write: Callable[[bytes], None], size: int):
        self.write_chunk = write
        self.size = size
        self.buffer = bytearray()

    def write(self, data: bytes | str) -> None:
        self.buffer += data.encode("utf-8") if isinstance(data, str) else data
        if len(self.buffer) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.write_chunk(bytes(self.buffer))
            self.buffer.clear()


def copy_payslip_csv(run_id: int, write: Callable[[bytes], None], size: int = COPY_CHUNK) -> None:
    """PostgreSQL: the rows of the payslips CSV (no header) written by the server
    with ``COPY (SELECT …) TO STDOUT`` and handed to ``write`` a chunk at a
    time: the formatting happens in the database, not in Python, and the rows
    stream in payslip order without a query per block.  The output is the same,
    byte for byte, as :func:`encode_payslip_block` gives."""
    writer = _ChunkWriter(write, size)
    database.cursor().copy_expert(_COPY_PAYSLIPS.format(run_id=int(run_id)), writer)
    writer.flush()


def iter_blocks(
    run_id: int, fetch: Callable[[int, int], list[tuple]], encode: Callable[[list[tuple]], bytes]
) -> Iterator[bytes]:
    after = 0
    while rows := fetch(run_id, after):
        yield encode(rows)
        after = rows[-1][0]


# --- payslips grouped by street and community ---------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A community of a run (where its workers were when the run was made)."""

    street_id: int
    street_code: str
    street_name: str
    community_id: int
    community_code: str
    community_name: str


def run_groups(run_id: int) -> list[Group]:
    """The streets and communities a run pays, in street code then community code order."""
    pairs = (
        Payslip.select(Payslip.street, Payslip.community).where(Payslip.run == run_id).distinct().tuples()
    )
    pairs = list(pairs)
    if not pairs:
        return []
    streets = {s.id: s for s in Street.select(Street.id, Street.code, Street.name).where(Street.id.in_({p[0] for p in pairs}))}
    communities = {
        c.id: c for c in Community.select(Community.id, Community.code, Community.name).where(Community.id.in_({p[1] for p in pairs}))
    }
    groups = [
        Group(s, streets[s].code, streets[s].name, c, communities[c].code, communities[c].name) for s, c in pairs
    ]
    return sorted(groups, key=lambda g: (g.street_code, g.community_code))


#: Columns of :func:`iter_group_payslips` rows, after the payslip id.
GROUP_COLUMNS = ("code", "name", "period", "post", "grade", "counted_years", "days", *PAYSLIP_MONEY)


def iter_group_payslips(run_id: int, group: Group, size: int = BLOCK) -> Iterator[list[tuple]]:
    """Blocks of one community's payslips in a run: ``(id, *GROUP_COLUMNS)`` tuples in payslip order."""
    after = 0
    while True:
        rows = _fetch(
            Payslip.select(
                Payslip.id, Worker.code, Worker.name, Payslip.period, Payslip.post, Payslip.grade,
                Payslip.counted_years, Payslip.days, *(getattr(Payslip, name) for name in PAYSLIP_MONEY),
            )
            .join(Worker, on=(Payslip.worker == Worker.id))
            .where(
                (Payslip.run == run_id) & (Payslip.community == group.community_id)
                & (Payslip.street == group.street_id) & (Payslip.id > after)
            )
            .order_by(Payslip.id)
            .limit(size)
        )
        if not rows:
            return
        yield rows
        after = rows[-1][0]


# --- social insurance and housing fund ----------------------------------------------------------

#: Contribution items of the report, in column order: (payslip column, 中文, English).
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


def contribution_rows(run_id: int) -> list[ContributionRow]:
    """One row per community of the run with its workers and the sum of each
    contribution item, in street code then community code order."""
    names = [name for name, _, _ in EMPLOYEE_ITEMS + EMPLOYER_ITEMS]
    sums = (
        Payslip.select(
            Payslip.street, Payslip.community, pw.fn.COUNT(Payslip.id), pw.fn.SUM(Payslip.si_base),
            *(pw.fn.SUM(getattr(Payslip, name)) for name in names),
        )
        .where(Payslip.run == run_id)
        .group_by(Payslip.street, Payslip.community)
        .tuples()
    )
    by_pair = {(row[0], row[1]): row[2:] for row in sums}
    rows = []
    for group in run_groups(run_id):
        values = by_pair[(group.street_id, group.community_id)]
        rows.append(ContributionRow(
            street_code=group.street_code,
            street_name=group.street_name,
            community_code=group.community_code,
            community_name=group.community_name,
            workers=int(values[0]),
            si_base=int(values[1]),
            items={name: int(v) for name, v in zip(names, values[2:])},
        ))
    return rows


def contribution_subtotals(rows: list[ContributionRow]) -> tuple[list[tuple[str, ContributionRow]], ContributionRow]:
    """The rows with street subtotals, as ``(level, row)`` with level COMMUNITY or
    STREET (a street's subtotal follows its communities), and the grand total."""
    names = [name for name, _, _ in EMPLOYEE_ITEMS + EMPLOYER_ITEMS]

    def empty(street_code: str, street_name: str) -> ContributionRow:
        return ContributionRow(street_code, street_name, None, None, 0, 0, dict.fromkeys(names, 0))

    out: list[tuple[str, ContributionRow]] = []
    total = empty("", "")
    street: ContributionRow | None = None
    for row in rows:
        if street is None or street.street_code != row.street_code:
            if street is not None:
                out.append(("STREET", street))
            street = empty(row.street_code, row.street_name)
        out.append(("COMMUNITY", row))
        street.add(row)
        total.add(row)
    if street is not None:
        out.append(("STREET", street))
    return out, total


CONTRIBUTION_CSV_COLUMNS = (
    "level", "street_code", "street", "community_code", "community", "workers", "si_base",
    *(name for name, _, _ in EMPLOYEE_ITEMS), "employee_total",
    *(name for name, _, _ in EMPLOYER_ITEMS), "employer_total", "total",
)


def contributions_csv(run_id: int) -> bytes:
    """The contribution report as CSV: a row per community, a STREET row after
    each street's communities and a TOTAL row (one row per community, so small)."""
    import csv
    import io

    from payroll.money import format_fen

    rows, total = contribution_subtotals(contribution_rows(run_id))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CONTRIBUTION_CSV_COLUMNS)
    for level, row in [*rows, ("TOTAL", total)]:
        writer.writerow([
            level, row.street_code, row.street_name, row.community_code or "", row.community_name or "", row.workers,
            format_fen(row.si_base),
            *(format_fen(row.items[name]) for name, _, _ in EMPLOYEE_ITEMS), format_fen(row.employee_total),
            *(format_fen(row.items[name]) for name, _, _ in EMPLOYER_ITEMS), format_fen(row.employer_total),
            format_fen(row.total),
        ])
    return BOM + buffer.getvalue().encode("utf-8")


def run_title(run: PayrollRun) -> str:
    """``2026-01 · 颍川街道 · 批次 3 · 已审核``: what a file of the run covers."""
    status = {"DRAFT": "草稿", "APPROVED": "已审核", "PAID": "已发放"}.get(run.status, run.status)
    if run.scope_type == "STREET":
        scope = Street.get_by_id(run.street_id).name
    elif run.scope_type == "COMMUNITY":
        scope = Community.get_by_id(run.community_id).name
    else:
        scope = "全市"
    return f"{run.period} · {scope} · 批次 {run.id} · {status}"
