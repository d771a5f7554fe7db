"""``community-payroll export …``: the files of ``/exports/`` from the command line.

Run on the configured database (``DATABASE_URL``) with full access, as the
service's administrators do; nothing is written to the database.

| command | file |
|---|---|
| ``export run --run 3 [-o F.csv \\| -o F.xlsx]`` | payslips CSV, or the 工资表 (print-ready) |
| ``export payslips --run 3 -o F.xlsx`` | 工资条, a block per worker to print and cut (.xlsx only) |
| ``export bank --run 3 [-o F.csv \\| F.xlsx] [--mask-accounts]`` | bank payment file |
| ``export contributions --run 3 [-o F.csv \\| F.xlsx]`` | social insurance and housing fund by item |
| ``export conversion --period 2026-11 [--street S01 \\| --community C001] [-o F.csv \\| F.xlsx]`` | 工资套改 |
| ``export budget --year 2027 [--base-income-growth 0.05] [--street …] [-o F.csv \\| F.xlsx]`` | budget (chart in .xlsx) |
| ``export staffing --date 2026-11-01 [--street …] [-o F.csv \\| F.xlsx]`` | staffing (chart in .xlsx) |
| ``export workers [--street S01 \\| --community C001] [-o F.xlsx \\| -o F.csv]`` | 工作者名册 to edit and import again |

As every subcommand (:mod:`api.cli.common`): the format follows the
extension of ``--output``, CSV goes to standard output when no ``--output``
is given, and a file is written whole or not at all.  Long exports show a
progress bar on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any, Callable, Iterator, Sequence

from payroll.money import format_fen
from payroll.texts import Text

from api.cli.common import (
    CSV,
    XLSX,
    Refused,
    UsageError,
    add_growth_argument,
    add_jurisdiction,
    add_no_progress,
    add_output,
    date_argument,
    jurisdiction_id,
    output_format,
    period_argument,
    progress_bar,
    stage,
    write_stream,
    write_table,
    write_xlsx,
    wrote,
)

BOTH = (CSV, XLSX)


@contextlib.contextmanager
def _database() -> Iterator[None]:
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.errors import RequestError, UserErrors

    configure()
    migrate()
    with connection():
        try:
            yield
        except UserErrors as exc:
            raise Refused(str(exc)) from None
        except RequestError as exc:
            raise Refused(exc.message) from None


def _run(run_id: int):
    """The run, read through the read boundary with full access (the CLI's principal is SYSTEM)."""
    from api.access.principal import SYSTEM
    from api.reads.run_files import authorised_run

    run = authorised_run(SYSTEM, run_id)
    if run is None:
        raise UsageError(f"发放批次 {run_id} 不存在", f"payroll run {run_id} does not exist")
    return run


def _scope(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """Street and community ids from --street / --community codes."""
    from api.db.models import Community, Street

    if sum(bool(getattr(args, name, None)) for name in ("street", "community", "jurisdiction")) > 1:
        raise UsageError("--jurisdiction、--street 和 --community 只能给出其一",
                         "give one of --jurisdiction, --street and --community")
    if args.street:
        street = Street.get_or_none(Street.code == args.street)
        if street is None:
            raise UsageError(f"街道代码 {args.street} 不存在", f"unknown street code {args.street}")
        return street.id, None
    if args.community:
        community = Community.get_or_none(Community.code == args.community)
        if community is None:
            raise UsageError(f"社区代码 {args.community} 不存在", f"unknown community code {args.community}")
        return None, community.id
    return None, None



class _ReportPlace:
    """The report scope of --jurisdiction / --street / --community with full
    access (the CLI's principal is SYSTEM), and its label for a sheet."""

    def __init__(self, args: argparse.Namespace) -> None:
        from api.access.principal import SYSTEM
        from api.reads.reports import report_scope

        self.street, self.community = _scope(args)
        self.jurisdiction = jurisdiction_id(args.jurisdiction)
        self.scope = report_scope(SYSTEM, self.street, self.community, jurisdiction_id=self.jurisdiction)

    def label(self) -> str:
        from api.files.report_sheets import scope_label

        return scope_label(self.street, self.community, self.jurisdiction)


def _counting_rows(write: Callable[[bytes], None], progress: Callable[[int, int], None] | None,
                   total: int) -> Callable[[bytes], None]:
    """``write`` that also reports the CSV rows written so far (the header line not counted)."""
    if progress is None:
        return write
    lines = -1

    def counted(block: bytes) -> None:
        nonlocal lines
        write(block)
        lines += block.count(b"\n")
        progress(max(min(lines, total), 0), total)

    return counted


# --- handlers ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_payroll_sheet

    kind = output_format(args.output, BOTH, Text("工资表", "the payroll run"))
    with _database(), progress_bar(not args.no_progress) as progress:
        run = _run(args.run)
        rows = stage(progress, "write")
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_payroll_sheet(run, path, rows))
        else:
            write_stream(args.output, lambda write: run_files.write_payslip_csv(
                run, _counting_rows(write, rows, run.payslip_count)))
    wrote(f"发放批次 {args.run}（{run.period}，{run.payslip_count} 张工资条）",
          f"run {args.run} ({run.period}, {run.payslip_count} payslips)", args.output)


def cmd_payslips(args: argparse.Namespace) -> None:
    from api.files.payroll_sheets import write_payslips

    output_format(args.output, (XLSX,), Text("工资条", "the payslips (工资条)"))
    with _database(), progress_bar(not args.no_progress) as progress:
        run = _run(args.run)
        write_xlsx(args.output, lambda path: write_payslips(run, path, stage(progress, "write")))
    wrote(f"发放批次 {args.run} 的工资条（{run.payslip_count} 人）", f"工资条 of run {args.run} "
          f"({run.payslip_count} workers)", args.output)


def cmd_bank(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_bank_file

    kind = output_format(args.output, BOTH, Text("银行代发文件", "the bank file"))
    with _database(), progress_bar(not args.no_progress) as progress:
        run = _run(args.run)
        rows = stage(progress, "write")
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_bank_file(run, path, args.mask_accounts, rows))
        else:
            def produce(write: Callable[[bytes], None]) -> None:
                counted = _counting_rows(write, rows, run.payslip_count)
                for block in run_files.iter_bank_csv(run, args.mask_accounts):
                    counted(block)

            write_stream(args.output, produce)
    wrote(f"发放批次 {args.run} 的银行代发文件", f"bank file of run {args.run}", args.output)


def cmd_contributions(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_contributions

    kind = output_format(args.output, BOTH, Text("缴费表", "the contributions"))
    with _database():
        run = _run(args.run)
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_contributions(run, path))
        else:
            write_stream(args.output, lambda write: write(run_files.contributions_csv(run)))
    wrote(f"发放批次 {args.run} 的缴费表", f"contributions of run {args.run}", args.output)


def cmd_conversion(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.report_sheets import CONVERSION_HEADINGS, conversion_detail_rows, write_conversion
    from api.reads.conversion import conversion

    kind = output_format(args.output, BOTH, Text("工资套改测算", "the conversion"))
    with _database():
        place = _ReportPlace(args)
        result = conversion(SYSTEM, place.scope, args.period)
        titles = {key: post.title for key, post in result.version.posts.items()}
        label = place.label()
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_conversion(result, path, label, titles))
        else:
            rows = ([format_fen(v) if isinstance(v, int) and i in _CONVERSION_MONEY else v for i, v in enumerate(row)]
                    for row in conversion_detail_rows(result, titles))
            write_table(args.output, CSV, CONVERSION_HEADINGS, rows, "套改明细")
    wrote(f"工资套改测算 {args.period}", f"conversion {args.period}", args.output)


#: Positions of the money columns among CONVERSION_HEADINGS (套改前月工资 … 套改后月工资).
_CONVERSION_MONEY = frozenset(range(7, 16))


def _write_report_csv(output: str | None, columns: Sequence[str], rows: Sequence[Any]) -> None:
    """A report's rows (budget, staffing) as the CSV of the engine command of the same name."""
    from payroll.csvio import rows_csv

    write_stream(output, lambda write: write(rows_csv(columns, [row.as_csv() for row in rows]).encode()))


def cmd_budget(args: argparse.Namespace) -> None:
    from payroll.budget import BUDGET_COLUMNS

    from api.access.principal import SYSTEM
    from api.files.report_sheets import write_budget
    from api.reads import reports

    kind = output_format(args.output, BOTH, Text("年度预算", "the budget"))
    with _database(), progress_bar(not args.no_progress) as progress:
        place = _ReportPlace(args)
        communities, rows = reports.budget(SYSTEM, place.scope, args.year, args.base_income_growth,
                                          stage(progress, "compute"))
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_budget(communities, rows, path, args.year,
                                                               args.base_income_growth, place.label()))
        else:
            _write_report_csv(args.output, BUDGET_COLUMNS, rows)
    wrote(f"{args.year} 年度预算", f"budget {args.year}", args.output)


