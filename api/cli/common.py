"""What every ``community-payroll`` subcommand shares: the program name, the
parser, the one-line error, argument types, ``--output`` and the progress bar.

One behaviour for every subcommand:

- the result goes to standard output, or to ``--output FILE`` — written whole
  or not at all; the format follows the extension (``.csv`` or ``.xlsx``)
  wherever a command can write both, standard output is CSV (text for
  ``explain``), and a format a command cannot write is refused before any work;
- messages go to standard error, Chinese first, then English;
- bad input exits with status 2 and a one-line reason;
- long work shows a progress bar on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from payroll.budget import parse_base_income_growth
from payroll.cells import safe_writer
from payroll.files import replacing, write_whole
from payroll.money import MoneyFormatError, parse_rate
from payroll.periods import Period, PeriodFormatError, parse_date
from payroll.policy import PolicyError
from payroll.texts import SEPARATOR, BilingualError, Text
from payroll.workers import InputError

PROG = "community-payroll"

#: Output formats.  ``TEXT`` is plain text (``explain``), written whatever the extension.
CSV, XLSX, TEXT = "csv", "xlsx", "text"
_EXTENSIONS = {".csv": CSV, ".xlsx": XLSX}
_FORMAT_NAMES = {CSV: "CSV（.csv）", XLSX: "Excel（.xlsx）", TEXT: "文本 / text"}


class UsageError(BilingualError):
    """Bad input on the command line: reported in one line, exit status 2."""


class Refused(Exception):
    """The service refused what the command asked (its message is already
    Chinese first, then English): reported in one line, exit status 2."""


#: Errors that mean bad input: one line on standard error, exit status 2 (every
#: BilingualError is one: a usage error, bad money, dates, a rate out of range,
#: the engine's refusals, an unusable DATABASE_URL …).
INPUT_ERRORS = (BilingualError, Refused, InputError, PolicyError)


def one_line(exc: Exception) -> str:
    """An exception's message on one line, Chinese first (a policy's problems joined)."""
    if isinstance(exc, PolicyError):
        return (f"政策文件有误（{len(exc.texts)} 处）：{'；'.join(t.zh for t in exc.texts)}{SEPARATOR}"
                f"invalid policy document ({len(exc.texts)} problem(s)): {'; '.join(t.en for t in exc.texts)}")
    return " ".join(str(exc).split())


def say(zh: str, en: str) -> None:
    """A message on standard error: ``community-payroll: 中文 / English``."""
    print(f"{PROG}: {Text(zh, en)}", file=sys.stderr)


def add_jurisdiction(parser: argparse.ArgumentParser, help_zh: str, help_en: str) -> None:
    parser.add_argument("--jurisdiction", metavar="CODE", help=f"{help_zh}（行政区划代码）/ {help_en} (its code)")


def jurisdiction_id(code: str | None) -> int | None:
    """The id of the jurisdiction whose 行政区划代码 is ``code`` (in a database connection)."""
    if code is None:
        return None
    from api.db.models import Jurisdiction

    found = Jurisdiction.get_or_none(Jurisdiction.code == code)
    if found is None:
        raise UsageError(f"辖区代码 {code} 不存在", f"unknown jurisdiction code {code}")
    return found.id


def error_line(message: str) -> str:
    return f"{PROG}: 错误 / error: {message}"


# --- the parser ------------------------------------------------------------------------------

#: argparse's own messages (Python 3.11) and their Chinese; the English stays as argparse wrote it.
_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (.+)"), "缺少必需的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), "参数 {0}：{1} 不是可选值（可选：{2}）"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 需要一个值"),
    (re.compile(r"argument (\S+): expected at least one argument"), "参数 {0} 至少需要一个值"),
    (re.compile(r"argument (\S+): invalid (\S+) value: (.+)"), "参数 {0}：{2} 不是有效的值"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), "参数 {0} 不能与 {1} 同时使用"),
    (re.compile(r"argument (\S+): ignored explicit argument (.+)"), "参数 {0} 不接受值 {1}"),
    (re.compile(r"one of the arguments (.+) is required"), "须给出以下参数之一：{0}"),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), "选项 {0} 有歧义，可能是 {1}"),
)
_ARGUMENT_WITH_TEXT = re.compile(r"argument (\S+): (.+)", re.DOTALL)


def argparse_message(message: str) -> str:
    """An argparse error as ``中文 / English``.  The errors of our argument
    types are already bilingual; argparse names the argument before them."""
    for pattern, zh in _ARGPARSE_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return f"{zh.format(*match.groups())}{SEPARATOR}{message}"
    match = _ARGUMENT_WITH_TEXT.fullmatch(message)
    if match and SEPARATOR in match.group(2):
        zh, _, en = match.group(2).partition(SEPARATOR)
        return f"参数 {match.group(1)}：{zh}{SEPARATOR}argument {match.group(1)}: {en}"
    return f"命令行有误{SEPARATOR}{message}"


class Parser(argparse.ArgumentParser):
    """argparse with its help option and its errors Chinese first, then English."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示帮助并退出 / show this help message and exit")

    def error(self, message: str) -> None:  # argparse's documented hook for its errors
        self.print_usage(sys.stderr)
        self.exit(2, error_line(argparse_message(message)) + "\n")


