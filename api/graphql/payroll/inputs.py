"""Inputs of payroll: filters, orderings, the salary quote and the run mutations."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from api.graphql.core.enums import AssessmentResult, Certificate, Education
from api.graphql.core.scalars import Money, Period
from api.graphql.core.types import OrderDirection
from api.graphql.payroll.enums import PayrollRunStatus, ScopeType


@strawberry.input(description="工资条筛选 / Filter payslips.")
class PayslipWhere:
    street_id: strawberry.ID | None = strawberry.field(default=None, description="发放时所在街道 / Street of the payslip "
                                                                                 "(when the run was made).")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="发放时所在社区 / Community of the "
                                                                                    "payslip (when the run was made).")
    worker_id: strawberry.ID | None = strawberry.field(default=None, description="工作者 / Of this worker.")
    payroll_run_id: strawberry.ID | None = strawberry.field(default=None, description="发放批次 / In this payroll run.")
    post: str | None = strawberry.field(default=None, description="计薪岗位，如 CHIEF / Paid for this post, e.g. CHIEF.")
    status: PayrollRunStatus | None = strawberry.field(default=None, description="所属批次状态 / Status of the run.")


@strawberry.enum(description="工资条排序字段 / Sort payslips by.")
class PayslipOrderField(enum.Enum):
    ID = strawberry.enum_value("id", description="按编号（入库顺序）/ By id, i.e. the order they were stored")
    PERIOD = strawberry.enum_value("period", description="按月份 / By pay period")
    NET = strawberry.enum_value("net", description="按实发工资 / By net pay")
    GROSS = strawberry.enum_value("gross", description="按应发工资 / By gross pay")


@strawberry.input(description="工资条排序 / Payslip ordering.")
class PayslipOrder:
    field: PayslipOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


@strawberry.input(description="发放批次筛选 / Filter payroll runs.")
class PayrollRunWhere:
    period: Period | None = strawberry.field(default=None, description="月份 / Runs of this month.")
    year: int | None = strawberry.field(default=None, description="年度 / Runs of this year.")
    status: PayrollRunStatus | None = strawberry.field(default=None, description="状态 / Runs in this status.")
    scope_type: ScopeType | None = strawberry.field(default=None, description="范围类型 / Runs over the city, a street or "
                                                                             "a community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道（含其社区的批次）/ Runs over this "
                                                                                 "street or one of its communities.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区 / Runs over this community.")


@strawberry.enum(description="批次排序字段 / Sort runs by.")
class PayrollRunOrderField(enum.Enum):
    PERIOD = strawberry.enum_value("period", description="按月份 / By pay period")
    CREATED_AT = strawberry.enum_value("created_at", description="按创建时间 / By when the run was created")


@strawberry.input(description="批次排序 / Run ordering.")
class PayrollRunOrder:
    field: PayrollRunOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


@strawberry.input(description="工资试算 / A salary quote: give `workerId` for a real worker (other fields then override "
                              "its record, for what-ifs) or the fields of a hypothetical worker.")
class SalaryQuoteInput:
    period: Period = strawberry.field(description="月份 / The month.")
    worker_id: strawberry.ID | None = strawberry.field(default=None, description="真实工作者 / A real worker.")
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=None, description="按哪个辖区的政策测算（假设的工作者；真实工作者按其所在辖区；只有一个政策启用时可不填）/ Whose "
                                  "policy a hypothetical worker is quoted under (a real worker: its jurisdiction's); may "
                                  "be left out while one policy is active.")
    post: str | None = strawberry.field(default=None, description="计薪岗位，如 CHIEF（假设的工作者必填）/ Post, e.g. "
                                                                  "CHIEF; required for a hypothetical worker.")
    service_start: dt.date | None = strawberry.field(default=None, description="参加工作时间（默认当月1日）/ Default: the "
                                                                               "first day of the month.")
    service_end: dt.date | None = strawberry.field(default=None, description="离职日期（含），可不填 / Last day of service "
                                                                             "(inclusive); optional.")
    prior_service_years: int | None = strawberry.field(default=None, description="认定的此前工作年限（默认 0）/ Earlier "
                                                                                 "qualifying service, whole years "
                                                                                 "(default 0).")
    incompetent_years: int | None = strawberry.field(default=None, description="以往不称职年数，不计工龄（默认 0）/ Past "
                                                                               "years assessed 不称职, not counted as "
                                                                               "service (default 0).")
    education: Education | None = strawberry.field(default=None, description="学历（默认高中/中专及以下）/ Education "
                                                                             "(default SECONDARY).")
    certificate: Certificate | None = strawberry.field(default=None, description="职业资格证书（默认无）/ Certificate "
                                                                                 "(default NONE).")
    certificate_date: dt.date | None = strawberry.field(default=None, description="证书登记日期（有证书时必填）/ Date the "
                                                                                 "certificate was registered; required "
                                                                                 "unless NONE.")
    assessment: AssessmentResult | None = strawberry.field(default=None, description="本年度考核（默认取政策默认值）/ This "
                                                                                     "year's assessment; the policy's "
                                                                                     "default when omitted.")
    special_deduction_monthly: Money | None = strawberry.field(default=None, description="专项附加扣除（元/月，默认 0）/ "
                                                                                         "Special deductions, yuan per "
                                                                                         "month (default 0).")
    previous_monthly_pay: Money | None = strawberry.field(default=None, description="套改前月工资（元），用于保留补差 / "
                                                                                    "Monthly pay before conversion, "
                                                                                    "yuan; optional.")


@strawberry.input(description="新建发放批次 / Compute a DRAFT payroll run for a month over the city (no street or "
                              "community), a street or a community.")
class CreatePayrollRunInput:
    period: Period = strawberry.field(description="月份 / The month.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="街道范围 / Over a street.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="社区范围 / Over a community.")
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=None, description="辖区范围（市、县、区；须有自己的政策）；三者都不给时为唯一有政策的辖区 / Over a whole "
                                  "jurisdiction (city, county or district with a policy of its own); with none of the "
                                  "three, the one jurisdiction with a policy (the city, in a one-city installation).")


@strawberry.input(description="指定发放批次 / A payroll run.")
class PayrollRunInput:
    id: strawberry.ID = strawberry.field(description="发放批次 / Global id of the run, e.g. `PayrollRun:4`.")
