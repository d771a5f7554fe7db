"""The workers file (工作者名册) as CSV or .xlsx: the headings of the workers
import, so HR can export, edit in Excel and import the file again.

The last column, 版本 (``version``), is each worker's version when the file
was made: the import refuses a row whose worker was changed since (CONFLICT)
instead of silently undoing that change.  Identity numbers, phones, bank
accounts and dates are text (the .xlsx stores them as text, so Excel keeps
every digit); amounts are yuan; 学历 and 证书 are written as their Chinese
labels, which the import reads back.  CSV text cells pass through the formula
rule of :mod:`payroll.cells`.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Callable, Iterable

from payroll import codes
from payroll.cells import safe_writer
from payroll.money import format_fen

from api.files.headings import WORKER_COLUMNS
from api.files.run_files import BOM
from api.files.xlsx import HEADING, INTEGER, MONEY, PLAIN, TEXT, XlsxWriter
from api.reads.worker_file import FIELDS

_HEADING = {column.field: column.heading for column in WORKER_COLUMNS}
#: The file's headings, in column order (those of the workers import).
HEADINGS = tuple(_HEADING[name] for name in FIELDS)

_MONEY = frozenset({"special_deduction_monthly", "previous_monthly_pay", "opening_income", "opening_deductions",
                    "opening_tax", "opening_reserve"})
_TEXT = frozenset({"code", "id_number", "community", "service_start", "service_end", "certificate_date",
                   "opening_through", "phone", "bank_account"})
_INTEGER = frozenset({"prior_service_years", "incompetent_years_before", "opening_months", "version"})
_LABELS = {"education": codes.EDUCATION_LABELS, "certificate": codes.CERTIFICATE_LABELS}
_STYLES = tuple(MONEY if n in _MONEY else TEXT if n in _TEXT else INTEGER if n in _INTEGER else PLAIN for n in FIELDS)


def _cell(name: str, value: Any, money: Callable[[int], Any]) -> Any:
    if value is None:
        return None
    if name in _MONEY:
        return money(value)
    if name in _LABELS:
        return _LABELS[name].get(value, value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_workers_xlsx(blocks: Iterable[list[dict[str, Any]]], path: str) -> None:
    """The workers file as a spreadsheet: the headings in row 1, a worker a row."""
    with XlsxWriter(path) as book:
        sheet = book.sheet("工作者名册", widths=[10 if n not in ("id_number", "bank_account", "bank_name") else 21
                                              for n in FIELDS], freeze="B2")
        sheet.row(HEADINGS, HEADING)
        for rows in blocks:
            for row in rows:
                sheet.row([_cell(name, row[name], int) for name in FIELDS], _STYLES)


def workers_csv_blocks(blocks: Iterable[list[dict[str, Any]]]) -> Iterable[bytes]:
    """The workers file as CSV (UTF-8 with BOM, for Excel), a block of rows at a time."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(HEADINGS)
    yield BOM + buffer.getvalue().encode("utf-8")
    for rows in blocks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_cell(name, row[name], format_fen) for name in FIELDS] for row in rows)
        yield buffer.getvalue().encode("utf-8")
