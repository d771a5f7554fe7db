"""A small streaming .xlsx writer for sheets with many rows.

openpyxl spends about 40 µs a cell serialising XML, so a city's payroll sheet
(20,000 workers × 31 columns) takes a quarter of a minute.  The sheets of a
payroll run need little of what it offers: text, numbers, a dozen fixed
styles, column widths, frozen panes and page setup.  This writer produces
exactly that (SpreadsheetML with inline strings, as Excel, LibreOffice and
openpyxl read it), one row at a time straight into the zip entry of the sheet,
so memory stays flat and a row costs a few microseconds.  Sheets meant for
paper are print-ready (:class:`Printing`): landscape A4 fitted to the page
width, title rows repeated on every page, and an autofilter on a heading row.

Money is written from integer fen: a cell whose style is a money style holds
an ``int`` of fen and is written as exact yuan (``352048`` → ``3520.48``);
numbers are never floats.  Sheets are written one after another; call
:meth:`XlsxWriter.close` (or use ``with``) to finish the file.

The same rows give the same bytes: every entry of the zip carries one fixed
timestamp (not the time of writing), so an approved run's spreadsheets —
whose contents never change — download identical every time, and a checksum
taken when finance paid still matches.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence
from xml.sax.saxutils import escape

from payroll.texts import BilingualError

# Cell styles (indexes into cellXfs of :data:`_STYLES_XML`).
PLAIN = 0
MONEY = 1
TITLE = 2
HEADING = 3
TEXT = 4  # stored as text ("@"), e.g. account numbers
SUBTOTAL = 5
SUBTOTAL_MONEY = 6
STREET = 7
STREET_MONEY = 8
TOTAL = 9
TOTAL_MONEY = 10
BOLD = 11
INTEGER = 12

#: Styles whose cells hold integer fen.
MONEY_STYLES = frozenset({MONEY, SUBTOTAL_MONEY, STREET_MONEY, TOTAL_MONEY})
#: Label and money style of each kind of summary row.
SUMMARY_STYLES = {"COMMUNITY": (SUBTOTAL, SUBTOTAL_MONEY), "STREET": (STREET, STREET_MONEY), "TOTAL": (TOTAL, TOTAL_MONEY)}

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_STYLES_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN_NS}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>
<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="14"/><name val="Calibri"/></font></fonts>
<fills count="6"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F2"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFEEF3FA"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFE2EAF6"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFC9D8EE"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="13">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="164" fontId="1" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>
<xf numFmtId="0" fontId="1" fillId="4" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="164" fontId="1" fillId="4" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>
<xf numFmtId="0" fontId="1" fillId="5" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="164" fontId="1" fillId="5" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""

#: The timestamp of every zip entry (the earliest a zip can hold): files depend on their contents only.
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


# Characters XML 1.0 does not allow (other control characters); dropped from text.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = [column_letter(i) for i in range(256)]


def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = -fen if fen < 0 else fen
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _text_cell(ref: str, text: str, style: int) -> str:
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("", text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    style_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


#: Rows a worksheet can hold (Excel's limit).
MAX_ROWS = 1_048_576


class SheetFull(BilingualError, ValueError):
    """More rows than a worksheet can hold."""


@dataclass(frozen=True)
class Printing:
    """How a sheet prints: landscape A4 fitted to one page wide, and the
    ``title_rows`` (first and last, from 1) repeated at the top of every page."""

    title_rows: tuple[int, int] | None = None


class SheetWriter:
    """Rows of one sheet, written as they come."""

    def __init__(self, stream, name: str, widths: Sequence[float], freeze: str | None, printing: Printing | None):
        self._stream = stream
        self.name = name
        self.rows = 0
        self.printing = printing
        #: The autofilter's heading row and number of columns (see :meth:`filter_here`).
        self.filter: tuple[int, int] | None = None
        head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}" '
                f'xmlns:r="{_REL_NS}">']
        if printing is not None:
            head.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        head.append('<sheetViews><sheetView workbookViewId="0">')
        if freeze:
            head.append(_pane(freeze))
        head.append("</sheetView></sheetViews>")
        if widths:
            head.append("<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)
            ) + "</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def filter_here(self, columns: int) -> None:
        """An autofilter on the row written last (the heading row) over
        ``columns`` columns, down to the last row of the sheet."""
        self.filter = (self.rows, columns)

    @property
    def filter_range(self) -> str | None:
        """``A2:AE200``: the autofilter's cells, once the sheet is written."""
        if self.filter is None:
            return None
        row, columns = self.filter
        return f"A{row}:{_LETTERS[columns - 1]}{max(self.rows, row)}"

    def _tail(self) -> str:
        tail = "</sheetData>"
        if self.filter is not None:
            tail += f'<autoFilter ref="{self.filter_range}"/>'
        if self.printing is not None:
            tail += ('<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
                     '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
        return tail + "</worksheet>"

    def _write(self, text: str) -> None:
        self._stream.write(text.encode("utf-8"))

    def row(self, values: Sequence[Any], styles: Sequence[int] | int = PLAIN) -> None:
        """One row: ``values`` (str, int, Decimal, bool or None for an empty cell)
        with a style per value (or one for all).  Under a money style an int is fen."""
        self.rows += 1
        r = self.rows
        if r > MAX_ROWS:
            raise SheetFull(f"工作表“{self.name}”超过电子表格最多的 {MAX_ROWS:,} 行；请按街道或社区分别导出，或导出 CSV",
                            f"the sheet {self.name} needs more than the {MAX_ROWS:,} rows a spreadsheet holds; "
                            "export a street or community at a time, or use the CSV")
        if isinstance(styles, int):
            styles = (styles,) * len(values)
        cells = []
        for i, value in enumerate(values):
            if value is None:
                continue
            style = styles[i]
            ref = f"{_LETTERS[i]}{r}"
            kind = type(value)
            if kind is str:
                cells.append(_text_cell(ref, value, style))
                continue
            style_attr = f' s="{style}"' if style else ""
            if kind is bool:
                cells.append(f'<c r="{ref}"{style_attr} t="b"><v>{int(value)}</v></c>')
            elif style in MONEY_STYLES:
                cells.append(f'<c r="{ref}"{style_attr}><v>{_fen_text(int(value))}</v></c>')
            elif kind is int or kind is Decimal or isinstance(value, int):
                cells.append(f'<c r="{ref}"{style_attr}><v>{value}</v></c>')
            else:
                cells.append(_text_cell(ref, str(value), style))
        self._write(f'<row r="{r}">{"".join(cells)}</row>')

    def blank(self) -> None:
        self.rows += 1

    def close(self) -> None:
        self._write(self._tail())
        self._stream.close()

    def abandon(self) -> None:
        self._stream.close()


def _pane(freeze: str) -> str:
    """A frozen pane above and left of the cell ``freeze`` (e.g. ``E3``)."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", freeze)
    if match is None:
        raise ValueError(f"{freeze!r} is not a cell reference")
    letters, row = match.groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    x, y = column - 1, int(row) - 1
    pane = "bottomRight" if x and y else ("topRight" if x else "bottomLeft")
    attrs = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    return (f'<pane{attrs} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>')


def _defined_names(sheet: SheetWriter, index: int) -> list[str]:
    """The workbook's names for a sheet: its print titles (``_xlnm.Print_Titles``)
    and its autofilter's range (``_xlnm._FilterDatabase``, as Excel writes it)."""
    quoted = "'" + sheet.name.replace("'", "''") + "'"
    names = []
    titles = sheet.printing.title_rows if sheet.printing is not None else None
    if titles is not None:
        names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                     f"{escape(quoted)}!${titles[0]}:${titles[1]}</definedName>")
    if sheet.filter is not None:
        absolute = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", sheet.filter_range)
        names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                     f"{escape(quoted)}!{absolute}</definedName>")
    return names


