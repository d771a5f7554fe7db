"""Reading the spreadsheets HR offices keep: CSV and Excel ``.xlsx``.

A file becomes a :class:`Sheet`, whose :meth:`Sheet.rows` yields its
non-blank rows one at a time as lists of raw cell values, each with the row
number the user sees in Excel (the heading row is usually row 1, so the
first worker is row 2).  Nothing is read into memory whole: a CSV is decoded
as it is parsed, an .xlsx is streamed by openpyxl's read-only mode — after
:mod:`api.services.imports.bounds` has checked the zip and scanned its XML —
and every row is held to the limits as it comes.  Nothing here knows about
workers; :mod:`api.services.imports` maps the headings to fields.

CSV files are read as UTF-8 (with or without Excel's BOM) and, failing that,
as GB18030 — what Excel on a Chinese Windows writes when a user picks plain
"CSV".  The delimiter is a comma, or a tab for text pasted from a sheet.

The cell helpers at the end turn what Excel does to values back into what the
user typed, and refuse what cannot be recovered: an 18-digit identity number
that Excel stored as a number (``4.11081E+17``) has lost its last digits.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Callable, Iterator

from api.services.imports.bounds import CHUNK, FileFormatError, LimitExceeded, Watch
from api.settings import ImportLimits

__all__ = ["CSV", "XLSX", "FileFormatError", "LimitExceeded", "Progress", "Sheet", "read_sheet"]

#: Called now and then while a long file is read: (stage, done, total or None).
Progress = Callable[[str, int, "int | None"], None]

XLSX = "XLSX"
CSV = "CSV"


@dataclass
class Sheet:
    """An open file: what it is, and its rows to read once (:meth:`rows`)."""

    file_name: str
    format: str
    sheet_name: str | None = None
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    _rows: Iterator[tuple[int, list[Any]]] | None = None
    _close: Callable[[], None] | None = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The non-blank rows as ``(row number, cells)``, read as they are asked for."""
        if self._rows is None:
            raise RuntimeError("the rows of a sheet are read once")
        rows, self._rows = self._rows, None
        return rows

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _blank(cells: list[Any]) -> bool:
    return not any(v is not None and (not isinstance(v, str) or v.strip()) for v in cells)


def read_sheet(source: bytes | IO[bytes], file_name: str, sheet: str | None = None, progress: Progress | None = None,
               watch: Watch | None = None) -> Sheet:
    """Open a CSV or ``.xlsx`` file (recognised by its content, not its name),
    given as bytes or as a binary file that can seek, within ``watch``'s limits."""
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    watch = watch or Watch(ImportLimits())
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    watch.check_file_size(size)
    magic = handle.read(8)
    handle.seek(0)
    if magic[:4] == b"PK\x03\x04":
        return _open_xlsx(handle, file_name, sheet, progress, watch)
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileFormatError(
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 或“CSV UTF-8” / this is an old Excel .xls file: "
            "save it as .xlsx or as CSV UTF-8"
        )
    encoding, delimiter, lines = _sniff_text(handle, watch)
    if sheet:
        raise FileFormatError(f"CSV 文件没有工作表 {sheet!r} / a CSV file has no sheets (sheet {sheet!r} was asked for)")
    warnings = [] if encoding == "UTF-8" else ["文件按 GB18030 编码读取 / the file was read as GB18030 (not UTF-8)"]
    text = io.TextIOWrapper(handle, encoding="utf-8-sig" if encoding == "UTF-8" else "gb18030", newline="")
    if lines > watch.limits.max_rows:
        _count_records(text, delimiter, watch)

    def close() -> None:
        text.detach()  # the caller closes the file it gave

    return Sheet(file_name, CSV, encoding=encoding, warnings=warnings,
                 _rows=_csv_rows(text, delimiter, watch), _close=close)


def _sniff_text(handle: IO[bytes], watch: Watch) -> tuple[str, str, int]:
    """The text's encoding (UTF-8, else GB18030), delimiter and number of line
    breaks, decoding the whole file a block at a time (nothing kept): also
    refuses an empty file and one with NUL bytes (not text)."""
    first = b""
    for name in ("UTF-8", "GB18030"):
        decoder = codecs.getincrementaldecoder("utf-8-sig" if name == "UTF-8" else "gb18030")()
        handle.seek(0)
        blank, lines = True, 0
        try:
            while chunk := handle.read(CHUNK):
                watch.poll()
                if b"\x00" in chunk:
                    raise FileFormatError("这不是 CSV 文本文件 / the file is not CSV text (it contains NUL bytes)")
                blank = blank and not chunk.strip()
                lines += chunk.count(b"\n")
                decoder.decode(chunk)
                first = first or chunk[:65536]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
        if blank:
            raise FileFormatError("文件为空 / the file is empty")
        first_line = first.decode("utf-8-sig" if name == "UTF-8" else "gb18030", errors="ignore").split("\n", 1)[0]
        return name, ("\t" if first_line.count("\t") > first_line.count(",") else ","), lines
    raise FileFormatError(
        "无法识别文件编码，请另存为“CSV UTF-8” / the file is neither UTF-8 nor GB18030 text: save it from Excel as "
        "CSV UTF-8"
    )


def _count_records(text: IO[str], delimiter: str, watch: Watch) -> None:
    """More lines than rows may be allowed (a cell may hold line breaks): count
    the rows without keeping them, and refuse the file before any row is checked."""
    try:
        for count, _ in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            if count > watch.limits.max_rows:
                raise watch.too_many_rows()
            watch.every(count)
    except csv.Error as exc:
        raise FileFormatError(f"CSV 格式错误 / the CSV is malformed: {exc}") from None
    finally:
        text.seek(0)