def cmd_staffing(args: argparse.Namespace) -> None:
    from payroll.staffing import STAFFING_COLUMNS

    from api.access.principal import SYSTEM
    from api.files.report_sheets import write_staffing
    from api.reads import reports

    kind = output_format(args.output, BOTH, Text("职数测算", "the staffing"))
    with _database():
        place = _ReportPlace(args)
        communities, rows, versions = reports.staffing(SYSTEM, place.scope, args.date)
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_staffing(communities, rows, path, args.date,
                                                                 reports.effective_from(versions), place.label()))
        else:
            _write_report_csv(args.output, STAFFING_COLUMNS, rows)
    wrote(f"{args.date.isoformat()} 职数测算", f"staffing {args.date.isoformat()}", args.output)


def cmd_workers(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.worker_file import workers_csv_blocks, write_workers_xlsx
    from api.reads.worker_file import worker_rows

    kind = output_format(args.output, BOTH, Text("工作者名册", "the workers file"))
    with _database():
        scope = _ReportPlace(args).scope
        if kind == XLSX:
            write_xlsx(args.output, lambda path: write_workers_xlsx(worker_rows(SYSTEM, scope), path))
        else:
            def produce(write: Callable[[bytes], None]) -> None:
                for block in workers_csv_blocks(worker_rows(SYSTEM, scope)):
                    write(block)

            write_stream(args.output, produce)
    wrote("工作者名册", "the workers file", args.output)


# --- the parser -------------------------------------------------------------------------------


def _budget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=int, required=True, help="预算年度 / budget year")
    add_growth_argument(parser)


