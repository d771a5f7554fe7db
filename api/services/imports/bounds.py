"""Caps on an imported file, checked while it is read — before memory grows.

A file of a few hundred kilobytes can unzip to gigabytes (one 400 MB cell in a
412 KB .xlsx), or hold millions of rows (3 million in 901 KB), and a plain
reader inflates all of it before looking.  The limits of
:class:`api.settings.ImportLimits` are checked here, in this order, each
refusal naming the limit and its value (:class:`LimitExceeded`):

1. the size of the file as it came (``max_file_bytes``);
2. for an .xlsx, from the zip's central directory before anything is
   unzipped: the size of all its parts once unzipped (``max_xlsx_bytes``) and
   how much larger each sizeable part gets (``max_ratio``);
3. for an .xlsx, a scan of the raw XML of its sheets and shared strings, a
   block at a time (regular expressions, in C): no text longer than a cell
   may be, no row larger than its cells may make it, no more rows than
   allowed, no DTD — so the spreadsheet parser is never handed a giant cell
   or row;
4. while the rows are read (CSV or .xlsx): the number of rows
   (``max_rows``), of cells in a row (``max_columns``) and of characters in a
   cell (``max_cell_chars``).

:class:`Watch` also polls whether the work should stop (the client went
away): :class:`ImportCancelled` then unwinds the import, which writes nothing.
"""

from __future__ import annotations

import re
import time
import zipfile
from typing import IO, Any, Callable, Sequence

from api.settings import ImportLimits

#: Asked now and then while an import runs: True when it should stop (the client has gone).
Cancelled = Callable[[], bool]


class FileFormatError(ValueError):
    """The file cannot be read as a spreadsheet; the message says what to do."""

    code = "INVALID"


class LimitExceeded(FileFormatError):
    """The file is over one of the caps of :class:`~api.settings.ImportLimits`."""

    code = "LIMIT_EXCEEDED"


class ImportCancelled(Exception):
    """The import was stopped before it wrote anything (the client went away)."""


#: Rows (or blocks) between two questions to :data:`Cancelled`.
POLL_EVERY = 500
#: Bytes read at a time by the scans.
CHUNK = 1 << 20