# --- argument types ----------------------------------------------------------------------------


def _argument_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except (PeriodFormatError, MoneyFormatError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


#: ``YYYY-MM`` as an argparse type.
period_argument = _argument_type(Period.parse)
#: ``YYYY-MM-DD`` as an argparse type.
date_argument = _argument_type(parse_date)
#: A decimal rate (``0.05``) as an argparse type, scaled by 10^6.
rate_argument = _argument_type(parse_rate)
#: The growth of the base income (``0.05`` for 5 %), scaled by 10^6, in the
#: range the engine accepts (:func:`payroll.budget.parse_base_income_growth`).
growth_argument = _argument_type(parse_base_income_growth)


def add_growth_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-income-growth", type=growth_argument, default=0, metavar="RATE",
        help="人均可支配收入增长情景，小数，如 0.05 表示 5 %%，范围 -0.5 至 1 / scenario growth of base_income_annual "
             "as a decimal, e.g. 0.05 for 5 %%, from -0.5 to 1",
    )


def add_no_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-progress", action="store_true",
                        help="不显示进度条（标准错误不是终端时本来就不显示）/ no progress bar (none is shown anyway "
                             "when standard error is not a terminal)")


# --- --output ----------------------------------------------------------------------------------


def add_output(parser: argparse.ArgumentParser, formats: Sequence[str], what: str = "") -> None:
    """``-o/--output FILE`` with help saying which formats the command writes."""
    if TEXT in formats:
        text = "输出文件（文本）；不给则写到标准输出 / output file (text); standard output when not given"
    elif formats == (XLSX,):
        text = "输出文件 FILE.xlsx（必须给出）/ output file FILE.xlsx (required)"
    elif XLSX in formats:
        text = ("输出文件，格式按扩展名：.csv 或 .xlsx；不给则 CSV 写到标准输出 / output file, the format follows the "
                "extension: .csv or .xlsx; CSV to standard output when not given")
    else:
        text = "输出文件（.csv）；不给则写到标准输出 / output file (.csv); standard output when not given"
    parser.add_argument("-o", "--output", metavar="FILE", help=text + (f" {what}" if what else ""))


def output_format(output: str | None, formats: Sequence[str], what: Text) -> str:
    """The format to write for ``--output`` (None or ``-``: standard output):
    the extension's (``.csv``, ``.xlsx``) when the command writes it, CSV or
    text on standard output; otherwise a :class:`UsageError` naming what the
    command can write.  Checked before any work is done."""
    can = "、".join(_FORMAT_NAMES[f] for f in formats)
    can_en = ", ".join(f".{f}" if f != TEXT else "text" for f in formats)
    if not output or output == "-":
        for kind in (CSV, TEXT):
            if kind in formats:
                return kind
        raise UsageError(f"{what.zh}只能写成 Excel 文件，请给出 --output FILE.xlsx",
                         f"{what.en} can be written only as a spreadsheet: give --output FILE.xlsx")
    kind = _EXTENSIONS.get(Path(output).suffix.lower())
    if kind in formats:
        return kind
    if kind is None and TEXT in formats:
        return TEXT
    raise UsageError(f"--output {output}：{what.zh}不能写成该格式（可写：{can}）",
                     f"--output {output}: {what.en} cannot be written in this format (it writes {can_en})")


