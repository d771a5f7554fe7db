"""``community-payroll import communities|workers|assessments FILE``.

Reads a CSV or Excel file into the configured database (``DATABASE_URL``) with
the same checks as the API.  The report — every refused row with its row
number, column heading and reason, under Chinese headings — goes to standard
output as CSV (or ``--output FILE``, .csv or .xlsx); the summary and a
progress bar go to standard error.

Exit status: 0 when every row was imported (or, with ``--dry-run``, would
be); 1 when some rows were refused and the others imported
(``--reject-failed-rows``); 2 when nothing was written because of errors (the
file is rejected) or the command line is wrong.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from payroll.texts import Text

from api.cli.common import CSV, XLSX, UsageError, add_no_progress, add_output, output_format, progress_bar, write_table

#: The report's headings: what each line is about and why.
REPORT_HEADINGS = ("行号", "工号或代码", "结果", "列", "代码", "说明")


def _write_report(report, args: argparse.Namespace, kind: str) -> None:
    lines = []
    keys = {r.row: r.key for r in report.rows}
    for p in report.problems:
        key = keys.get(p.row)
        lines.append((p.row or "", key or "", "REFUSED" if p.row is not None else "FILE", p.column or "", p.code, p.message))
    for p in report.warnings:
        lines.append((p.row or "", "", "WARNING", p.column or "", p.code, p.message))
    if args.rows:
        for r in report.rows:
            lines.append((r.row, r.key or "", r.action.value, "、".join(r.changed), "", ""))
        lines.sort(key=lambda line: (line[0] if isinstance(line[0], int) else 0))
    if not lines:
        return
    write_table(args.output, kind, REPORT_HEADINGS, lines, "导入报告", f"导入报告 {Path(args.file).name}",
                widths=(6, 14, 10, 14, 12, 80))


def cmd_import(args: argparse.Namespace) -> int:
    from api.access.principal import Principal, Role
    from api.db.database import configure, connection
    from api.db.migrate import migrate
    from api.services.imports import importers as imports
    from api.settings import ImportLimits

    kind = output_format(args.output, (CSV, XLSX), Text("导入报告", "the import report"))
    path = Path(args.file)
    try:
        data = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{path}：无法读取", f"{path}: cannot be read ({exc.strerror or exc})") from None
    configure()
    migrate()
    principal = Principal(name=args.actor or f"cli:{getpass.getuser()}", role=Role.ADMIN)
    policy = imports.ErrorPolicy.REJECT_FAILED_ROWS if args.reject_failed_rows else imports.ErrorPolicy.REJECT_ALL
    options = {"dry_run": args.dry_run, "error_policy": policy, "sheet": args.sheet,
               "limits": ImportLimits.from_env()}
    with data, progress_bar(not args.no_progress) as progress, connection():
        if args.what == "communities":
            report = imports.import_communities(principal, data, path.name, progress=progress, **options)
        elif args.what == "workers":
            report = imports.import_workers(principal, data, path.name, assessment_year=args.assessment_year,
                                            progress=progress, **options)
        else:
            report = imports.import_assessments(principal, data, path.name, args.year, progress=progress, **options)
    _write_report(report, args, kind)
    print(f"{path.name}: {report.summary()}", file=sys.stderr)
    if report.rejected:
        return 2
    return 1 if report.refused else 0


def add_import_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``community-payroll import …``."""
    parser = sub.add_parser(
        "import",
        help="从 CSV/Excel 导入社区、工作者、年度考核 / import communities, workers or assessments from CSV or Excel",
        description="从 CSV（UTF-8 或 GB18030）或 Excel .xlsx 文件导入，列标题可用中文或英文。出错行的报告（行号、列、说明）"
                    "以 CSV 写到标准输出。退出码：0 全部导入，1 部分行被拒绝，2 文件被拒绝、未写入 / Import from a CSV or "
                    ".xlsx file with Chinese or English headings. The report of refused rows (row, column, reason) is "
                    "written as CSV to standard output. Exit status: 0 all imported, 1 some rows refused, 2 file "
                    "rejected and nothing written.",
    )
    kinds = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    helps = {
        "communities": "社区（社区代码、社区名称、街道、户数、人口）/ communities: community_id, name, street, households, "
                       "population",
        "workers": "工作者（工号、姓名、社区代码、岗位、参加工作时间、身份证号 …），按工号或身份证号匹配 / workers, matched "
                   "by worker_id, else id_number",
        "assessments": "年度考核（工号、考核结果）/ a year's assessments: worker_id and result",
    }
    for what, text in helps.items():
        command = kinds.add_parser(what, help=text, description=text)
        command.add_argument("file", metavar="FILE", help="CSV 或 .xlsx 文件 / a CSV or .xlsx file")
        if what == "assessments":
            command.add_argument("--year", type=int, required=True, help="考核年度 / the year assessed")
        if what == "workers":
            command.add_argument("--assessment-year", type=int, metavar="YEAR",
                                 help="“年度考核”列所属年度（默认今年）/ year of the assessment column (default: this year)")
        command.add_argument("--dry-run", action="store_true",
                             help="试运行：报告将新增、更新、拒绝的行，不写入 / report what would be created, updated and "
                                  "refused; write nothing")
        command.add_argument("--reject-failed-rows", action="store_true",
                             help="只拒绝出错的行，其余导入（默认：任何一行出错则全部不导入）/ leave out only the refused "
                                  "rows (default: any refused row rejects the whole file)")
        command.add_argument("--sheet", metavar="NAME", help="工作表名（Excel 文件，默认第一个）/ sheet name (default: the first)")
        command.add_argument("--rows", action="store_true",
                             help="报告中列出每一行的结果 / list every row's outcome in the report, not only problems")
        add_output(command, (CSV, XLSX), "（导入报告 / the import report）")
        command.add_argument("--actor", metavar="NAME", help="审计日志中的操作人（默认 cli:用户名）/ name recorded in the "
                                                            "audit log (default: cli:<user>)")
        add_no_progress(command)
        command.set_defaults(handler=cmd_import)
