"""PostgreSQL's binary ``COPY`` format, written column by column with numpy.

A payroll run inserts a row per worker with 60 columns.  In CSV, PostgreSQL
parses every field from text (and Python formats it first); in the binary
format each integer is its 4 or 8 bytes in network order, a date the days
since 2000-01-01, a text its UTF-8 bytes — nothing to parse.  This module
builds the buffer for a block of rows at once: each field's size per row,
each row's start by a cumulative sum, and every column written into all rows
by one scatter, the way :mod:`payroll.csvfast` writes CSV.

Columns:

- :class:`Int4Column`, :class:`Int8Column` — int64 values (NULL where ``null``);
- :class:`DateColumn` — day numbers since 1970-01-01 (NULL where ``null``);
- :class:`TextColumn` — a small table of strings (None is NULL) and each row's
  position in it.

The format: https://www.postgresql.org/docs/current/sql-copy.html ("Binary Format").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Sequence, Union

import numpy as np

#: The binary format's signature, flags (none) and header extension length (0).
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
#: The file trailer: a field count of −1.
TRAILER = b"\xff\xff"
#: PostgreSQL's dates count days from 2000-01-01; ours from 1970-01-01.
_DATE_SHIFT = (dt.date(2000, 1, 1) - dt.date(1970, 1, 1)).days


@dataclass(frozen=True)
class Int4Column:
    values: np.ndarray
    null: np.ndarray | None = None  # bool per row


@dataclass(frozen=True)
class Int8Column:
    values: np.ndarray
    null: np.ndarray | None = None


@dataclass(frozen=True)
class DateColumn:
    days: np.ndarray  # since 1970-01-01
    null: np.ndarray | None = None


@dataclass(frozen=True)
class TextColumn:
    table: Sequence[str | None]
    index: np.ndarray  # int64 positions in table, one per row


Column = Union[Int4Column, Int8Column, DateColumn, TextColumn]


@dataclass(frozen=True)
class _EncodedText:
    """A :class:`TextColumn` with its table encoded once: the entries' bytes
    one after another, where each starts and its size (−1: NULL)."""

    blob: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    index: np.ndarray

    @classmethod
    def of(cls, column: TextColumn) -> _EncodedText:
        encoded = [b"" if t is None else t.encode() for t in column.table]
        sizes = np.array([-1 if t is None else len(e) for t, e in zip(column.table, encoded)], dtype=np.int64)
        starts = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(np.maximum(sizes[:-1], 0), out=starts[1:])
        return cls(np.frombuffer(b"".join(encoded) + b"\x00", dtype=np.uint8), starts, sizes, column.index)


def _big_endian_bytes(values: np.ndarray, dtype: str) -> np.ndarray:
    """(n, width) uint8: each value in network byte order."""
    array = np.ascontiguousarray(values.astype(dtype))
    return array.view(np.uint8).reshape(len(values), array.dtype.itemsize)


def _rows(column: Column | _EncodedText) -> int:
    if isinstance(column, (TextColumn, _EncodedText)):
        return len(column.index)
    return len(column.days if isinstance(column, DateColumn) else column.values)


def _lengths(column: Column | _EncodedText, n: int) -> np.ndarray:
    """Each row's data length in this column (−1: NULL)."""
    if isinstance(column, TextColumn):
        column = _EncodedText.of(column)
    if isinstance(column, _EncodedText):
        return column.sizes[column.index] if len(column.sizes) else np.zeros(n, dtype=np.int64)
    width = 8 if isinstance(column, Int8Column) else 4
    lengths = np.full(n, width, dtype=np.int64)
    if column.null is not None:
        lengths[column.null] = -1
    return lengths