def _csv_rows(text: IO[str], delimiter: str, watch: Watch) -> Iterator[tuple[int, list[Any]]]:
    try:
        for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            watch.check_row(number, number, cells)
            if not _blank(cells):
                yield number, cells
    except csv.Error as exc:
        raise FileFormatError(f"CSV 格式错误 / the CSV is malformed: {exc}") from None


def _open_xlsx(handle: IO[bytes], file_name: str, sheet: str | None, progress: Progress | None,
               watch: Watch) -> Sheet:
    import openpyxl  # imported here: only Excel files need it
    from openpyxl.utils.exceptions import InvalidFileException

    watch.check_xlsx(handle)
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(f"无法作为 Excel 文件打开 / the file cannot be opened as an .xlsx workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise FileFormatError(
                    f"没有工作表 {sheet!r} / the workbook has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
                )
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        total = worksheet.max_row if isinstance(worksheet.max_row, int) else None
        # The dimensions a file declares may be false (a hostile "A1:XFD1048576"
        # would pad every row to 16,384 cells): the rows are read as they are.
        worksheet.reset_dimensions()
    except BaseException:
        book.close()
        raise
    return Sheet(file_name, XLSX, sheet_name=worksheet.title,
                 _rows=_xlsx_rows(worksheet, total, progress, watch), _close=book.close)


def _xlsx_rows(worksheet: Any, total: int | None, progress: Progress | None,
               watch: Watch) -> Iterator[tuple[int, list[Any]]]:
    # Rows come in order, gaps filled with empty rows: the count is the row number.
    for number, cells in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
        watch.check_row(number, number, cells)
        if progress is not None and number % 2000 == 0:
            progress("read", number, total)
        values = list(cells)
        if not _blank(values):
            yield number, values


# --- cells ---------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell value that cannot be used; the message (bilingual) says why."""


_SPACES = re.compile(r"[\s\u3000]+")


def text(value: Any) -> str | None:
    """A cell as text: stripped (full-width spaces too); blank is None.

    Whole numbers lose the ``.0`` Excel gives them (工号 1001 stays ``1001``).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    result = str(value).replace("\u3000", " ").strip()
    return result or None


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


def digits(value: Any, what: str, exact_below: int = 10**15) -> str | None:
    """A number-like identifier (身份证号, 银行账号, 电话) as the text typed.

    Excel keeps 15 significant digits of a number: a longer identifier stored
    as a number has lost its last digits, and is refused rather than guessed.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise CellError(f"{what}不应是小数 / {what} must not be a decimal number ({value!r})")
        number = int(value)
        if abs(number) >= exact_below:
            raise CellError(
                f"该{what}被 Excel 存成了数字（{_excel_style(value)}），后几位已丢失；请把该列设为“文本”格式后重新输入 / "
                f"Excel stored this {what} as a number ({_excel_style(value)}) and its last digits are lost: "
                "format the column as Text and type it again"
            )
        return str(number)
    result = text(value)
    if result is not None and _SCIENTIFIC.match(result):
        raise CellError(
            f"{what}是科学计数法（{result}），后几位已丢失；请把该列设为“文本”格式后重新输入 / {what} is in scientific "
            f"notation ({result}): its last digits are lost; format the column as Text and type it again"
        )
    return result


def _excel_style(value: float | int) -> str:
    return f"{float(value):.5E}"


#: Excel's day 0 (the 1900 date system, with its 1900-02-29 that never was).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def date_text(value: Any) -> str | None:
    """A date cell as ``YYYY-MM-DD`` when it is recognisably a date.

    Accepts real Excel dates, dates typed as text (``2012-03-01``,
    ``2012/3/1``, ``2012.3.1``, ``2012年3月1日``, ``20120301``) and Excel day
    numbers left behind when a column lost its date format (``40969``).
    Anything else is returned as typed, so the engine's validator reports it
    in its own words.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer():
            number = int(value)
            if 19000101 <= number <= 21001231:
                return date_text(str(number))
            if 1 <= number <= 73050:  # 1900-01-01 … 2099-12-31 as an Excel day number
                return (_EXCEL_EPOCH + dt.timedelta(days=number)).isoformat()
        return text(value)
    raw = text(value)
    if raw is None:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return raw  # the engine says what is wrong with it
    if raw.isdigit() and len(raw) == 5:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(raw))).isoformat()
    return raw


_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def period_text(value: Any) -> str | None:
    """A month cell as ``YYYY-MM`` (an Excel date counts as its month)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    raw = text(value)
    if raw is None:
        return None
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(raw)
        if match:
            year, month = (int(g) for g in match.groups())
            return f"{year:04d}-{month:02d}"
    return raw


def whole(value: Any, what: str) -> int | None:
    """A whole number, also when stored as text (``" 3"``, ``"3.0"``)."""
    raw = text(value)
    if raw is None:
        return None
    try:
        number = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise CellError(f"{what}：应为整数，而不是“{raw}” / {what}: must be a whole number, not {raw!r}") from None
    if number != number.to_integral_value():
        raise CellError(f"{what}：应为整数，而不是“{raw}” / {what}: must be a whole number, not {raw!r}")
    return int(number)


def money_text(value: Any) -> str | None:
    """An amount of yuan as the text the money parser reads.

    Numbers keep their shortest decimal form (``1500.5`` stays ``1500.5``);
    text loses thousands separators, ``¥`` and ``元``.
    """
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    raw = text(value)
    if raw is None:
        return None
    return raw.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").removesuffix("元").strip() or None
