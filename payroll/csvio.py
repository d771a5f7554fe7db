"""CSV files of interfaces.md §1: workers and communities in, payslips out.

Input files are UTF-8 with a header row, columns in any order, an optional BOM
(Excel's "CSV UTF-8").  A bad row is refused with the file, line, worker and
field; callers either stop at the first bad row or skip bad rows and report
each one.

Output is encoded a block of rows at a time by :mod:`payroll.csvfast`, with
numpy rather than value by value, so writing a year of payslips for tens of
thousands of workers takes a fraction of a second.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Mapping, Sequence, TypeVar

import numpy as np

from .cells import safe_writer
from .corrections import PaidPayslips
from .csvfast import Column, IntColumn, MoneyColumn, TextColumn, encode_rows
from .engine import MONEY_COLUMNS, PAYSLIP_COLUMNS, MonthResult
from .money import MoneyFormatError, parse_fen
from .periods import Period, PeriodFormatError
from .staffing import community_from_fields
from .texts import Text
from .workers import (
    HEADING_ALIASES,
    WORKER_FIELDS,
    FieldProblem,
    InputError,
    Population,
    line_label,
    population_from_columns,
    worker_from_fields,
    worker_label,
)

COMMUNITY_FIELDS = ("community_id", "name", "street", "households", "population")
#: The payslips CSV of interfaces.md §1 (salary model revision 2).
PAYSLIP_FILE_COLUMNS = ("worker_id", "period", *PAYSLIP_COLUMNS)
WORKERS_REQUIRED = ("worker_id", "post", "service_start")

T = TypeVar("T")

#: What a row of each kind of file is called in messages, by its key column.
_ROW_KINDS = {"worker_id": Text("工作者", "worker"), "community_id": Text("社区", "community")}
_EMPTY_FILE = FieldProblem("header", "文件为空，须有表头行", "the file is empty; a header row is required")


def _not_csv(where: str, exc: Exception) -> FieldProblem:
    return FieldProblem(where, "无法按 UTF-8 CSV 读取（Excel 请另存为“CSV UTF-8”）", f"cannot be read as UTF-8 CSV ({exc})")


@dataclass
class ReadResult:
    """Rows read from a file, plus the bad rows that were skipped."""

    rows: list = field(default_factory=list)
    skipped: list[InputError] = field(default_factory=list)


def _open_text(source: str | Path | IO[str]) -> tuple[IO[str], str, bool]:
    if hasattr(source, "read"):
        return source, getattr(source, "name", "input"), False
    path = Path(source)
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(str(path), [FieldProblem("file", "无法读取", f"cannot be read ({exc.strerror or exc})")]) from None
    return handle, path.name, True


@dataclass
class _Table:
    """A CSV file's checked header and its non-blank rows with their line numbers."""

    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]


def _read_table(
    source: str | Path | IO[str], known: Sequence[str], required: Sequence[str], aliases: Mapping[str, str] | None = None
) -> _Table:
    """Read a CSV file's header and rows; ``aliases`` maps other headings
    (Chinese ones) to the column names in ``known``."""
    handle, name, owned = _open_text(source)
    try:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(name, [_EMPTY_FILE]) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, [_not_csv("header", exc)]) from None
        table = _Table(name, _checked_header(name, header, known, required, aliases), [], [])
        line = 1
        try:
            for values in reader:
                line = reader.line_num
                if "".join(values).strip():
                    table.rows.append(values)
                    table.lines.append(line)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(line_label(name, line + 1), [_not_csv("row", exc)]) from None
        return table
    finally:
        if owned:
            handle.close()


def _checked_header(
    name: str, header: list[str], known: Sequence[str], required: Sequence[str], aliases: Mapping[str, str] | None
) -> list[str]:
    """The header's column names; unknown, missing and repeated columns refused."""
    header = [h.strip().lstrip("\ufeff") for h in header]
    if aliases:
        header = [aliases.get(h, h) for h in header]
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise InputError(
            line_label(name, 1),
            [FieldProblem(h, f"不是可用的列（可用：{'、'.join(known)}）", f"is not a known column (known: {', '.join(known)})")
             for h in unknown],
        )
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(line_label(name, 1), [FieldProblem(c, "缺少此列", "column is missing") for c in missing])
    seen_twice = sorted({h for h in header if h and header.count(h) > 1})
    if seen_twice:
        raise InputError(line_label(name, 1), [FieldProblem(h, "此列出现两次", "column appears twice") for h in seen_twice])
    return header


