"""The streaming XLSX writer: what openpyxl (as any reader) reads back."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from api.files import xlsx as xlsx_writer
from api.files.xlsx import HEADING, MONEY, PLAIN, TEXT, TOTAL_MONEY, Printing, SheetFull, XlsxWriter, column_letter


def test_cells_styles_and_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    with XlsxWriter(str(path)) as book:
        sheet = book.sheet("工资表", widths=(12, 8), freeze="C3")
        sheet.row(["标题 & <说明>"], HEADING)
        sheet.row(["  leading space", 7, 352048, -5, "6228000012345678901", None, True, "a\x01b"],
                  [PLAIN, PLAIN, MONEY, TOTAL_MONEY, TEXT, PLAIN, PLAIN, PLAIN])
        sheet.blank()
        sheet.row(["after a blank row"])
        second = book.sheet("第二页", printing=Printing())
        second.row([1])
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["工资表", "第二页"]
    first = workbook["工资表"]
    assert first.freeze_panes == "C3"
    assert first.column_dimensions["A"].width == 12
    assert first["A1"].value == "标题 & <说明>" and first["A1"].font.b and first["A1"].fill.fgColor.rgb == "FFDDE6F2"
    assert [c.value for c in first[2]] == ["  leading space", 7, 3520.48, -0.05, "6228000012345678901", None, True, "ab"]
    assert first["C2"].number_format == "#,##0.00" and first["D2"].font.b
    assert first["E2"].number_format == "@"
    assert first["A3"].value is None and first["A4"].value == "after a blank row"
    assert workbook["第二页"].page_setup.orientation == "landscape"
    assert workbook["第二页"].sheet_properties.pageSetUpPr.fitToPage is True


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_a_sheet_holds_at_most_a_spreadsheets_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 3)
    with pytest.raises(SheetFull, match="needs more than the 3 rows"):
        with XlsxWriter(str(tmp_path / "big.xlsx")) as book:
            sheet = book.sheet("s")
            for i in range(4):
                sheet.row([i])