class Watch:
    """The limits of one import and its cancel check."""

    def __init__(self, limits: ImportLimits, cancelled: Cancelled | None = None):
        self.limits = limits
        self._cancelled = cancelled
        self._polls = 0

    def poll(self) -> None:
        """Stop the import if the client has gone; otherwise let other threads
        run for a moment (an import is long, a request waiting for the GIL is not)."""
        if self._cancelled is not None and self._cancelled():
            raise ImportCancelled("客户端已断开，导入已停止，未写入任何数据 / the client went away: the import stopped and "
                                  "wrote nothing")
        time.sleep(0)

    def every(self, count: int) -> None:
        if count % POLL_EVERY == 0:
            self.poll()

    # --- the messages, one per limit ------------------------------------------------------

    def too_many_rows(self) -> LimitExceeded:
        n = self.limits.max_rows
        return LimitExceeded(f"文件超过 {n:,} 行的上限（PAYROLL_IMPORT_MAX_ROWS），请分成几个文件导入 / the file has more "
                             f"than {n:,} rows, the limit (PAYROLL_IMPORT_MAX_ROWS): split it into several files")

    def too_many_cells(self, row: int | None) -> LimitExceeded:
        n = self.limits.max_columns
        where_zh, where_en = (f"第 {row} 行", f"row {row}") if row else ("有一行", "a row")
        return LimitExceeded(f"{where_zh}超过每行 {n:,} 个单元格的上限（PAYROLL_IMPORT_MAX_COLUMNS）/ {where_en} has more "
                             f"than {n:,} cells, the limit (PAYROLL_IMPORT_MAX_COLUMNS)")

    def cell_too_long(self, row: int | None) -> LimitExceeded:
        n = self.limits.max_cell_chars
        where_zh, where_en = (f"第 {row} 行有", f"row {row} has a") if row else ("文件中有", "the file has a")
        return LimitExceeded(f"{where_zh}单元格超过 {n:,} 个字符的上限（PAYROLL_IMPORT_MAX_CELL_CHARS）/ {where_en} cell "
                             f"longer than {n:,} characters, the limit (PAYROLL_IMPORT_MAX_CELL_CHARS)")

    # --- 1. the file ----------------------------------------------------------------------

    def check_file_size(self, size: int) -> None:
        n = self.limits.max_file_bytes
        if size > n:
            raise LimitExceeded(f"文件大小 {size:,} 字节，超过 {n:,} 字节的上限（PAYROLL_IMPORT_MAX_FILE_BYTES）/ the file "
                                f"is {size:,} bytes, above the limit of {n:,} bytes (PAYROLL_IMPORT_MAX_FILE_BYTES)")

    # --- 4. rows as they are read ---------------------------------------------------------

    def check_row(self, count: int, number: int, cells: Sequence[Any]) -> None:
        """Row ``count`` of the file (blank rows counted), numbered ``number`` as the user sees it."""
        if count > self.limits.max_rows:
            raise self.too_many_rows()
        if len(cells) > self.limits.max_columns:
            raise self.too_many_cells(number)
        longest = self.limits.max_cell_chars
        for cell in cells:
            if isinstance(cell, str) and len(cell) > longest:
                raise self.cell_too_long(number)
        self.every(count)

    # --- 2. and 3. an .xlsx before it is opened -------------------------------------------

    def check_xlsx(self, handle: IO[bytes]) -> None:
        """The zip's directory, then the XML of its sheets and shared strings."""
        try:
            with zipfile.ZipFile(handle) as archive:
                members = archive.infolist()
                self._check_sizes(members)
                for member in members:
                    if _SCANNED.match(member.filename):
                        with archive.open(member) as part:
                            self._scan_xml(part, member.filename)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            if isinstance(exc, FileFormatError):
                raise
            raise FileFormatError(f"无法作为 Excel 文件打开 / the file cannot be opened as an .xlsx workbook ({exc})") from None
        finally:
            handle.seek(0)

    def _check_sizes(self, members: list[zipfile.ZipInfo]) -> None:
        total = sum(m.file_size for m in members)
        n = self.limits.max_xlsx_bytes
        if total > n:
            raise LimitExceeded(f"该 .xlsx 文件解压后 {total:,} 字节，超过 {n:,} 字节的上限（PAYROLL_IMPORT_MAX_XLSX_BYTES）/ "
                                f"the .xlsx file unzips to {total:,} bytes, above the limit of {n:,} bytes "
                                "(PAYROLL_IMPORT_MAX_XLSX_BYTES)")
        ratio_limit = self.limits.max_ratio
        for member in members:
            if member.file_size < _RATIO_CHECKED_FROM:
                continue
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > ratio_limit:
                raise LimitExceeded(
                    f"该 .xlsx 文件的 {member.filename} 解压后是压缩时的 {ratio:,.0f} 倍，超过 {ratio_limit} 倍的上限"
                    f"（PAYROLL_IMPORT_MAX_RATIO）/ the part {member.filename} of the .xlsx file unzips {ratio:,.0f} "
                    f"times larger than it is zipped, above the limit of {ratio_limit} (PAYROLL_IMPORT_MAX_RATIO)")

    def _scan_xml(self, part: IO[bytes], name: str) -> None:
        """One part's raw XML, a block at a time: text runs, rows and their sizes, DTDs."""
        longest_text = _BYTES_PER_CHAR * self.limits.max_cell_chars
        too_long = re.compile(rb"[^<]{%d}" % (longest_text + 1))
        largest_row = self.limits.max_columns * (longest_text + _CELL_MARKUP)
        rows, carry, offset = 0, b"", 0
        row_at: int | None = None  # where the row being read began (absolute), while in the sheet's data
        while chunk := part.read(CHUNK):
            self.poll()
            block = carry + chunk
            start = offset - len(carry)  # where block begins in the part
            offset += len(chunk)
            if _DTD.search(block):
                raise FileFormatError(f"该 .xlsx 文件的 {name} 含有 DTD，不予读取 / the part {name} of the .xlsx file "
                                      "holds a DTD, which a workbook never needs: it is not read")
            if too_long.search(block):
                raise self.cell_too_long(None)
            for match in _ROW_OR_END.finditer(block):
                at = start + match.start()
                if row_at is not None and at <= row_at:
                    continue  # seen in the previous block's carry
                if row_at is not None and at - row_at > largest_row:
                    raise self.too_many_cells(None)
                if match.group(1) is not None:  # </sheetData>: no rows after it
                    row_at = None
                    continue
                rows += 1
                if rows > self.limits.max_rows:
                    raise self.too_many_rows()
                row_at = at
            if row_at is not None and offset - row_at > largest_row:
                raise self.too_many_cells(None)
            # Keep what a match may straddle: the open text run, or a tag's beginning.
            tail = block[block.rfind(b"<"):] if b"<" in block else block
            carry = tail[-(longest_text + 64):]


#: Parts scanned before openpyxl reads them: the sheets and the shared strings.
_SCANNED = re.compile(r"^xl/(worksheets/[^/]+|sharedStrings)\.xml$", re.IGNORECASE)
#: Parts smaller than this are not held to the ratio (small parts compress well by nature).
_RATIO_CHECKED_FROM = 1 << 20
#: UTF-8 takes at most 4 bytes a character (3 for Chinese): the scan's bound for a text run.
_BYTES_PER_CHAR = 4
#: Generous bytes of markup around one cell (<c r="XFD1048576" s="123" t="inlineStr"><is><t>…</t></is></c>).
_CELL_MARKUP = 200
#: The start of a row (``<row r="2">``, ``<x:row …>``), or the end of the sheet's data (group 1).
_ROW_OR_END = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]|(</(?:[A-Za-z_][\w.-]*:)?sheetData>)")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
