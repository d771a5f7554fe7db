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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterable, Sequence, TypeVar

import numpy as np

from .csvfast import Column, IntColumn, MoneyColumn, TextColumn, encode_rows
from .engine import MONEY_COLUMNS, PAYSLIP_COLUMNS, MonthResult
from .staffing import CommunityInput, community_from_fields
from .workers import WORKER_FIELDS, FieldProblem, InputError, WorkerInput, worker_from_fields

COMMUNITY_FIELDS = ("community_id", "name", "street", "households", "population")
PAYSLIP_CSV_COLUMNS = ("worker_id", "period", *PAYSLIP_COLUMNS)

T = TypeVar("T")


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
        raise InputError(str(path), [FieldProblem("file", f"cannot be read ({exc.strerror or exc})")]) from None
    return handle, path.name, True


def _read_rows(
    source: str | Path | IO[str],
    known: Sequence[str],
    required: Sequence[str],
    key: str,
    parse: Callable[[dict, str], T],
    skip_bad_rows: bool,
) -> ReadResult:
    handle, name, owned = _open_text(source)
    try:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(name, [FieldProblem("header", "the file is empty; a header row is required")]) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(name, [FieldProblem("header", f"cannot be read as UTF-8 CSV ({exc})")]) from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        unknown = [h for h in header if h and h not in known]
        if unknown:
            raise InputError(
                f"{name} line 1",
                [FieldProblem(h, f"is not a known column (known: {', '.join(known)})") for h in unknown],
            )
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{name} line 1", [FieldProblem(c, "column is missing") for c in missing])
        seen_twice = sorted({h for h in header if h and header.count(h) > 1})
        if seen_twice:
            raise InputError(f"{name} line 1", [FieldProblem(h, "column appears twice") for h in seen_twice])
        result = ReadResult()
        seen: dict[str, int] = {}
        line = 1
        try:
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                where = f"{name} line {line}"
                try:
                    if len(values) > len(header):
                        raise InputError(where, [FieldProblem("row", f"has {len(values)} cells for {len(header)} columns")])
                    row = dict(zip(header, values))
                    item = parse(row, where)
                    item_key = getattr(item, key)
                    if item_key in seen:
                        raise InputError(
                            f"{where} ({key.split('_')[0]} {item_key})",
                            [FieldProblem(key, f"{item_key!r} already appears on line {seen[item_key]}")],
                        )
                    seen[item_key] = line
                    result.rows.append(item)
                except InputError as exc:
                    if not skip_bad_rows:
                        raise
                    result.skipped.append(exc)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{name} line {line + 1}", [FieldProblem("row", f"cannot be read as UTF-8 CSV ({exc})")]) from None
        return result
    finally:
        if owned:
            handle.close()


def read_workers(
    source: str | Path | IO[str], post_keys: Sequence[str] | None = None, skip_bad_rows: bool = False
) -> ReadResult:
    """Read a workers CSV; ``post_keys`` are the posts the policy knows."""
    return _read_rows(
        source,
        WORKER_FIELDS,
        ("worker_id", "post", "service_start"),
        "worker_id",
        lambda row, where: worker_from_fields(row, where, post_keys),
        skip_bad_rows,
    )


def read_communities(source: str | Path | IO[str], skip_bad_rows: bool = False) -> ReadResult:
    return _read_rows(
        source,
        COMMUNITY_FIELDS,
        ("community_id", "households", "population"),
        "community_id",
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

    ``results`` are the months of :func:`payroll.engine.compute_periods`,
    whole-population or chunked (consecutive results with the same offset
    form a block); only the payslip columns of a block are kept while it is
    encoded, so memory stays bounded by the block size.
    """
    wanted = ("paid", *PAYSLIP_COLUMNS)
    parts = [(",".join(PAYSLIP_CSV_COLUMNS) + "\n").encode()]
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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
