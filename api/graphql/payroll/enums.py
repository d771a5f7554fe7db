"""The payroll enums: run status, run scope and how totals are grouped."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="发放批次状态 / Status of a payroll run.")
class PayrollRunStatus(enum.Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="草稿，可删除重算 / Draft: may be deleted and recomputed")
    APPROVED = strawberry.enum_value("APPROVED", description="已审核，不再变更 / Approved: never changes")
    PAID = strawberry.enum_value("PAID", description="已发放 / Paid")


@strawberry.enum(description="范围 / Scope of a run or report.")
class ScopeType(enum.Enum):
    CITY = strawberry.enum_value("CITY", description="全市 / The whole city")
    STREET = strawberry.enum_value("STREET", description="一个街道 / One street")
    COMMUNITY = strawberry.enum_value("COMMUNITY", description="一个社区 / One community")


@strawberry.enum(description="汇总维度 / Group totals by.")
class PayrollGroupBy(enum.Enum):
    STREET = strawberry.enum_value("STREET", description="按街道 / One row per street")
    COMMUNITY = strawberry.enum_value("COMMUNITY", description="按社区 / One row per community")
