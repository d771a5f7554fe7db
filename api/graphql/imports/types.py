"""The import report as GraphQL types."""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from api.errors import ErrorCode
from api.graphql.core.types import UserError
from api.services.imports import machinery as importing


@strawberry.enum(description="出错行的处理方式 / What happens when rows are refused.")
class ImportErrorPolicy(enum.Enum):
    REJECT_ALL = strawberry.enum_value(
        "REJECT_ALL", description="任何一行出错则整个文件不导入 / Any refused row rejects the whole file: nothing is written.")
    REJECT_FAILED_ROWS = strawberry.enum_value(
        "REJECT_FAILED_ROWS", description="只拒绝出错的行，其余照常导入 / Only the refused rows are left out; the rest are "
                                          "written.")


@strawberry.enum(description="一行的处理结果 / What happened (or, in a dry run, would happen) to a row.")
class ImportAction(enum.Enum):
    CREATED = strawberry.enum_value("CREATED", description="新增 / A new record.")
    UPDATED = strawberry.enum_value("UPDATED", description="更新 / A stored record changes.")
    UNCHANGED = strawberry.enum_value("UNCHANGED", description="未变 / The stored record already says this.")
    REFUSED = strawberry.enum_value("REFUSED", description="拒绝 / The row has errors (see problems).")


@strawberry.type(description="导入问题：行、列与说明 / A problem found in the file: its row, its column (the heading as "
                             "written in the file) and what is wrong.")
class ImportProblem:
    row: int | None = strawberry.field(description="行号（与 Excel 一致）；整个文件的问题为空 / Row number as Excel shows it; "
                                                   "null for a problem with the whole file.")
    column: str | None = strawberry.field(description="列标题 / The column heading.")
    code: str = strawberry.field(description="代码：INVALID、REQUIRED、NOT_FOUND、DUPLICATE、FORBIDDEN、CONFLICT（导出后被他人修改）、"
                                             "LIMIT_EXCEEDED（文件超过上限）、CANCELLED（客户端已断开）；提示为 IGNORED、NOTE、"
                                             "OVERWRITES（无版本列，更新会覆盖他人的修改）/ Kind of problem: INVALID, REQUIRED, "
                                             "NOT_FOUND, DUPLICATE, FORBIDDEN, CONFLICT (changed by someone else since "
                                             "the file was exported), LIMIT_EXCEEDED (the file is over a limit), "
                                             "CANCELLED (the client went away); warnings: IGNORED, NOTE, OVERWRITES (no "
                                             "version column: updates overwrite others' changes).")
    message: str = strawberry.field(description="说明 / What is wrong and how to put it right.")


@strawberry.type(description="一行的结果 / The outcome of one row.")
class ImportRow:
    row: int = strawberry.field(description="行号 / Row number.")
    key: str | None = strawberry.field(description="工号、社区代码等 / The row's key: worker code, community code ….")
    action: ImportAction = strawberry.field(description="结果：新增、更新、未变或拒绝 / Outcome: created, updated, "
                                                        "unchanged or refused.")
    changed_columns: list[str] = strawberry.field(description="将改变的列 / Headings of the columns that change.")


@strawberry.type(description="列的识别结果 / How a heading of the file was read.")
class ImportColumn:
    heading: str = strawberry.field(description="文件中的列标题 / The heading in the file.")
    field: str = strawberry.field(description="对应字段 / The field it was read as.")