@dataclass
class _Columns:
    """Columns of a CSV file by name, with the line number of each row."""

    name: str
    columns: dict[str, list[str]]
    lines: list[int]


def _read_columns(
    source: str | Path | IO[str], known: Sequence[str], required: Sequence[str], wanted: set[str]
) -> _Columns:
    """The ``wanted`` columns of a CSV file.  A file without quotes and
    carriage returns whose rows all have the header's width — as this program
    writes them — is split on commas in one go, several times faster than the
    csv module; other files are read by it, blank cells filled in."""
    handle, name, owned = _open_text(source)
    try:
        text = handle.read()
    except UnicodeDecodeError as exc:
        raise InputError(name, [_not_csv("file", exc)]) from None
    finally:
        if owned:
            handle.close()
    first_line, _, body = text.partition("\n")
    body = body.rstrip("\n")
    count = body.count("\n") + 1 if body else 0
    width = first_line.count(",") + 1
    if '"' in text or "\r" in text or "\n\n" in body or body.count(",") != (width - 1) * count:
        buffer = io.StringIO(text)
        buffer.name = name
        table = _read_table(buffer, known, required)
        for i, values in enumerate(table.rows):
            if len(values) > len(table.header):
                raise _too_long(table, i)
            table.rows[i] = values + [""] * (len(table.header) - len(values))
        return _Columns(name, {h: [r[j] for r in table.rows] for j, h in enumerate(table.header) if h in wanted},
                        table.lines)
    if not first_line.strip():
        raise InputError(name, [_EMPTY_FILE])
    header = _checked_header(name, first_line.split(","), known, required, None)
    cells = body.replace("\n", ",").split(",") if count else []
    columns = {h: cells[j::width] for j, h in enumerate(header) if h in wanted}
    return _Columns(name, columns, list(range(2, count + 2)))


def _too_long(table: _Table, i: int) -> InputError | None:
    values = table.rows[i]
    if len(values) > len(table.header):
        return InputError(
            line_label(table.name, table.lines[i]),
            [FieldProblem("row", f"有 {len(values)} 格，而表头只有 {len(table.header)} 列",
                          f"has {len(values)} cells for {len(table.header)} columns")],
        )
    return None


def _read_rows(
    source: str | Path | IO[str],
    known: Sequence[str],
    required: Sequence[str],
    key: str,
    aliases: Mapping[str, str] | None,
    parse: Callable[[dict, str], T],
    skip_bad_rows: bool,
) -> ReadResult:
    table = _read_table(source, known, required, aliases)
    result = ReadResult()
    seen: dict[str, int] = {}
    for i, values in enumerate(table.rows):
        where = line_label(table.name, table.lines[i])
        try:
            too_long = _too_long(table, i)
            if too_long:
                raise too_long
            item = parse(dict(zip(table.header, values)), where)
            item_key = getattr(item, key)
            if item_key in seen:
                what = _ROW_KINDS[key]
                raise InputError(
                    Text(f"{where.zh}（{what.zh} {item_key}）", f"{where.en} ({what.en} {item_key})"),
                    [FieldProblem(key, f"“{item_key}”已在第 {seen[item_key]} 行出现",
                                  f"{item_key!r} already appears on line {seen[item_key]}")],
                )
            seen[item_key] = table.lines[i]
            result.rows.append(item)
        except InputError as exc:
            if not skip_bad_rows:
                raise
            result.skipped.append(exc)
    return result