def write_output(output: str | None, data: str | bytes) -> None:
    """Write the whole result to ``output`` (standard output for none or ``-``),
    or nothing: a file is replaced atomically."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    if not output or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_whole(output, data)


def write_stream(output: str | None, produce: Callable[[Callable[[bytes], None]], None]) -> None:
    """Bytes handed to a writer block by block: to standard output or into
    ``output`` (a temporary file beside it, renamed at the end)."""
    if not output or output == "-":
        out = sys.stdout.buffer
        sys.stdout.flush()
        produce(out.write)
        out.flush()
        return
    with replacing(output) as temporary, open(temporary, "wb") as handle:
        produce(handle.write)


def write_xlsx(output: str, write: Callable[[str], None]) -> None:
    """A spreadsheet written by ``write(path)`` into ``output``, whole or not at all."""
    from api.files.xlsx import SheetFull

    with replacing(output) as temporary:
        try:
            write(temporary)
        except SheetFull as exc:
            raise UsageError(exc.text.zh, exc.text.en) from None


def write_table(output: str | None, kind: str, headings: Sequence[str], rows: Iterable[Sequence[Any]],
                sheet_name: str, title: str | None = None, widths: Sequence[float] = ()) -> None:
    """A table people read (Chinese headings) as ``kind``: CSV — with a UTF-8
    BOM in a file, so that Excel reads the Chinese — or a one-sheet .xlsx
    named ``sheet_name`` (short, without the characters a sheet name cannot
    hold) with ``title`` (default: the sheet's name) above the headings."""
    if kind == XLSX:
        from api.files.xlsx import HEADING, TITLE, XlsxWriter

        def write(path: str) -> None:
            with XlsxWriter(path) as book:
                sheet = book.sheet(sheet_name, widths=widths, freeze="A3")
                sheet.row([title or sheet_name], TITLE)
                sheet.row(list(headings), HEADING)
                for row in rows:
                    sheet.row(list(row))

        write_xlsx(output, write)
        return
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(headings)
    writer.writerows(rows)
    bom = "\ufeff" if output and output != "-" else ""
    write_output(output, bom + buffer.getvalue())


def wrote(zh: str, en: str, output: str | None) -> None:
    """Say on standard error what was written to a file."""
    if output and output != "-":
        say(f"已写入{zh}：{output}", f"wrote {en}: {output}")


# --- the progress bar ----------------------------------------------------------------------------

#: A progress callback: ``(stage, done, total)``; ``total`` None when unknown.
Progress = Callable[[str, int, "int | None"], None]

#: What the stages of long work are called on the bar.
STAGES = {
    "read": "读取 / reading",
    "prepare": "整理 / preparing",
    "check": "检查 / checking",
    "write": "写入 / writing",
    "compute": "计算 / computing",
}


@contextlib.contextmanager
def progress_bar(enabled: bool = True, stages: Mapping[str, str] = STAGES) -> Iterator[Progress | None]:
    """A rich progress bar on standard error, when it is a terminal (and
    ``enabled``); otherwise None, so that logs and pipes stay free of escape
    codes.  The bar goes away when the work is done."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    tasks: dict[str, Any] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, refresh_per_second=2) as bar:
        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stages.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def stage(progress: Progress | None, name: str) -> Callable[[int, int], None] | None:
    """The engine's ``(done, total)`` callback for one stage of ``progress``."""
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


@contextlib.contextmanager
def step(progress: Progress | None, name: str) -> Iterator[None]:
    """A stage whose size is not known (reading a file, writing one): shown
    on the bar while it runs, complete when it ends."""
    if progress is not None:
        progress(name, 0, None)
    yield
    if progress is not None:
        progress(name, 1, 1)
