"""A vectorized CSV encoder for columns of integers, money and coded text.

Payroll files are wide (28 columns) and long (a row per worker and month), and
formatting them value by value in Python costs more than computing them.
This module writes a whole block of rows into one ``uint8`` buffer with numpy:
it computes every field's width, places each row with a cumulative sum, and
writes the digits of all rows at once, one digit position at a time.

Columns are:

- :class:`MoneyColumn` — int64 fen written as yuan with two decimals (``-12.05``);
- :class:`IntColumn` — int64 written as a whole number;
- :class:`TextColumn` — a small table of strings and an index per row (worker
  ids, periods, post keys), escaped for CSV once per table entry; text that a
  spreadsheet would run as a formula is neutralised (:mod:`payroll.cells`)
  unless the column says the file is not for spreadsheets (``COPY … FROM``).

The output is byte-for-byte what :func:`payroll.cells.safe_writer` (the :mod:`csv`
module, text cells neutralised) with ``lineterminator="\\n"``
gives for the same values (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

from .cells import neutralise

_DIGIT = np.uint8(ord("0"))
_COMMA = ord(",")
_NEWLINE = ord("\n")
_MINUS = np.uint8(ord("-"))
_DOT = np.uint8(ord("."))
_POWERS = np.array([10**k for k in range(19)], dtype=np.int64)


def _escape(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


@dataclass(frozen=True)
class MoneyColumn:
    values: np.ndarray  # int64 fen


@dataclass(frozen=True)
class IntColumn:
    values: np.ndarray  # int64


@dataclass(frozen=True)
class TextColumn:
    table: Sequence[str]
    index: np.ndarray  # int64 positions in table, one per row
    #: Prefix text that starts like a formula (files people open); False for
    #: data handed to a database, which must arrive exactly as it is.
    neutralise: bool = True


Column = Union[MoneyColumn, IntColumn, TextColumn]


def _digit_count(values: np.ndarray) -> np.ndarray:
    """Number of decimal digits of non-negative values (0 has one digit)."""
    count = np.ones(len(values), dtype=np.int64)
    if len(values):
        for power in _POWERS[1 : len(str(int(values.max())))]:
            count += values >= power
    return count


class _TextTable:
    """A text column's table, escaped and encoded once for all blocks."""

    def __init__(self, table: Sequence[str], neutralised: bool = True):
        cells = [neutralise(str(t)) for t in table] if neutralised else [str(t) for t in table]
        encoded = [_escape(cell).encode("utf-8") for cell in cells]
        self.length = np.array([len(b) for b in encoded], dtype=np.int64)
        self.offset = (np.cumsum(self.length) - self.length).astype(np.int64)
        self.data = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)


class _Field:
    """A column prepared for writing: its width per row and how to write it."""

    def __init__(self, column: Column, table: _TextTable | None = None):
        self.column = column
        if isinstance(column, TextColumn):
            table = table or _TextTable(column.table, column.neutralise)
            self.table_len, self.table_off, self.table_bytes = table.length, table.offset, table.data
            self.width = self.table_len[column.index]
            return
        values = column.values.astype(np.int64, copy=False)
        self.negative = values < 0
        self.magnitude = np.abs(values)
        if isinstance(column, MoneyColumn):
            self.whole = self.magnitude // 100
            self.digits = _digit_count(self.whole)
            self.width = self.digits + 3 + self.negative
        else:
            self.whole = self.magnitude
            self.digits = _digit_count(self.whole)
            self.width = self.digits + self.negative

    def write(self, buffer: np.ndarray, start: np.ndarray) -> None:
        column = self.column
        if isinstance(column, TextColumn):
            lengths = self.width
            total = int(lengths.sum())
            if total == 0:
                return
            # Copy a ragged run of table bytes to each row's position.
            run_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
            within = np.arange(total, dtype=np.int64) - run_start
            buffer[np.repeat(start, lengths) + within] = self.table_bytes[
                np.repeat(self.table_off[column.index], lengths) + within
            ]
            return
        if self.negative.any():
            buffer[start[self.negative]] = _MINUS
        first_digit = start + self.negative
        # Whole part, right to left.  Digit k (from the right) exists where the
        # number has more than k digits; the others are sent to the scratch
        # byte at the end of the buffer, which is cheaper than compacting.
        remaining = self.whole.copy()
        last = first_digit + self.digits - 1
        scratch = len(buffer) - 1
        for k in range(int(self.digits.max()) if len(self.digits) else 0):
            target = last - k if k == 0 else np.where(self.digits > k, last - k, scratch)
            buffer[target] = _DIGIT + (remaining % 10).astype(np.uint8)
            remaining //= 10
        if isinstance(column, MoneyColumn):
            cents = self.magnitude % 100
            buffer[last + 1] = _DOT
            buffer[last + 2] = _DIGIT + (cents // 10).astype(np.uint8)
            buffer[last + 3] = _DIGIT + (cents % 10).astype(np.uint8)


#: Rows encoded together: their buffer and arrays stay in the CPU cache.
ROWS_PER_BLOCK = 16384


def encode_rows(columns: Sequence[Column]) -> bytes:
    """The CSV rows (no header) of equal-length columns, each ending in ``\\n``."""
    if not columns:
        return b""
    first = columns[0]
    n = len(first.index if isinstance(first, TextColumn) else first.values)
    if n <= ROWS_PER_BLOCK:
        return _encode_block(columns)
    tables = [_TextTable(c.table, c.neutralise) if isinstance(c, TextColumn) else None for c in columns]
    parts = []
    for lo in range(0, n, ROWS_PER_BLOCK):
        block = [
            TextColumn(c.table, c.index[lo : lo + ROWS_PER_BLOCK], c.neutralise) if isinstance(c, TextColumn)
            else type(c)(c.values[lo : lo + ROWS_PER_BLOCK])
            for c in columns
        ]
        parts.append(_encode_block(block, tables))
    return b"".join(parts)


def _encode_block(columns: Sequence[Column], tables: Sequence[_TextTable | None] | None = None) -> bytes:
    fields = [_Field(c, tables[i] if tables else None) for i, c in enumerate(columns)]
    if not fields:
        return b""
    n = len(fields[0].width)
    if n == 0:
        return b""
    # Row width: fields + commas between them + the newline.
    widths = [f.width for f in fields]
    row_width = np.sum(widths, axis=0) + len(fields)
    row_end = np.cumsum(row_width)
    # One scratch byte at the end takes the writes of absent digits.
    buffer = np.full(int(row_end[-1]) + 1, _COMMA, dtype=np.uint8)
    buffer[row_end - 1] = _NEWLINE
    position = row_end - row_width
    for field in fields:
        field.write(buffer, position)
        position = position + field.width + 1
    return buffer[:-1].tobytes()