def encode_block(columns: Sequence[Column | _EncodedText]) -> bytes:
    """The tuples of one block of rows (no header or trailer)."""
    columns = [_EncodedText.of(c) if isinstance(c, TextColumn) else c for c in columns]
    n = _rows(columns[0])
    lengths = [_lengths(column, n) for column in columns]
    row_sizes = np.full(n, 2, dtype=np.int64)
    for length in lengths:
        row_sizes += 4 + np.maximum(length, 0)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(row_sizes[:-1], out=starts[1:])
    buffer = np.zeros(int(row_sizes.sum()), dtype=np.uint8)
    field_count = np.array([len(columns)], dtype=">i2").view(np.uint8)
    buffer[starts[:, None] + np.arange(2)] = field_count
    at = starts + 2  # where each row's next field starts
    for column, length in zip(columns, lengths):
        buffer[at[:, None] + np.arange(4)] = _big_endian_bytes(length, ">i4")
        at += 4
        present = length >= 0
        if isinstance(column, _EncodedText):
            _write_text(buffer, at, column, length)
        else:
            values = (column.days - _DATE_SHIFT) if isinstance(column, DateColumn) else column.values
            width = 8 if isinstance(column, Int8Column) else 4
            data = _big_endian_bytes(values[present], ">i8" if width == 8 else ">i4")
            buffer[at[present][:, None] + np.arange(width)] = data
        at += np.maximum(length, 0)
    return buffer.tobytes()


def _write_text(buffer: np.ndarray, at: np.ndarray, column: _EncodedText, length: np.ndarray) -> None:
    """Copy each row's text (its table entry's bytes) to ``buffer[at:at + length]``."""
    sizes = np.maximum(length, 0)
    total = int(sizes.sum())
    if not total:
        return
    # Position of each byte within its row's text: 0, 1, … per row.
    row_offsets = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=row_offsets[1:])
    within = np.arange(total, dtype=np.int64) - np.repeat(row_offsets, sizes)
    buffer[np.repeat(at, sizes) + within] = column.blob[np.repeat(column.starts[column.index], sizes) + within]


def take(column: Column | _EncodedText, rows: slice) -> Column | _EncodedText:
    """The rows ``rows`` of a column."""
    if isinstance(column, _EncodedText):
        return _EncodedText(column.blob, column.starts, column.sizes, column.index[rows])
    if isinstance(column, TextColumn):
        return TextColumn(column.table, column.index[rows])
    null = None if column.null is None else column.null[rows]
    if isinstance(column, DateColumn):
        return DateColumn(column.days[rows], null)
    return type(column)(column.values[rows], null)


def stream(columns: Sequence[Column], rows: int, block: int = 50_000) -> Iterator[bytes]:
    """The whole COPY input — header, tuples in blocks of ``block`` rows, trailer."""
    yield HEADER
    prepared = [_EncodedText.of(c) if isinstance(c, TextColumn) else c for c in columns]  # each table encoded once
    for start in range(0, rows, block):
        part = slice(start, min(start + block, rows))
        yield encode_block([take(c, part) for c in prepared])
    yield TRAILER


class StreamReader:
    """A file-like ``read`` over an iterator of byte blocks (for ``copy_expert``),
    so the whole input never sits in memory at once.

    An exception while encoding makes psycopg2 cancel the COPY, and PostgreSQL
    reports that as a cancelled statement (SQLSTATE 57014, the code of a
    statement timeout); :meth:`copy` raises the encoder's own exception instead."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._block = memoryview(b"")
        self._at = 0
        self._error: BaseException | None = None

    def copy(self, cursor, sql: str) -> None:
        """``cursor.copy_expert(sql, self)``, re-raising an error of the encoder."""
        try:
            cursor.copy_expert(sql, self, size=1 << 20)
        except Exception:
            if self._error is not None:
                raise self._error from None
            raise

    def read(self, size: int = -1) -> bytes:
        while self._at >= len(self._block):
            try:
                self._block, self._at = memoryview(next(self._blocks)), 0
            except StopIteration:
                return b""
            except Exception as exc:
                self._error = exc
                raise
        end = len(self._block) if size < 0 else self._at + size
        out = self._block[self._at : end].tobytes()
        self._at += len(out)
        return out
