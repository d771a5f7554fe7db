"""Reading spreadsheets for imports: headings, encodings, and what Excel does to cells."""

from __future__ import annotations

import datetime as dt

import pytest

from api.services.imports.machinery import normalise_heading
from api.services.imports.sheets import (
    CellError,
    FileFormatError,
    date_text,
    digits,
    money_text,
    period_text,
    read_sheet,
    whole,
)


@pytest.mark.parametrize("heading,expected", [
    ("参加工作时间（年-月-日）", "参加工作时间"),
    ("专项附加扣除(元/月)", "专项附加扣除"),
    ("*工号", "工号"),
    ("  姓 名 ", "姓_名"),
    ("serviceStart", "service_start"),
    ("Service start", "service_start"),
    ("IDNumber", "id_number"),
    ("worker_id", "worker_id"),
])
def test_headings_are_normalised(heading, expected):
    assert normalise_heading(heading) == expected


@pytest.mark.parametrize("value,expected", [
    (dt.datetime(2012, 3, 1), "2012-03-01"),
    (dt.date(2012, 3, 1), "2012-03-01"),
    ("2012-03-01", "2012-03-01"),
    ("2012/3/1", "2012-03-01"),
    ("2012.3.1", "2012-03-01"),
    ("2012年3月1日", "2012-03-01"),
    ("20120301", "2012-03-01"),
    (20120301, "2012-03-01"),
    ("2012-03-01 00:00:00", "2012-03-01"),
    (40969, "2012-03-01"),  # an Excel day number: the column lost its date format
    ("40969", "2012-03-01"),
    ("2012-13-01", "2012-13-01"),  # left as typed: the engine's validator says what is wrong
    ("三月一日", "三月一日"),
    (None, None),
    ("  ", None),
])
def test_dates_as_excel_dates_or_text(value, expected):
    assert date_text(value) == expected


def test_months():
    assert [period_text(v) for v in ("2026-03", "2026/3", "2026年3月", "202603", dt.date(2026, 3, 1))] == ["2026-03"] * 5


def test_identifiers_that_excel_turned_into_numbers_are_refused():
    assert digits("411081198003121230", "身份证号") == "411081198003121230"
    assert digits(13800138000, "手机") == "13800138000"  # 11 digits survive as a number
    assert digits(13800138000.0, "手机") == "13800138000"
    with pytest.raises(CellError, match=r"^该身份证号被 Excel 存成了数字（4.11081E\+17），后几位已丢失"):
        digits(4.11081198003121e17, "身份证号")
    with pytest.raises(CellError, match="its last digits are lost"):
        digits(6228480012345678901, "银行账号")
    with pytest.raises(CellError, match=r"身份证号是科学计数法（4.11081E\+17）"):
        digits("4.11081E+17", "身份证号")


def test_numbers_and_amounts_stored_as_text():
    assert [whole(v, "户数") for v in ("2600", " 2600 ", "2,600", "2600.0", 2600, 2600.0, None)] == [2600] * 6 + [None]
    with pytest.raises(CellError, match="^户数：应为整数，而不是“2.5” / 户数: must be a whole number, not '2.5'$"):
        whole("2.5", "户数")
    assert [money_text(v) for v in ("1,000.00", "¥1000", "1000元", 1500.5, 1000, None)] == [
        "1000.00", "1000", "1000", "1500.5", "1000", None]


def test_csv_in_gb18030_and_tab_separated_text_are_read():
    sheet = read_sheet("工号,姓名\nW1,张敏\n".encode("gb18030"), "gbk.csv")
    assert (sheet.encoding, list(sheet.rows())) == ("GB18030", [(1, ["工号", "姓名"]), (2, ["W1", "张敏"])])
    assert sheet.warnings == ["文件按 GB18030 编码读取 / the file was read as GB18030 (not UTF-8)"]
    pasted = read_sheet("\ufeff工号\t姓名\n\nW1\t张敏\n".encode(), "pasted.txt")
    assert list(pasted.rows()) == [(1, ["工号", "姓名"]), (3, ["W1", "张敏"])]  # blank row 2 skipped, numbering kept


def test_files_that_are_not_spreadsheets_are_refused():
    with pytest.raises(FileFormatError, match="文件为空 / the file is empty"):
        read_sheet(b"  \n", "empty.csv")
    with pytest.raises(FileFormatError, match="cannot be opened as an .xlsx workbook"):
        read_sheet(b"PK\x03\x04not really a zip", "broken.xlsx")
    with pytest.raises(FileFormatError, match="a CSV file has no sheets"):
        read_sheet(b"a,b\n", "x.csv", sheet="花名册")
