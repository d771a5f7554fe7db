"""A payroll run's files as bytes: the payslips CSV, the bank file and the
contribution report (the spreadsheets are in :mod:`api.files.payroll_sheets`).

What the files print is read by :mod:`api.reads.run_files`, through the
caller's scope and from the values frozen on the payslips; this module only
encodes it.  Large files go a block at a time (:func:`encode_payslip_block`,
:func:`encode_bank_block`, with the vectorized encoder of
:mod:`payroll.csvfast`), so a whole city's month never sits in memory.
Every text cell passes through the formula rule of :mod:`payroll.cells`
(``=HYPERLINK(…)`` comes out as ``'=HYPERLINK(…)``); amounts are numbers.
"""

from __future__ import annotations

import io
from typing import Callable, Iterator

import numpy as np
import psycopg2.extensions

from payroll.cells import FORMULA_STARTS, NEUTRALISING_PREFIX, NUMBER_POSIX, safe_writer
from payroll.csvfast import IntColumn, MoneyColumn, TextColumn, encode_rows
from payroll.csvio import PAYSLIP_FILE_COLUMNS
from payroll.money import format_fen

from api.access.masking import mask_bank_account
from api.db.database import database, is_postgres
from api.db.models import PAYSLIP_MONEY
from api.reads import run_files as reads
from api.reads.run_files import EMPLOYEE_ITEMS, EMPLOYER_ITEMS, AuthorisedRun, ContributionRow

#: A UTF-8 byte order mark: Excel then reads the Chinese headings of the
#: files meant for people (not of the payslips CSV, whose format is fixed).
BOM = b"\xef\xbb\xbf"


def _text_column(values: tuple | list) -> TextColumn:
    """A column of a few distinct strings (periods, posts)."""
    table = sorted(set(values))
    position = {value: i for i, value in enumerate(table)}
    return TextColumn(table, np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values)))


def _unique_text_column(values: tuple | list) -> TextColumn:
    """A column of mostly distinct strings (worker codes, names): the values are their own table."""
    return TextColumn(["" if v is None else v for v in values], np.arange(len(values), dtype=np.int64))


# --- the payslips CSV (interfaces.md §1) --------------------------------------------------------

PAYSLIP_CSV_HEADER = (",".join(PAYSLIP_FILE_COLUMNS) + "\n").encode()


def encode_payslip_block(rows: list[tuple]) -> bytes:
    """Rows of :func:`api.reads.run_files.payslip_block` as payslips CSV lines."""
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


def write_payslip_csv(run: AuthorisedRun, write: Callable[[bytes], None]) -> None:
    """The whole payslips CSV of a run, handed to ``write`` a block at a time (for the CLI)."""
    write(PAYSLIP_CSV_HEADER)
    if is_postgres():
        copy_payslip_csv(run, write)
        return
    after = 0
    while rows := reads.payslip_block(run, after):
        write(encode_payslip_block(rows))
        after = rows[-1][0]


# --- the bank payment file ----------------------------------------------------------------------

#: Columns of the bank payment file (代发工资文件), in order.
BANK_COLUMNS = ("序号", "工号", "户名", "开户银行", "账号", "实发金额")
BANK_HEADER = BOM + (",".join(BANK_COLUMNS) + "\n").encode()


def bank_accounts(rows: list[tuple], masked: bool) -> list[str]:
    """The account numbers of a bank block, masked as :mod:`api.access.masking`
    shows them to callers who may not see personal data, when asked."""
    accounts = [row[4] or "" for row in rows]
    return [mask_bank_account(a) if a else "" for a in accounts] if masked else accounts


def encode_bank_block(rows: list[tuple], first_number: int, masked: bool) -> bytes:
    """Rows of :func:`api.reads.run_files.bank_block` as bank file lines numbered from ``first_number``."""
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


def iter_bank_csv(run: AuthorisedRun, masked: bool) -> Iterator[bytes]:
    """The whole bank file, block by block (for the CLI; the service streams the same blocks)."""
    yield BANK_HEADER
    number = 1
    for rows in reads.bank_blocks(run):
        yield encode_bank_block(rows, number, masked)
        number += len(rows)


# --- PostgreSQL: the server writes the payslips CSV ---------------------------------------------

#: Bytes handed on at a time by :func:`copy_payslip_csv`.
COPY_CHUNK = 1 << 20


def _sql_text(expression: str) -> str:
    """A text column as the payslips CSV writes it: the formula rule of
    :mod:`payroll.cells` in SQL (a leading ``'`` for text that starts like a
    formula and is not a number)."""
    starts = ", ".join(psycopg2.extensions.adapt(c).getquoted().decode() for c in FORMULA_STARTS)
    prefix = psycopg2.extensions.adapt(NEUTRALISING_PREFIX).getquoted().decode()
    number = psycopg2.extensions.adapt(NUMBER_POSIX).getquoted().decode()
    return (f"CASE WHEN left({expression}, 1) IN ({starts}) AND {expression} !~ {number} "
            f"THEN {prefix} || {expression} ELSE {expression} END")


def _copy_money(column: str) -> str:
    # Exact: integer fen as numeric, divided by 100, two decimals ("-0.05", "3520.48").
    return f'(q."{column}"::numeric / 100)::numeric(20, 2)'


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


def copy_payslip_csv(run: AuthorisedRun, write: Callable[[bytes], None], size: int = COPY_CHUNK) -> None:
    """PostgreSQL: the rows of the payslips CSV (no header) written by the server
    with ``COPY (SELECT …) TO STDOUT`` and handed to ``write`` a chunk at a
    time: the formatting happens in the database, not in Python, and the rows
    stream in payslip order without a query per block.  The output is the same,
    byte for byte, as :func:`encode_payslip_block` gives."""
    sql, params = reads.payslip_csv_query(run).sql()
    cursor = database.cursor()
    inner = cursor.mogrify(sql, params).decode("utf-8")  # COPY takes no parameters: they are quoted into the text
    columns = ", ".join([_sql_text('q."worker_code"'), 'q."period"', 'q."post"', 'q."grade"', 'q."counted_years"',
                         'q."days"', *(_copy_money(name) for name in PAYSLIP_MONEY)])
    writer = _ChunkWriter(write, size)
    cursor.copy_expert(f'COPY (SELECT {columns} FROM ({inner}) AS q ORDER BY q."id") TO STDOUT WITH (FORMAT csv)',
                       writer)
    writer.flush()


# --- social insurance and housing fund ----------------------------------------------------------


def contribution_subtotals(rows: list[ContributionRow]) -> tuple[list[tuple[str, ContributionRow]], ContributionRow]:
    """The rows with street subtotals, as ``(level, row)`` with level COMMUNITY or
    STREET (a street's subtotal follows its communities), and the grand total."""

    def empty(street_code: str, street_name: str) -> ContributionRow:
        return ContributionRow(street_code, street_name, None, None, 0, 0, dict.fromkeys(reads.CONTRIBUTION_ITEMS, 0))

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


def contributions_csv(run: AuthorisedRun) -> bytes:
    """The contribution report as CSV: a row per community, a STREET row after
    each street's communities and a TOTAL row (one row per community, so small)."""
    rows, total = contribution_subtotals(reads.contribution_rows(run))
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
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


_STATUS_NAMES = {"DRAFT": "草稿", "APPROVED": "已审核", "PAID": "已发放"}


def run_title(run: AuthorisedRun) -> str:
    """``2026-01 · 颍川街道 · 批次 3 · 已审核``: what a file of the run covers."""
    return f"{run.period} · {reads.scope_name(run)} · 批次 {run.id} · {_STATUS_NAMES.get(run.status, run.status)}"
