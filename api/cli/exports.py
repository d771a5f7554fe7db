"""``community-payroll export …``: the files of ``/exports/`` from the command line.

Run on the configured database (``DATABASE_URL``) with full access, as the
service's administrators do; nothing is written to the database.

| command | file |
|---|---|
| ``export run --run 3 [-o F.csv \\| -o F.xlsx]`` | payslips CSV (standard output by default), or the 工资表 |
| ``export payslips --run 3 -o F.xlsx`` | 工资条, a block per worker to print and cut |
| ``export bank --run 3 [-o F.csv \\| F.xlsx] [--mask-accounts]`` | bank payment file |
| ``export contributions --run 3 [-o F.csv \\| F.xlsx]`` | social insurance and housing fund by item |
| ``export conversion --period 2026-11 [--street S01 \\| --community C001] -o F.xlsx`` | 工资套改 |
| ``export budget --year 2027 [--base-income-growth 0.05] [--street …] -o F.xlsx`` | budget with a chart |
| ``export staffing --date 2026-11-01 [--street …] -o F.xlsx`` | staffing with a chart |
| ``export workers [--street S01 \\| --community C001] [-o F.xlsx \\| -o F.csv]`` | 工作者名册 to edit and import again |

The format follows the extension of ``--output``; CSV files stream to
standard output when no ``--output`` is given.  A file is written whole or not
at all (a temporary file beside it is renamed at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Callable, Iterable, Iterator

from payroll.files import replacing

from api.cli.common import date_argument, period_argument, rate_argument


def _fail(message: str) -> Exception:
    from api.cli.common import UsageError

    return UsageError(message)


@contextlib.contextmanager
def _database() -> Iterator[None]:
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.errors import Forbidden, UserErrors

    configure()
    migrate()
    with connection():
        try:
            yield
        except UserErrors as exc:
            raise _fail(str(exc)) from None
        except Forbidden as exc:
            raise _fail(exc.message) from None


def _run(run_id: int):
    """The run, read through the read boundary with full access (the CLI's principal is SYSTEM)."""
    from api.access.principal import SYSTEM
    from api.reads.run_files import authorised_run

    run = authorised_run(SYSTEM, run_id)
    if run is None:
        raise _fail(f"payroll run {run_id} does not exist")
    return run


def _is_xlsx(output: str | None) -> bool:
    return output is not None and output.lower().endswith(".xlsx")


def _write_stream(produce: Callable[[Callable[[bytes], None]], None], output: str | None) -> None:
    """Bytes handed to a writer block by block: to standard output or into ``output``."""
    if output is None:
        out = sys.stdout.buffer
        produce(out.write)
        out.flush()
        return
    with replacing(output) as temporary, open(temporary, "wb") as handle:
        produce(handle.write)


def _each(blocks: Iterable[bytes], write: Callable[[bytes], None]) -> None:
    for block in blocks:
        write(block)


def _write_xlsx(write: Callable[[str], None], output: str | None) -> None:
    if not _is_xlsx(output):
        raise _fail("give --output FILE.xlsx: a spreadsheet is not written to standard output")
    from api.files.xlsx import SheetFull

    with replacing(output) as temporary:
        try:
            write(temporary)
        except SheetFull as exc:
            raise _fail(str(exc)) from None


def _done(what: str, output: str | None) -> None:
    if output is not None:
        print(f"已写入 / wrote {what}: {output}", file=sys.stderr)


def _scope(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """Street and community ids from --street / --community codes."""
    from api.db.models import Community, Street

    if args.street and args.community:
        raise _fail("give --street or --community, not both")
    if args.street:
        street = Street.get_or_none(Street.code == args.street)
        if street is None:
            raise _fail(f"unknown street code {args.street}")
        return street.id, None
    if args.community:
        community = Community.get_or_none(Community.code == args.community)
        if community is None:
            raise _fail(f"unknown community code {args.community}")
        return None, community.id
    return None, None


# --- handlers ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_payroll_sheet

    with _database():
        run = _run(args.run)
        if _is_xlsx(args.output):
            _write_xlsx(lambda path: write_payroll_sheet(run, path), args.output)
        else:
            _write_stream(lambda write: run_files.write_payslip_csv(run, write), args.output)
    _done(f"run {args.run} ({run.period}, {run.payslip_count} payslips)", args.output)


def cmd_payslips(args: argparse.Namespace) -> None:
    from api.files.payroll_sheets import write_payslips

    with _database():
        run = _run(args.run)
        _write_xlsx(lambda path: write_payslips(run, path), args.output)
    _done(f"工资条 of run {args.run} ({run.payslip_count} workers)", args.output)


def cmd_bank(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_bank_file

    with _database():
        run = _run(args.run)
        if _is_xlsx(args.output):
            _write_xlsx(lambda path: write_bank_file(run, path, args.mask_accounts), args.output)
        else:
            _write_stream(lambda write: _each(run_files.iter_bank_csv(run, args.mask_accounts), write), args.output)
    _done(f"bank file of run {args.run}", args.output)


def cmd_contributions(args: argparse.Namespace) -> None:
    from api.files import run_files
    from api.files.payroll_sheets import write_contributions

    with _database():
        run = _run(args.run)
        if _is_xlsx(args.output):
            _write_xlsx(lambda path: write_contributions(run, path), args.output)
        else:
            _write_stream(lambda write: write(run_files.contributions_csv(run)), args.output)
    _done(f"contributions of run {args.run}", args.output)


def cmd_conversion(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.report_sheets import scope_label, write_conversion
    from api.reads.conversion import conversion
    from api.reads.reports import report_scope

    with _database():
        street, community = _scope(args)
        scope = report_scope(SYSTEM, street, community)

        def write(path: str) -> None:
            result = conversion(SYSTEM, scope, args.period)
            titles = {key: post.title for key, post in result.version.posts.items()}
            write_conversion(result, path, scope_label(street, community), titles)

        _write_xlsx(write, args.output)
    _done(f"工资套改 {args.period}", args.output)


def cmd_budget(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.report_sheets import scope_label, write_budget
    from api.reads import reports
    from api.reads.reports import report_scope

    with _database():
        street, community = _scope(args)
        scope = report_scope(SYSTEM, street, community)

        def write(path: str) -> None:
            communities, rows = reports.budget(SYSTEM, scope, args.year, args.base_income_growth)
            write_budget(communities, rows, path, args.year, args.base_income_growth, scope_label(street, community))

        _write_xlsx(write, args.output)
    _done(f"budget {args.year}", args.output)


def cmd_staffing(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.report_sheets import scope_label, write_staffing
    from api.reads import reports
    from api.reads.reports import report_scope

    with _database():
        street, community = _scope(args)
        scope = report_scope(SYSTEM, street, community)

        def write(path: str) -> None:
            communities, rows, version = reports.staffing(SYSTEM, scope, args.date)
            write_staffing(communities, rows, path, args.date, version.effective_from, scope_label(street, community))

        _write_xlsx(write, args.output)
    _done(f"staffing {args.date.isoformat()}", args.output)


def cmd_workers(args: argparse.Namespace) -> None:
    from api.access.principal import SYSTEM
    from api.files.worker_file import workers_csv_blocks, write_workers_xlsx
    from api.reads.reports import report_scope
    from api.reads.worker_file import worker_rows

    with _database():
        street, community = _scope(args)
        scope = report_scope(SYSTEM, street, community)
        if _is_xlsx(args.output):
            _write_xlsx(lambda path: write_workers_xlsx(worker_rows(SYSTEM, scope), path), args.output)
        else:
            _write_stream(lambda write: _each(workers_csv_blocks(worker_rows(SYSTEM, scope)), write), args.output)
    _done("工作者名册 / workers file", args.output)


# --- the parser -------------------------------------------------------------------------------


def add_export_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``export`` and its subcommands."""

    export = sub.add_parser(
        "export",
        help="导出财务与人事文件 / export finance and HR files",
        description="从数据库导出工资表、工资条、银行代发文件、缴费表、套改测算、预算和职数 / Write the files of /exports/ "
        "from the configured database: payroll sheets, payslips, bank files, contributions, conversion, budget and "
        "staffing. The format follows the extension of --output (.csv or .xlsx).",
    )
    actions = export.add_subparsers(dest="export_command", metavar="FILE", required=True)

    def output(parser: argparse.ArgumentParser, xlsx_only: bool = False) -> None:
        parser.add_argument(
            "-o", "--output", required=xlsx_only, metavar="FILE",
            help=("输出文件（.xlsx）/ output file (.xlsx)" if xlsx_only else
                  "输出文件，.csv 或 .xlsx；不给则 CSV 写到标准输出 / output file, .csv or .xlsx; CSV to standard "
                  "output when not given"),
        )

    def run_argument(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--run", type=int, required=True, metavar="ID", help="工资批次编号 / payroll run id")

    def scope(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--street", metavar="CODE", help="街道代码 / street code")
        parser.add_argument("--community", metavar="CODE", help="社区代码 / community code")

    run = actions.add_parser("run", help="工资条数据 CSV 或工资表 / payslips CSV or the payroll sheet (工资表)",
                             description="批次的工资条数据（CSV，固定列）或工资表（.xlsx，中文表头，社区、街道小计和总计）/ "
                             "A run's payslips CSV (the fixed columns) or payroll sheet (.xlsx: Chinese headings, "
                             "subtotals by community and street, total).")
    run_argument(run)
    output(run)
    run.set_defaults(handler=cmd_run)

    payslips = actions.add_parser("payslips", help="工资条（打印裁剪）/ payslips to print and cut (.xlsx)",
                                  description="每人一条：表头、金额、空行 / A block per worker: headings, amounts, "
                                  "an empty row; landscape A4, fitted to the width.")
    run_argument(payslips)
    output(payslips, xlsx_only=True)
    payslips.set_defaults(handler=cmd_payslips)

    bank = actions.add_parser("bank", help="银行代发文件 / bank payment file",
                              description="序号,工号,户名,开户银行,账号,实发金额（只含实发大于零者）/ One row per payment "
                              "(net pay above zero).")
    run_argument(bank)
    output(bank)
    bank.add_argument("--mask-accounts", action="store_true", help="账号脱敏 / mask account numbers")
    bank.set_defaults(handler=cmd_bank)

    contributions = actions.add_parser("contributions", help="社保和公积金缴费表 / contributions by item",
                                       description="按社区、街道汇总各险种个人和单位缴费 / Social insurance and housing "
                                       "fund by item, by community and street, with totals.")
    run_argument(contributions)
    output(contributions)
    contributions.set_defaults(handler=cmd_contributions)

    conversion = actions.add_parser("conversion", help="工资套改测算 / the conversion report (.xlsx)",
                                    description="每人的套改前工资、新岗位等级、新标准工资、差额和保留补差 / Each worker's "
                                    "previous pay, new post and grade, new standard pay, difference and protection "
                                    "allowance, with totals by community and street.")
    conversion.add_argument("--period", type=period_argument, required=True, metavar="YYYY-MM", help="月份 / month")
    scope(conversion)
    output(conversion, xlsx_only=True)
    conversion.set_defaults(handler=cmd_conversion)

    budget = actions.add_parser("budget", help="年度预算（含图表）/ the budget with a chart (.xlsx)",
                                description="各社区年度预算，按街道的成本图 / Each community's budget for the year and "
                                "a chart of the cost by street.")
    budget.add_argument("--year", type=int, required=True, help="预算年度 / budget year")
    budget.add_argument("--base-income-growth", type=rate_argument, default=0, metavar="RATE",
                        help="人均可支配收入增长情景，如 0.05 / scenario growth of base_income_annual, e.g. 0.05")
    scope(budget)
    output(budget, xlsx_only=True)
    budget.set_defaults(handler=cmd_budget)

    staffing = actions.add_parser("staffing", help="职数（含缺口图）/ staffing with a chart of the gaps (.xlsx)",
                                  description="各社区应配与实有职数，缺口图 / Required and actual workers per community "
                                  "and a chart of the gaps.")
    staffing.add_argument("--date", type=date_argument, required=True, metavar="YYYY-MM-DD", help="测算日期 / date")
    scope(staffing)
    output(staffing, xlsx_only=True)
    staffing.set_defaults(handler=cmd_staffing)

    workers = actions.add_parser("workers", help="工作者名册（可编辑后再导入）/ the workers file to edit and import again",
                                 description="每名工作者一行，列标题与工作者导入相同，末列“版本”：再导入时，导出后被他人修改过的"
                                 "工作者所在行会被拒绝（CONFLICT），而不是覆盖他人的修改 / One row per worker with the "
                                 "headings of the workers import and a last column 版本 (version): when the file is "
                                 "imported again, a row whose worker was changed since is refused (CONFLICT) instead "
                                 "of overwriting that change.")
    scope(workers)
    output(workers)
    workers.set_defaults(handler=cmd_workers)
