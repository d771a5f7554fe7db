"""The fixed codes of salary-model.md §1 as GraphQL enums."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="学历 / Education.")
class Education(enum.Enum):
    SECONDARY = strawberry.enum_value("SECONDARY", description="高中/中专及以下 / Secondary or below")
    JUNIOR_COLLEGE = strawberry.enum_value("JUNIOR_COLLEGE", description="大专 / Junior college")
    BACHELOR = strawberry.enum_value("BACHELOR", description="本科 / Bachelor")
    MASTER = strawberry.enum_value("MASTER", description="硕士 / Master")
    DOCTOR = strawberry.enum_value("DOCTOR", description="博士 / Doctor")


@strawberry.enum(description="社会工作者职业资格证书 / Social-work certificate.")
class Certificate(enum.Enum):
    NONE = strawberry.enum_value("NONE", description="无 / None")
    ASSISTANT_SOCIAL_WORKER = strawberry.enum_value("ASSISTANT_SOCIAL_WORKER", description="助理社会工作师 / Assistant social worker")
    SOCIAL_WORKER = strawberry.enum_value("SOCIAL_WORKER", description="社会工作师 / Social worker")
    SENIOR_SOCIAL_WORKER = strawberry.enum_value("SENIOR_SOCIAL_WORKER", description="高级社会工作师 / Senior social worker")


@strawberry.enum(description="年度考核结果 / Annual assessment (年度考核).")
class AssessmentResult(enum.Enum):
    EXCELLENT = strawberry.enum_value("EXCELLENT", description="优秀 / Excellent")
    COMPETENT = strawberry.enum_value("COMPETENT", description="称职 / Competent")
    BASIC = strawberry.enum_value("BASIC", description="基本称职 / Basically competent")
    INCOMPETENT = strawberry.enum_value("INCOMPETENT", description="不称职 / Incompetent (the year does not count as service)")


@strawberry.enum(description="性别（由身份证号得出）/ Sex, derived from the identity number.")
class Sex(enum.Enum):
    M = strawberry.enum_value("M", description="男 / Male")
    F = strawberry.enum_value("F", description="女 / Female")


@strawberry.enum(description="累计减除费用规则（个税，按年）/ The basic deduction rule of a tax year (salary-model.md §9).")
class TaxBasicDeduction(enum.Enum):
    MONTHLY = strawberry.enum_value("MONTHLY", description="按月累计（每月 5000 元）/ 5,000 a month of employment")
    FULL_YEAR = strawberry.enum_value("FULL_YEAR", description="全年一次性扣除（公告2020年第13号）/ the whole year's "
                                                               "deduction from January (announcement 2020 No. 13)")
    FROM_JANUARY = strawberry.enum_value("FROM_JANUARY", description="自1月起累计（公告2020年第19号，首次取得工资）/ "
                                                                     "counted from January (first job of the year, "
                                                                     "announcement 2020 No. 19)")


@strawberry.enum(description="年终奖计税方式 / How the year-end performance payout is taxed (the worker's choice).")
class BonusTaxMethod(enum.Enum):
    SEPARATE = strawberry.enum_value("SEPARATE", description="单独计税 / taxed on its own")
    COMBINED = strawberry.enum_value("COMBINED", description="并入综合所得 / taxed with the month's pay")