@strawberry.type(description="导入报告 / What an import did or, in a dry run, would do.")
class ImportReport:
    kind: str = strawberry.field(description="communities、workers 或 assessments / What was imported.")
    file_name: str = strawberry.field(description="文件名 / File name.")
    format: str | None = strawberry.field(description="CSV 或 XLSX / File format.")
    sheet: str | None = strawberry.field(description="工作表 / Sheet read (Excel).")
    heading_row: int | None = strawberry.field(description="表头所在行 / Row of the headings.")
    dry_run: bool = strawberry.field(description="试运行（未写入）/ A dry run: nothing was written.")
    error_policy: ImportErrorPolicy = strawberry.field(description="错误处理方式 / How errors were handled: reject the "
                                                                  "whole file or only the failed rows.")
    written: bool = strawberry.field(description="是否已写入 / Whether the rows were written.")
    import_id: str | None = strawberry.field(description="导入编号（审计日志 requestId）/ Import id: the audit entries' "
                                                         "requestId.")
    total_rows: int = strawberry.field(description="数据行数 / Data rows in the file.")
    created: int = strawberry.field(description="新增 / Rows creating a record.")
    updated: int = strawberry.field(description="更新 / Rows changing a record.")
    unchanged: int = strawberry.field(description="未变 / Rows that change nothing.")
    refused: int = strawberry.field(description="拒绝 / Rows refused.")
    columns: list[ImportColumn] = strawberry.field(description="识别的列 / Headings read and their fields.")
    problems: list[ImportProblem] = strawberry.field(description="错误（行、列、说明）/ Errors: row, column, message.")
    warnings: list[ImportProblem] = strawberry.field(description="提示（如忽略的列）/ Notes, e.g. columns ignored.")
    summary: str = strawberry.field(description="摘要 / One line saying what happened.")
    _rows: strawberry.Private[list[importing.RowResult]]

    @strawberry.field(description="逐行结果（可按结果筛选）/ Each row's outcome, optionally only some outcomes.")
    def rows(
        self,
        actions: Annotated[
            list[ImportAction] | None,
            strawberry.argument(description="只看这些结果（不填为全部）/ Only these outcomes (all when omitted)."),
        ] = None,
    ) -> list[ImportRow]:
        wanted = {a.value for a in actions} if actions else None
        return [
            ImportRow(row=r.row, key=r.key, action=ImportAction(r.action.value), changed_columns=r.changed)
            for r in self._rows
            if wanted is None or r.action.value in wanted
        ]

    @classmethod
    def of(cls, report: importing.ImportReport) -> ImportReport:
        def problem(p: importing.Problem) -> ImportProblem:
            return ImportProblem(row=p.row, column=p.column, code=p.code, message=p.message)

        return cls(
            kind=report.kind,
            file_name=report.file_name,
            format=report.format,
            sheet=report.sheet,
            heading_row=report.heading_row,
            dry_run=report.dry_run,
            error_policy=ImportErrorPolicy(report.error_policy.value),
            written=report.written,
            import_id=report.import_id,
            total_rows=len(report.rows),
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            refused=report.refused,
            columns=[ImportColumn(heading=h, field=f) for h, f in report.columns.items()],
            problems=[problem(p) for p in report.problems],
            warnings=[problem(p) for p in report.warnings],
            summary=report.summary(),
            _rows=report.rows,
        )


@strawberry.type(description="导入结果 / Result of an import: the report, and errors when nothing was written because "
                             "of them.")
class ImportPayload:
    report: ImportReport | None = strawberry.field(description="导入报告 / The report.")
    errors: list[UserError] = strawberry.field(description="文件被拒绝时的错误（此时未写入任何内容）/ Why the file was "
                                                           "rejected; when not empty, nothing was written.")


def report_errors(report: importing.ImportReport) -> list[UserError]:
    """``errors`` is non-empty exactly when the file is (or would be) rejected."""
    codes = {c.value: c for c in ErrorCode}
    errors = [UserError(field="file", code=codes.get(p.code, ErrorCode.INVALID), message=p.message)
              for p in report.file_problems]
    if report.rejected and not errors:
        rows = [str(p.row) for p in report.problems[:10]]
        more = "…" if len(report.problems) > 10 else ""
        summary = report.summary_text()
        errors.append(UserError(field="file", code=ErrorCode.INVALID,
                                message=f"{summary.zh}；出错的行：{'、'.join(rows)}{more}（见 report.problems） / "
                                        f"{summary.en}; rows with errors: {', '.join(rows)}{more} (see report.problems)"))
    return errors


def import_payload(report: importing.ImportReport) -> ImportPayload:
    return ImportPayload(report=ImportReport.of(report), errors=report_errors(report))
