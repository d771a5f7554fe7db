"""Inputs of the import mutations: the uploaded file and how to treat it."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from api.graphql.imports.types import ImportErrorPolicy

_COMMON_DOC = ("文件为 CSV（UTF-8 或 GB18030）或 Excel .xlsx，列标题可用中文或英文 / The file is CSV (UTF-8 or GB18030) or "
               "Excel .xlsx; headings in Chinese or English, any order.")


@strawberry.input(description="导入社区 / Import communities (社区代码, 社区名称, 街道, 户数, 人口). " + _COMMON_DOC)
class ImportCommunitiesInput:
    file: Upload = strawberry.field(description="上传的文件 / The uploaded file.")
    dry_run: bool = strawberry.field(default=False, description="试运行：只报告，不写入 / Report only, write nothing.")
    error_policy: ImportErrorPolicy = strawberry.field(default=ImportErrorPolicy.REJECT_ALL,
                                                       description="出错行的处理 / What refused rows do to the import.")
    sheet: str | None = strawberry.field(default=None, description="工作表名（默认第一个）/ Sheet name (default: the "
                                                                  "first).")


@strawberry.input(description="导入工作者 / Import workers (工号, 姓名, 社区代码, 岗位, 参加工作时间, 身份证号 …): matched "
                              "by 工号, else by 身份证号. " + _COMMON_DOC)
class ImportWorkersInput:
    file: Upload = strawberry.field(description="上传的文件 / The uploaded file.")
    dry_run: bool = strawberry.field(default=False, description="试运行：只报告，不写入 / Report only, write nothing.")
    error_policy: ImportErrorPolicy = strawberry.field(default=ImportErrorPolicy.REJECT_ALL,
                                                       description="出错行的处理 / What refused rows do to the import.")
    assessment_year: int | None = strawberry.field(
        default=None, description="“年度考核”列所属年度（默认今年）/ Year of the 年度考核 column (default: this year).")
    sheet: str | None = strawberry.field(default=None, description="工作表名（默认第一个）/ Sheet name (default: the "
                                                                  "first).")


@strawberry.input(description="导入年度考核 / Import a year's assessments (工号 or 身份证号, 考核结果: 优秀、称职、基本称职、"
                              "不称职). " + _COMMON_DOC)
class ImportAssessmentsInput:
    file: Upload = strawberry.field(description="上传的文件 / The uploaded file.")
    year: int = strawberry.field(description="考核年度 / The year assessed.")
    dry_run: bool = strawberry.field(default=False, description="试运行：只报告，不写入 / Report only, write nothing.")
    error_policy: ImportErrorPolicy = strawberry.field(default=ImportErrorPolicy.REJECT_ALL,
                                                       description="出错行的处理 / What refused rows do to the import.")
    sheet: str | None = strawberry.field(default=None, description="工作表名（默认第一个）/ Sheet name (default: the "
                                                                  "first).")
