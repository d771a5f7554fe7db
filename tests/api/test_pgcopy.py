"""The binary COPY encoder (api/db/pgcopy.py): the exact bytes of PostgreSQL's
binary format, and the values PostgreSQL reads back from it."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pytest

from api.db import pgcopy


def test_a_row_is_its_field_count_then_each_field_length_and_bytes():
    columns = [pgcopy.Int4Column(np.array([7])), pgcopy.Int8Column(np.array([-2])),
               pgcopy.DateColumn(np.array([10_958])),  # 2000-01-02: day 1 of PostgreSQL's dates
               pgcopy.TextColumn(["中", None], np.array([0])), pgcopy.TextColumn(["中", None], np.array([1]))]
    assert pgcopy.encode_block(columns) == (
        b"\x00\x05"
        + b"\x00\x00\x00\x04" + b"\x00\x00\x00\x07"
        + b"\x00\x00\x00\x08" + b"\xff\xff\xff\xff\xff\xff\xff\xfe"
        + b"\x00\x00\x00\x04" + b"\x00\x00\x00\x01"
        + b"\x00\x00\x00\x03" + "中".encode()
        + b"\xff\xff\xff\xff"  # NULL: length −1, no bytes
    )


def test_null_integers_and_dates_take_no_bytes():
    columns = [pgcopy.Int4Column(np.array([1, 2]), np.array([True, False])),
               pgcopy.DateColumn(np.array([0, 0]), np.array([False, True]))]
    assert pgcopy.encode_block(columns) == (
        b"\x00\x02" + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x04" + (-10_957).to_bytes(4, "big", signed=True)
        + b"\x00\x02" + b"\x00\x00\x00\x04" + b"\x00\x00\x00\x02" + b"\xff\xff\xff\xff"
    )


def test_the_stream_reader_hands_out_the_blocks_in_order_in_pieces_of_any_size():
    reader = pgcopy.StreamReader(iter([b"abc", b"", b"defg"]))
    assert [reader.read(2), reader.read(2), reader.read(5), reader.read(), reader.read()] == [
        b"ab", b"c", b"defg", b"", b""]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_reads_back_every_value_and_null_across_blocks():
    import psycopg2

    connection = psycopg2.connect(os.environ["TEST_DATABASE_URL"])
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE TEMPORARY TABLE copied (a INTEGER, b BIGINT, d DATE, s VARCHAR(10), t TEXT)")
        columns = [
            pgcopy.Int4Column(np.array([0, -1, 2_147_483_647])),
            pgcopy.Int8Column(np.array([10**15, 0, -(10**15)]), np.array([False, True, False])),
            pgcopy.DateColumn(np.array([0, 20_454, 2_932_896]), np.array([False, False, True])),
            pgcopy.TextColumn(["社区\t工作者", None, ""], np.array([0, 1, 2])),
            pgcopy.TextColumn(["x"], np.zeros(3, dtype=np.int64)),
        ]
        pgcopy.StreamReader(pgcopy.stream(columns, 3, block=2)).copy(
            cursor, "COPY copied FROM STDIN WITH (FORMAT binary)")
        cursor.execute("SELECT * FROM copied")
        assert cursor.fetchall() == [
            (0, 10**15, dt.date(1970, 1, 1), "社区\t工作者", "x"),
            (-1, None, dt.date(2026, 1, 1), None, "x"),
            (2_147_483_647, -(10**15), None, "", "x"),
        ]
    finally:
        connection.close()


def test_an_encoding_error_is_raised_as_itself_not_as_a_cancelled_copy():
    class Cursor:
        def copy_expert(self, sql, file, size):
            try:  # as psycopg2 does: the reader's exception becomes a failed COPY
                while file.read(size):
                    pass
            except ValueError as exc:
                raise RuntimeError(f"COPY from stdin failed: error in .read() call: {exc}") from None

    def blocks():
        yield b"PGCOPY"
        raise ValueError("cannot encode")

    reader = pgcopy.StreamReader(blocks())
    with pytest.raises(ValueError, match="cannot encode"):
        reader.copy(Cursor(), "COPY …")
