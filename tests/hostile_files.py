"""Files that attack an import, and a legitimate large one, at any size.

The tests build small ones against small caps; ``bench/uploads.py`` builds
the sizes of issue 12 (a 412 KB .xlsx holding one 400 MB cell, a 901 KB .xlsx
of 3 million rows, a 43 MB CSV of 1.2 million rows) and a legitimate 50 MB
workers file.  Everything is written a block at a time, so building a 400 MB
cell takes no 400 MB of memory.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path
from typing import IO, Callable, Iterator

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx(target: IO[bytes], sheet_xml: Callable[[], Iterator[bytes]], compresslevel: int = 9) -> None:
    """A minimal workbook of one sheet whose XML comes a block at a time."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for block in sheet_xml():
                sheet.write(block)


def _sheet_head() -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t></is>'
            '</c></row>').encode()


_SHEET_END = b"</sheetData></worksheet>"


def giant_cell_xlsx(target: IO[bytes], cell_bytes: int) -> None:
    """Headings and one row whose 姓名 is ``cell_bytes`` of the letter A (issue 12: 400 MB in 412 KB)."""
    def sheet() -> Iterator[bytes]:
        yield _sheet_head()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>W1</t></is></c><c r="B2" t="inlineStr"><is><t>'
        block = b"A" * (1 << 20)
        left = cell_bytes
        while left > 0:
            yield block[:left]
            left -= len(block)
        yield b"</t></is></c></row>" + _SHEET_END

    _xlsx(target, sheet)


def many_rows_xlsx(target: IO[bytes], rows: int) -> None:
    """Headings and ``rows`` rows of one digit each, 1, 2 or (rarely) 3 at
    random (issue 12: 3 million rows in 901 KB — about 88 times smaller
    zipped, under a ratio limit of 100)."""
    digits = random.Random(12)

    def sheet() -> Iterator[bytes]:
        yield _sheet_head()
        for start in range(0, rows, 10_000):
            count = min(10_000, rows - start)
            yield b"".join(b"<row><c><v>%d</v></c></row>" % d for d in digits.choices((1, 2, 3), (48, 48, 4), k=count))
        yield _SHEET_END

    _xlsx(target, sheet)


def sheet_xlsx(target: IO[bytes], sheet_xml: bytes) -> None:
    """A workbook whose sheet is ``sheet_xml`` as given (for odd or hostile markup)."""
    _xlsx(target, lambda: iter([sheet_xml]))


def many_rows_csv(target: IO[bytes], rows: int) -> None:
    """A workers CSV of ``rows`` short rows (issue 12: 1.2 million rows in 43 MB)."""
    target.write("工号,姓名,社区代码,岗位,参加工作时间\n".encode())
    for start in range(0, rows, 10_000):
        target.write("".join(f"{i:07d},张敏,C01,STAFF,2020-01-01\n"
                             for i in range(start, min(start + 10_000, rows))).encode())


def _check_character(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def legitimate_workers_csv(target: IO[bytes], rows: int, communities: int, prefix: str = "L",
                           remark_chars: int = 100) -> None:
    """A roster as an HR office keeps it: the import's columns with valid
    identity numbers, phones and accounts, plus an address and a remark that
    the import ignores (``remark_chars`` sets the file's size)."""
    target.write("工号,姓名,身份证号,社区代码,岗位,参加工作时间,学历,证书,手机,开户行,银行账号,家庭住址,备注\n".encode())
    remark = ("该同志工作认真负责，熟悉网格情况，群众基础好。" * (remark_chars // 20 + 1))[:remark_chars]
    posts = ("CHIEF", "DEPUTY", "STAFF", "STAFF", "STAFF")
    for start in range(0, rows, 5_000):
        lines = []
        for i in range(start, min(start + 5_000, rows)):
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=i % 12_000)
            first17 = f"410102{birth:%Y%m%d}{i // 12_000:03d}"
            lines.append(f"{prefix}{i:06d},张{i % 97}敏,{first17}{_check_character(first17)},C{i % communities + 1:03d},"
                         f"{posts[i % 5]},2015-03-01,本科,无,139{i:08d},中国工商银行禹州支行,62220200{i:011d},"
                         f"河南省许昌市禹州市颍川街道{i % 500}号,{remark}\n")
        target.write("".join(lines).encode())


def to_bytes(build: Callable[[IO[bytes]], None]) -> bytes:
    buffer = io.BytesIO()
    build(buffer)
    return buffer.getvalue()


def to_file(path: Path, build: Callable[[IO[bytes]], None]) -> Path:
    with path.open("wb") as handle:
        build(handle)
    return path