def add_export_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``export`` and its subcommands."""

    export = sub.add_parser(
        "export",
        help="导出财务与人事文件 / export finance and HR files",
        description="从数据库导出工资表、工资条、银行代发文件、缴费表、套改测算、预算和职数；格式按 --output 的扩展名"
        "（.csv 或 .xlsx），不给 --output 则 CSV 写到标准输出 / Write the files of /exports/ from the configured "
        "database: payroll sheets, payslips, bank files, contributions, conversion, budget and staffing. The format "
        "follows the extension of --output (.csv or .xlsx); CSV goes to standard output without --output.",
    )
    actions = export.add_subparsers(dest="export_command", metavar="FILE", required=True)

    def file_command(name: str, help: str, description: str, handler: Callable[[argparse.Namespace], None],
                     formats: tuple[str, ...] = BOTH, *, run: bool = False, place: bool = False,
                     progress: bool = False, arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
        """A subcommand writing one file: --run (a run's files), its own
        ``arguments``, the place of a report, --output and --no-progress."""
        parser = actions.add_parser(name, help=help, description=description)
        if run:
            parser.add_argument("--run", type=int, required=True, metavar="ID", help="工资批次编号 / payroll run id")
        if arguments is not None:
            arguments(parser)
        parser.set_defaults(handler=handler)
        if place:
            add_jurisdiction(parser, "辖区（含其下级）", "a jurisdiction, with those below it")
            parser.add_argument("--street", metavar="CODE", help="街道代码 / street code")
            parser.add_argument("--community", metavar="CODE", help="社区代码 / community code")
        add_output(parser, formats)
        if progress:
            add_no_progress(parser)

    file_command("run", "工资条数据 CSV 或工资表 / payslips CSV or the payroll sheet (工资表)",
                 "批次的工资条数据（CSV，固定列）或工资表（.xlsx，中文表头，社区、街道小计和总计，横向 A4 打印）/ A run's "
                 "payslips CSV (the fixed columns) or payroll sheet (.xlsx: Chinese headings, subtotals by community "
                 "and street, total; prints landscape on A4).",
                 cmd_run, run=True, progress=True)
    file_command("payslips", "工资条（打印裁剪，.xlsx）/ payslips to print and cut (.xlsx)",
                 "每人一条：表头、金额、空行；横向 A4，按页宽打印 / A block per worker: headings, amounts, an empty row; "
                 "landscape A4, fitted to the width.",
                 cmd_payslips, (XLSX,), run=True, progress=True)
    file_command("bank", "银行代发文件 / bank payment file",
                 "序号,工号,户名,开户银行,账号,实发金额（只含实发大于零者）/ One row per payment (net pay above zero).",
                 cmd_bank, run=True, progress=True, arguments=lambda parser: parser.add_argument(
                     "--mask-accounts", action="store_true", help="账号脱敏 / mask account numbers"))
    file_command("contributions", "社保和公积金缴费表 / contributions by item",
                 "按社区、街道汇总各险种个人和单位缴费 / Social insurance and housing fund by item, by community and "
                 "street, with totals.",
                 cmd_contributions, run=True)
    file_command(
        "conversion", "工资套改测算 / the conversion report",
        "每人的套改前工资、新岗位等级、新标准工资、差额和保留补差（.xlsx 另有小计和汇总表）/ Each worker's previous pay, "
        "new post and grade, new standard pay, difference and protection allowance (the .xlsx adds subtotals and a "
        "summary).",
        cmd_conversion, place=True, arguments=lambda parser: parser.add_argument(
            "--period", type=period_argument, required=True, metavar="YYYY-MM", help="月份 / month"))
    file_command(
        "budget", "年度预算 / the budget",
        "各社区年度预算（CSV 为 community_id,year,workers_cost,vacancy_cost,funds,total；.xlsx 另有按街道的成本图）/ "
        "Each community's budget for the year (the CSV has the columns of the budget command; the .xlsx adds a chart "
        "of the cost by street).",
        cmd_budget, place=True, progress=True, arguments=_budget_arguments)
    file_command(
        "staffing", "职数测算 / staffing",
        "各社区应配与实有职数（CSV 同 staffing 命令的列；.xlsx 另有缺口图）/ Required and actual workers per community "
        "(the CSV has the columns of the staffing command; the .xlsx adds a chart of the gaps).",
        cmd_staffing, place=True, arguments=lambda parser: parser.add_argument(
            "--date", type=date_argument, required=True, metavar="YYYY-MM-DD", help="测算日期 / date"))
    file_command(
        "workers", "工作者名册（可编辑后再导入）/ the workers file to edit and import again",
        "每名工作者一行，列标题与工作者导入相同，末列“版本”：再导入时，导出后被他人修改过的工作者所在行会被拒绝（CONFLICT），"
        "而不是覆盖他人的修改 / One row per worker with the headings of the workers import and a last column 版本 "
        "(version): when the file is imported again, a row whose worker was changed since is refused (CONFLICT) "
        "instead of overwriting that change.",
        cmd_workers, place=True)