class XlsxWriter:
    """An .xlsx file written sheet by sheet."""

    def __init__(self, path: str):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self._sheets: list[str] = []
        #: The defined names of each finished sheet (print titles, the filter's range).
        self._names: list[str] = []
        self._current: SheetWriter | None = None

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
            return
        # Failed: release the file (the caller deletes it); it is not a valid workbook.
        if self._current is not None:
            self._current.abandon()
            self._current = None
        self._zip.close()

    def sheet(self, name: str, widths: Iterable[float] = (), freeze: str | None = None,
              printing: Printing | None = None) -> SheetWriter:
        """Start the next sheet (the previous one is finished); ``printing``
        makes it print-ready (landscape A4, one page wide, title rows)."""
        self._finish_sheet()
        self._sheets.append(name)
        # No ZIP64 records (as common spreadsheet writers do): a sheet of at most
        # 1,048,576 rows stays far below the 2 GB that would need them.
        stream = self._zip.open(_entry(f"xl/worksheets/sheet{len(self._sheets)}.xml"), "w")
        self._current = SheetWriter(stream, name, tuple(widths), freeze, printing)
        return self._current

    def _finish_sheet(self) -> None:
        if self._current is not None:
            self._current.close()
            self._names.extend(_defined_names(self._current, len(self._sheets) - 1))
            self._current = None

    def close(self) -> None:
        self._finish_sheet()
        n = len(self._sheets)
        files = {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                          for i in range(1, n + 1))
                + "</Types>"
            ),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL_NS}">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN_NS}" '
                f'xmlns:r="{_REL_NS}"><sheets>'
                + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                          for i, name in enumerate(self._sheets, start=1))
                + "</sheets>"
                + (f"<definedNames>{''.join(self._names)}</definedNames>" if self._names else "")
                + "</workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL_NS}">'
                + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                          f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
                + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/styles" Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": _STYLES_XML,
        }
        for name, text in files.items():
            self._zip.writestr(_entry(name), text.encode("utf-8"))
        self._zip.close()