def read_workers(
    source: str | Path | IO[str], post_keys: Sequence[str] | None = None, skip_bad_rows: bool = False,
    post_names: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read a workers CSV into :class:`~payroll.workers.WorkerInput` rows;
    ``post_keys`` are the posts the policy knows, ``post_names`` the titles
    accepted for them (:attr:`payroll.policy.Policy.post_names`)."""
    return _read_rows(
        source,
        WORKER_FIELDS,
        WORKERS_REQUIRED,
        "worker_id",
        HEADING_ALIASES,
        lambda row, where: worker_from_fields(row, where, post_keys, post_names),
        skip_bad_rows,
    )


@dataclass
class PopulationRead:
    population: Population
    community_ids: list[str | None]
    skipped: list[InputError]


def read_population(
    source: str | Path | IO[str], post_keys: Sequence[str], skip_bad_rows: bool = False,
    post_names: Mapping[str, str] | None = None,
) -> PopulationRead:
    """Read a workers CSV straight into an engine population, column by column.

    Accepts and refuses exactly what :func:`read_workers` does, with the same
    messages, several times faster on large files (see
    :func:`payroll.workers.population_from_columns`).
    """
    table = _read_table(source, WORKER_FIELDS, WORKERS_REQUIRED, HEADING_ALIASES)
    long_rows = [(i, e) for i in range(len(table.rows)) if (e := _too_long(table, i))]
    if long_rows:
        dropped = {i for i, _ in long_rows}
        keep = [i for i in range(len(table.rows)) if i not in dropped]
    else:
        keep = list(range(len(table.rows)))
    rows = [table.rows[i] for i in keep] if long_rows else table.rows
    lines = [table.lines[i] for i in keep] if long_rows else table.lines
    width = len(table.header)
    transposed = list(itertools.zip_longest(*rows, fillvalue=""))
    # Rows may all be shorter than the header: the missing columns are blank.
    transposed += [("",) * len(rows)] * (width - len(transposed))
    columns = {h: transposed[j] for j, h in enumerate(table.header) if h}
    read = population_from_columns(
        columns,
        len(rows),
        post_keys,
        lambda i: dict(zip(table.header, rows[i])),
        table.name,
        lines,
        post_names,
    )
    errors = sorted([(keep[i], e) for i, e in read.errors] + long_rows, key=lambda item: item[0])
    if errors and not skip_bad_rows:
        raise errors[0][1]
    return PopulationRead(read.population, read.community_ids, [e for _, e in errors])


#: Columns a paid-payslips file must have for §13 (the others are read as 0 or ignored).
PAID_REQUIRED = (
    "worker_id", "period", "gross", "performance_pay", "income_tax", "bonus_tax",
    "employee_pension", "employee_medical", "employee_unemployment", "housing_fund_employee",
)
_CONTRIBUTION_COLUMNS = ("employee_pension", "employee_medical", "employee_unemployment", "housing_fund_employee")
_PAID_COLUMNS = {*PAID_REQUIRED, "back_pay"}
_FEN_COLUMN = re.compile(r"(?:-?\d{1,12}\.\d\d\n)*-?\d{1,12}\.\d\d")


def read_paid_payslips(source: str | Path | IO[str], worker_ids: Sequence[str]) -> PaidPayslips:
    """A payslips CSV (interfaces.md §1) of what was paid, as the arrays of
    :class:`~payroll.corrections.PaidPayslips` for the workers ``worker_ids``
    (their order gives the positions).  Files written before revision 2,
    without ``fixed_allowances`` and ``back_pay``, read those as 0.  A row
    whose worker is not among ``worker_ids`` is refused, naming the worker."""
    table = _read_columns(source, PAYSLIP_FILE_COLUMNS, PAID_REQUIRED, _PAID_COLUMNS)
    columns = table.columns
    count = len(table.lines)

    def where(i: int, worker_id: str | None = None) -> Text:
        line = line_label(table.name, table.lines[i])
        return worker_label(worker_id, line) if worker_id else line

    ids = [worker_id.strip() for worker_id in columns.get("worker_id", ())]
    position = {worker_id: i for i, worker_id in enumerate(worker_ids)}
    found = list(map(position.get, ids))
    if None in found:
        i = found.index(None)
        raise InputError(where(i, ids[i] or None), [FieldProblem(
            "worker_id", f"“{ids[i]}”不在工作者文件中；已发放的工资条须有对应的工作者",
            f"{ids[i]!r} is not among the workers; a paid payslip needs its worker in the workers file",
        )])
    worker = np.array(found, dtype=np.int64)
    months: dict[str, int] = {}
    for i, text in enumerate(columns.get("period", ())):
        if text not in months:
            try:
                months[text] = Period.parse(text).index
            except PeriodFormatError as exc:
                raise InputError(where(i, ids[i]), [FieldProblem.of("period", exc)]) from None
    period = np.array([months[text] for text in columns.get("period", ())], dtype=np.int64)

    def money(name: str) -> np.ndarray:
        values = columns.get(name)
        if values is None:
            return np.zeros(count, dtype=np.int64)
        joined = "\n".join(values)
        if _FEN_COLUMN.fullmatch(joined):  # the common case: yuan with two decimals, as written
            return np.fromiter(map(int, joined.replace(".", "").split("\n")), dtype=np.int64, count=count)
        out = np.empty(count, dtype=np.int64)
        for i, text in enumerate(values):
            try:
                out[i] = parse_fen(text.strip() or "0")
            except MoneyFormatError as exc:
                raise InputError(where(i, ids[i]), [FieldProblem.of(name, exc)]) from None
        return out

    return PaidPayslips(
        worker=worker,
        period=period,
        gross=money("gross"),
        back_pay=money("back_pay"),
        performance_pay=money("performance_pay"),
        bonus_tax=money("bonus_tax"),
        income_tax=money("income_tax"),
        employee_contributions=sum(money(name) for name in _CONTRIBUTION_COLUMNS),
    )


def read_communities(source: str | Path | IO[str], skip_bad_rows: bool = False) -> ReadResult:
    return _read_rows(
        source,
        COMMUNITY_FIELDS,
        ("community_id", "households", "population"),
        "community_id",
        None,
        community_from_fields,
        skip_bad_rows,
    )


# --- output -----------------------------------------------------------------------------


def _block_columns(months: list[dict[str, np.ndarray]], ids: np.ndarray, post_keys: Sequence[str]) -> list[Column]:
    """Payslip CSV columns of one block of workers, rows ordered by worker then period."""
    count = len(months)
    paid = np.stack([m["paid"] for m in months]).T.ravel()

    def gather(name: str) -> np.ndarray:
        return np.stack([m[name] for m in months]).T.ravel()[paid]

    worker_index = np.repeat(np.arange(len(ids), dtype=np.int64), count)[paid]
    month_index = np.tile(np.arange(count, dtype=np.int64), len(ids))[paid]
    columns: list[Column] = [
        TextColumn([str(i) for i in ids], worker_index),
        TextColumn([m["period"] for m in months], month_index),
        TextColumn(list(post_keys), gather("post")),
    ]
    columns += [IntColumn(gather(name)) for name in ("grade", "counted_years", "days")]
    columns += [MoneyColumn(gather(name)) for name in MONEY_COLUMNS]
    return columns


def payslips_csv_bytes(results: Iterable[MonthResult], ids: np.ndarray, post_keys: Sequence[str]) -> bytes:
    """The payslips CSV of interfaces.md §1 (UTF-8) from computed months.

    ``results`` are the months of :func:`payroll.months.compute_periods`,
    whole-population or chunked (consecutive results with the same offset
    form a block); only the payslip columns of a block are kept while it is
    encoded, so memory stays bounded by the block size.
    """
    wanted = ("paid", *PAYSLIP_COLUMNS)
    parts = [(",".join(PAYSLIP_FILE_COLUMNS) + "\n").encode()]
    block: list[dict[str, np.ndarray]] = []
    block_offset = 0

    def flush() -> None:
        if block:
            size = len(block[0]["paid"])
            parts.append(encode_rows(_block_columns(block, ids[block_offset : block_offset + size], post_keys)))
            block.clear()

    for result in results:
        if block and result.offset != block_offset:
            flush()
        block_offset = result.offset
        month = {name: result.column(name) for name in wanted}
        month["period"] = str(result.period)
        block.append(month)
    flush()
    return b"".join(parts)


def payslips_csv(results: Iterable[MonthResult], ids: np.ndarray, post_keys: Sequence[str]) -> str:
    return payslips_csv_bytes(results, ids, post_keys).decode("utf-8")


def csv_text(header: Sequence[str], columns: Iterable[np.ndarray | Sequence[str]]) -> str:
    """A CSV document from equal-length columns of already escaped strings."""
    lines = [",".join(header)]
    lines.extend(",".join(row) for row in zip(*columns))
    return "\n".join(lines) + "\n"


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV document of rows; text that starts like a formula is neutralised (:mod:`payroll.cells`)."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
