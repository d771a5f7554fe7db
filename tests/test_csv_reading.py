"""The columnar reader accepts and refuses exactly what the row-by-row reader does."""

from __future__ import annotations

import csv
import io
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payroll.cells import neutralise
from payroll.csvfast import IntColumn, MoneyColumn, TextColumn, encode_rows
from payroll.csvio import read_population, read_workers
from payroll.policy import example_policy
from payroll.workers import WORKER_FIELDS, InputError, Population

from .strategies import worker_rows

POSTS = example_policy().post_keys
NOISE = st.sampled_from(["", " ", "abc", "-1", "2026-02-30", "13", "1.5", "1,000", "staff", "NONE", "2026-13-01",
                         "99999999999999", "2020/01/02", "0", "12.345", "SOCIAL_WORKER", "2026-03", "EXCELLENT",
                         "本科", "优秀", "全年一次性扣除", "单独计税", "FULL_YEAR", "COMBINED", "monthly"])


@st.composite
def messy_rows(draw):
    rows = draw(worker_rows(POSTS, draw(st.integers(1, 8))))
    for row in rows:
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.sampled_from(WORKER_FIELDS))] = draw(NOISE)
        if draw(st.integers(0, 9)) == 0 and len(rows) > 1:
            row["worker_id"] = rows[0]["worker_id"]  # a duplicate
    return rows


def to_csv(rows) -> io.StringIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=WORKER_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    buffer.seek(0)
    buffer.name = "w.csv"
    return buffer


def same_population(a: Population, b: Population) -> None:
    for f in fields(Population):
        left, right = getattr(a, f.name), getattr(b, f.name)
        if isinstance(left, np.ndarray):
            assert left.tolist() == right.tolist(), f.name
        else:
            assert left == right, f.name


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(messy_rows(), st.booleans())
def test_columnar_reader_matches_row_reader(rows, skip):
    try:
        by_row = read_workers(to_csv(rows), POSTS, skip_bad_rows=skip)
    except InputError as exc:
        with pytest.raises(InputError) as info:
            read_population(to_csv(rows), POSTS, skip_bad_rows=skip)
        assert str(info.value) == str(exc)
        return
    by_column = read_population(to_csv(rows), POSTS, skip_bad_rows=skip)
    assert [str(e) for e in by_column.skipped] == [str(e) for e in by_row.skipped]
    same_population(by_column.population, Population.from_workers(by_row.rows, POSTS))
    assert by_column.community_ids == [w.community_id for w in by_row.rows]


def test_a_row_with_too_many_cells(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("worker_id,post,service_start\nW1,STAFF,2020-01-01\nW2,STAFF,2020-01-01,extra\n", encoding="utf-8")
    for reader in (read_workers, read_population):
        with pytest.raises(InputError, match=r"^w.csv 第 3 行：row：有 4 格，而表头只有 3 列 / w.csv line 3: row: has 4 "
                                             r"cells for 3 columns$"):
            reader(path, POSTS)


@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=50),
       st.lists(st.text(min_size=0, max_size=6), min_size=1, max_size=5))
def test_vectorized_encoder_round_trips_through_the_csv_module(values, table):
    money = np.array(values, dtype=np.int64)
    index = np.arange(len(values)) % len(table)
    encoded = encode_rows([TextColumn(table, index), MoneyColumn(money), IntColumn(money)]).decode()
    expected = [
        [neutralise(table[index[i]]), f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}", str(v)]
        for i, v in enumerate(values)
    ]
    assert list(csv.reader(io.StringIO(encoded, newline=""))) == expected


def test_vectorized_encoder_output_is_plain_csv():
    encoded = encode_rows([
        TextColumn(["W1", "甲,乙", 'say "hi"'], np.array([0, 1, 2])),
        MoneyColumn(np.array([352048, -5, 0])),
        IntColumn(np.array([16, 0, -3])),
    ])
    assert encoded.decode() == 'W1,3520.48,16\n"甲,乙",-0.05,0\n"say ""hi""",0.00,-3\n'


def test_text_that_starts_like_a_formula_is_neutralised_and_numbers_are_not():
    """OWASP's rule: text cells starting with =, +, -, @, tab or CR get a leading
    quote; negative amounts and numbers written as text stay numbers."""
    table = ['=HYPERLINK("http://x.example/","工资")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tW1", "\rW2",
             "-12.34", "+5", "W-1", "张敏"]
    encoded = encode_rows([TextColumn(table, np.arange(len(table))), MoneyColumn(np.full(len(table), -1234))])
    assert list(csv.reader(io.StringIO(encoded.decode(), newline=""))) == [
        ['\'=HYPERLINK("http://x.example/","工资")', "-12.34"], ["'+cmd|' /C calc'!A0", "-12.34"],
        ["'@SUM(1+1)", "-12.34"], ["'-2+3", "-12.34"], ["'\tW1", "-12.34"], ["'\rW2", "-12.34"],
        ["-12.34", "-12.34"], ["+5", "-12.34"], ["W-1", "-12.34"], ["张敏", "-12.34"],
    ]
    # Data for a database (COPY … FROM) arrives exactly as given.
    raw = encode_rows([TextColumn(["=1+1"], np.array([0]), neutralise=False)])
    assert raw == b"=1+1\n"


def test_chinese_headings_and_values_of_the_revision_2_columns():
    text = ("worker_id,post,service_start,education,assessment,累计减除费用规则,年终奖计税方式\n"
            "W1,STAFF,2020-01-01,本科,优秀,全年一次性扣除,单独计税\n"
            "W2,STAFF,2020-01-01,BACHELOR,EXCELLENT,FROM_JANUARY,combined\n"
            "W3,STAFF,2020-01-01,,,,\n")
    workers = read_workers(io.StringIO(text), POSTS).rows
    assert [(w.education, w.assessment, w.tax_basic_deduction, w.bonus_tax_method) for w in workers] == [
        ("BACHELOR", "EXCELLENT", "FULL_YEAR", "SEPARATE"),
        ("BACHELOR", "EXCELLENT", "FROM_JANUARY", "COMBINED"),
        ("SECONDARY", None, None, None),
    ]
    population = read_population(io.StringIO(text), POSTS).population
    assert population.tax_basic_deduction.tolist() == [1, 2, 0]
    assert population.bonus_tax_method.tolist() == [0, 1, -1]


def test_unknown_tax_rule_is_refused_naming_the_field():
    text = "worker_id,post,service_start,tax_basic_deduction\nW1,STAFF,2020-01-01,YEARLY\n"
    with pytest.raises(InputError) as info:
        read_population(io.StringIO(text), POSTS)
    assert info.value.text.zh == ("input 第 2 行（工作者 W1）：tax_basic_deduction：“YEARLY”不是可选值，可选：MONTHLY（按月"
                                  "累计）、FULL_YEAR（全年一次性扣除）、FROM_JANUARY（自1月起累计）")
    assert info.value.text.en == ("input line 2 (worker W1): tax_basic_deduction: 'YEARLY' is not one of MONTHLY, "
                                  "FULL_YEAR, FROM_JANUARY")
