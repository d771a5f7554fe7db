"""Inputs of the records: filters (``where``), orderings (``orderBy``) and the
inputs of the mutations."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry

from api.graphql.core.enums import AssessmentResult, BonusTaxMethod, Certificate, Education, TaxBasicDeduction
from api.graphql.core.scalars import Money, Period
from api.graphql.core.types import OrderDirection

#: Worker fields an update may clear with an explicit null (absent is not
#: null: any other field refuses null with REQUIRED).
WORKER_CLEARABLE = ("service_end", "id_number", "phone", "bank_name", "bank_account", "certificate_date",
                    "previous_monthly_pay", "opening_through", "bonus_tax_method")
#: Position fields an update may clear with an explicit null (a vacancy, an open start or end).
POSITION_CLEARABLE = ("worker_id", "start_date", "end_date")


def _unchanged(zh: str, en: str, clearable: bool = False):
    """An optional field of an update input: left as it is when omitted; an
    explicit null clears it only when ``clearable`` (listed above)."""
    if clearable:
        return strawberry.field(default=strawberry.UNSET, description=f"{zh}；不填则不变，null 清除 / {en}; unchanged when "
                                                                      "omitted, null clears it.")
    return strawberry.field(default=strawberry.UNSET, description=f"{zh}；不填则不变，不可为 null / {en}; unchanged when "
                                                                  "omitted; null is refused (REQUIRED).")


@strawberry.input(description="街道筛选 / Filter streets.")
class StreetWhere:
    code: str | None = strawberry.field(default=None, description="代码等于 / Code equals.")
    name_contains: str | None = strawberry.field(default=None, description="名称包含 / Name contains.")
    jurisdiction_id: strawberry.ID | None = strawberry.field(default=None, description="所属辖区 / Of this "
                                                                                      "jurisdiction.")


@strawberry.enum(description="街道排序字段 / Sort streets by.")
class StreetOrderField(enum.Enum):
    CODE = strawberry.enum_value("code", description="按街道代码 / By code")
    NAME = strawberry.enum_value("name", description="按名称 / By name")


@strawberry.input(description="街道排序 / Street ordering.")
class StreetOrder:
    field: StreetOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


@strawberry.enum(description="辖区级别 / Level of a jurisdiction.")
class JurisdictionLevel(enum.Enum):
    CITY = strawberry.enum_value("CITY", description="市（地级市）/ A city (地级市).")
    COUNTY = strawberry.enum_value("COUNTY", description="县、县级市 / A county or county-level city.")
    DISTRICT = strawberry.enum_value("DISTRICT", description="区 / A district of a city.")


@strawberry.input(description="新建辖区（市、县、区）/ A new jurisdiction: a city, county or district.")
class CreateJurisdictionInput:
    code: str = strawberry.field(description="六位行政区划代码（唯一）/ Six-digit administrative division code, unique.")
    name: str = strawberry.field(description="名称，如 三门峡市 / Name, e.g. 三门峡市.")
    level: JurisdictionLevel = strawberry.field(description="级别 / Level.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="上级辖区（县、区属于市）/ The jurisdiction above (a county's or district's city).")
    population: int | None = strawberry.field(
        default=None, description="城镇常住人口（按万人配备标准用；不填按各社区常住人口之和）/ Urban resident population, "
                                  "for the staffing standard per 10,000 residents (default: the sum of its communities').")


@strawberry.input(description="修改辖区（不填的字段不变）/ Changes to a jurisdiction: fields left out are unchanged.")
class UpdateJurisdictionInput:
    id: strawberry.ID = strawberry.field(description="要修改的辖区 / Global id, e.g. `Jurisdiction:1`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description="六位行政区划代码 / Six-digit code.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="名称 / Name.")
    level: JurisdictionLevel | None = strawberry.field(default=strawberry.UNSET, description="级别 / Level.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="上级辖区；null 为无上级 / The jurisdiction above; null for none.")
    population: int | None = strawberry.field(
        default=strawberry.UNSET, description="城镇常住人口；null 为按各社区之和 / Urban resident population; null: the sum "
                                              "of its communities'.")


#: Jurisdiction fields an update may clear with an explicit null.
JURISDICTION_CLEARABLE = ("parent_id", "population")


@strawberry.input(description="新建街道 / A new street.")
class CreateStreetInput:
    code: str = strawberry.field(description="街道代码 / Unique code.")
    name: str = strawberry.field(description="名称 / Name.")
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=None, description="所属辖区；只有一个辖区时可不填 / The jurisdiction it belongs to; may be left out when "
                                  "there is only one.")


@strawberry.input(description="修改街道（不填的字段不变，不可为 null）/ Changes to a street: fields left out are "
                              "unchanged; null is refused.")
class UpdateStreetInput:
    id: strawberry.ID = strawberry.field(description="要修改的街道 / Global id of the street, e.g. `Street:1`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="新代码（唯一，至多 32 字）；不填则不变 / New unique code (≤ 32 characters); unchanged when omitted.",
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="新名称（至多 100 字）；不填则不变 / New name (≤ 100 characters); unchanged when omitted.",
    )
    jurisdiction_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="改属另一辖区（管理员；此后按该辖区政策发放）/ Move to another jurisdiction (ADMIN); its policy pays the "
                    "street from then on.",
    )


@strawberry.input(description="社区筛选 / Filter communities.")
class CommunityWhere:
    code: str | None = strawberry.field(default=None, description="代码等于 / Code equals.")
    name_contains: str | None = strawberry.field(default=None, description="名称包含 / Name contains.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="所属街道 / In this street.")


@strawberry.enum(description="社区排序字段 / Sort communities by.")
class CommunityOrderField(enum.Enum):
    CODE = strawberry.enum_value("code", description="按社区代码 / By code")
    NAME = strawberry.enum_value("name", description="按名称 / By name")
    HOUSEHOLDS = strawberry.enum_value("households", description="按户数 / By households")
    POPULATION = strawberry.enum_value("population", description="按常住人口 / By residents")


@strawberry.input(description="社区排序 / Community ordering.")
class CommunityOrder:
    field: CommunityOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


@strawberry.input(description="新建社区 / A new community.")
class CreateCommunityInput:
    code: str = strawberry.field(description="社区代码 / Unique code.")
    name: str = strawberry.field(description="名称 / Name.")
    street_id: strawberry.ID = strawberry.field(description="所属街道 / The street.")
    households: int = strawberry.field(default=0, description="户数 / Households.")
    population: int = strawberry.field(default=0, description="常住人口 / Residents.")


@strawberry.input(description="修改社区（不填的字段不变，不可为 null）/ Changes to a community: fields left out are "
                              "unchanged; null is refused.")
class UpdateCommunityInput:
    id: strawberry.ID = strawberry.field(description="要修改的社区 / Global id of the community, e.g. `Community:3`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read.")
    code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="新代码（唯一，至多 32 字）；不填则不变 / New unique code (≤ 32 characters); unchanged when omitted.",
    )
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="新名称（至多 100 字）；不填则不变 / New name (≤ 100 characters); unchanged when omitted.",
    )
    street_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="改属街道；不填则不变 / Move to this street; unchanged when omitted."
    )
    households: int | None = strawberry.field(default=strawberry.UNSET, description="户数（≥ 0，用于职数测算）；不填则不变 / "
                                                                                    "Households (≥ 0, used for staffing); "
                                                                                    "unchanged when omitted.")
    population: int | None = strawberry.field(default=strawberry.UNSET, description="常住人口（≥ 0，用于职数测算）；不填则不变"
                                                                                    " / Residents (≥ 0, used for staffing); "
                                                                                    "unchanged when omitted.")


@strawberry.input(description="岗位筛选 / Filter positions.")
class PositionWhere:
    community_id: strawberry.ID | None = strawberry.field(default=None, description="所属社区 / In this community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="所属街道 / In a community of this street.")
    post: str | None = strawberry.field(default=None, description="岗位类别，如 CHIEF / Of this policy post, e.g. CHIEF.")
    vacant: bool | None = strawberry.field(default=None, description="仅空缺 / Only vacant (true) or only held (false).")


@strawberry.input(description="新建岗位 / A new position.")
class CreatePositionInput:
    community_id: strawberry.ID = strawberry.field(description="所属社区 / The community, e.g. `Community:3`.")
    post: str = strawberry.field(description="政策中的岗位，如 CHIEF / A post of the policy.")
    title: str = strawberry.field(description="职务名称，如 党组织书记 / Title.")
    worker_id: strawberry.ID | None = strawberry.field(default=None, description="任职人；空缺时不填 / Holder; omit when vacant.")
    start_date: dt.date | None = strawberry.field(default=None, description="任职起始日期，可不填 / Held from; optional.")
    end_date: dt.date | None = strawberry.field(default=None, description="任职截止日期（不早于起始），可不填 / Held until "
                                                                          "(not before the start); optional.")


@strawberry.input(description="修改岗位（任免）/ Changes to a position (appoint, replace, end).")
class UpdatePositionInput:
    id: strawberry.ID = strawberry.field(description="要修改的岗位 / Global id of the position, e.g. `Position:5`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    post: str | None = _unchanged("新岗位类别（政策中的岗位）", "New policy post")
    title: str | None = _unchanged("新职务名称", "New title")
    worker_id: strawberry.ID | None = _unchanged("新任职人（同社区），null 为空缺", "New holder (same community); null makes "
                                                 "it vacant", clearable=True)
    start_date: dt.date | None = _unchanged("任职起始日期", "Held from", clearable=True)
    end_date: dt.date | None = _unchanged("任职截止日期（结束任职）", "Held until (ends the position)", clearable=True)


@strawberry.input(description="工作者筛选 / Filter workers.")
class WorkerWhere:
    code: str | None = strawberry.field(default=None, description="工号等于 / Code equals.")
    search: str | None = strawberry.field(default=None, description="工号、姓名或身份证号包含 / Code, name or identity number "
                                                                    "contains.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="所属社区 / In this community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="所属街道 / In this street.")
    post: str | None = strawberry.field(default=None, description="计薪岗位 / Paid post.")
    education: Education | None = strawberry.field(default=None, description="学历 / Education.")
    certificate: Certificate | None = strawberry.field(default=None, description="证书 / Certificate.")
    active_on: dt.date | None = strawberry.field(default=None, description="该日在岗 / In service on this date.")


@strawberry.enum(description="工作者排序字段 / Sort workers by.")
class WorkerOrderField(enum.Enum):
    CODE = strawberry.enum_value("code", description="按工号 / By worker code")
    NAME = strawberry.enum_value("name", description="按姓名 / By name")
    SERVICE_START = strawberry.enum_value("service_start", description="按参加工作时间 / By the date community work began")
    UPDATED_AT = strawberry.enum_value("updated_at", description="按最后修改时间 / By last change")


@strawberry.input(description="工作者排序 / Worker ordering.")
class WorkerOrder:
    field: WorkerOrderField = strawberry.field(description="排序字段 / The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="排序方向，不填为升序 / Direction; ascending when omitted."
    )


_WORKER_INPUT_DOC = "金额为元（字符串）/ Money in yuan as strings."



@strawberry.input(description="新建工作者 / A new worker. " + _WORKER_INPUT_DOC)
class CreateWorkerInput:
    code: str = strawberry.field(description="工号 / Unique worker code.")
    name: str = strawberry.field(description="姓名（至多 100 字）/ Name (≤ 100 characters).")
    community_id: strawberry.ID = strawberry.field(description="所属社区 / The community, e.g. `Community:3`.")
    post: str = strawberry.field(description="计薪岗位，如 CHIEF、DEPUTY、STAFF / A post of the policy.")
    service_start: dt.date = strawberry.field(description="参加社区工作时间，工龄由此起算 / Date community work began; "
                                                          "service years count from it.")
    service_end: dt.date | None = strawberry.field(default=None, description="离职日期（含），在职不填 / Last day of "
                                                                             "service (inclusive); omit while in service.")
    id_number: str | None = strawberry.field(default=None, description="身份证号（校验位）/ Identity number, checked.")
    phone: str | None = strawberry.field(default=None, description="电话（7–20 位数字），可不填 / Phone (7–20 digits); "
                                                                   "optional.")
    bank_name: str | None = strawberry.field(default=None, description="开户行，可不填 / Bank; optional.")
    bank_account: str | None = strawberry.field(default=None, description="银行账号（8–34 位数字），可不填 / Bank "
                                                                          "account number (8–34 digits); optional.")
    prior_service_years: int = strawberry.field(default=0, description="认定的此前工作年限（整年，默认 0）/ Earlier "
                                                                       "qualifying service credited, whole years "
                                                                       "(≥ 0, default 0).")
    incompetent_years_before: int = strawberry.field(default=0, description="系统记录之前的不称职年数，不计工龄（0–100，"
                                                                            "默认 0）/ 不称职 years before the assessments "
                                                                            "recorded here; not counted as service "
                                                                            "(0–100, default 0).")
    education: Education = strawberry.field(default=Education.SECONDARY, description="学历，不填为高中/中专及以下 / "
                                                                                     "Education; SECONDARY when omitted.")
    certificate: Certificate = strawberry.field(default=Certificate.NONE, description="社工职业资格证书，不填为无 / "
                                                                                      "Social-work certificate; NONE when "
                                                                                      "omitted.")
    certificate_date: dt.date | None = strawberry.field(default=None, description="证书登记日期（有证书时必填，当月起计）/ "
                                                                                  "Date the certificate was registered: "
                                                                                  "required unless NONE; counts from "
                                                                                  "that month.")
    special_deduction_monthly: Money = strawberry.field(default=0, description="专项附加扣除（元/月，默认 0）/ Special "
                                                                               "deductions declared for income tax, "
                                                                               "yuan per month (≥ 0, default 0).")
    previous_monthly_pay: Money | None = strawberry.field(default=None, description="套改前月工资（元），用于保留补差 / "
                                                                                    "Monthly pay before conversion "
                                                                                    "(套改), yuan: new pay is topped up "
                                                                                    "to it. Optional.")
    opening_through: Period | None = strawberry.field(default=None, description="期初：原系统已发放至（YYYY-MM），无则不填 / "
                                                                                "Opening balances: last month paid by the "
                                                                                "system used before (no payslip here for "
                                                                                "it or earlier); omit when none.")
    opening_months: int = strawberry.field(default=0, description="期初：本年已计税月数（默认 0）/ Opening: months of the "
                                                                  "year already taxed (default 0).")
    opening_income: Money = strawberry.field(default=0, description="期初：本年累计收入（元）/ Opening: income of the "
                                                                    "year so far, yuan (default 0).")
    opening_deductions: Money = strawberry.field(default=0, description="期初：累计社保公积金及专项附加扣除（元，不含基本减除）"
                                                                        "/ Opening: contributions and special deductions "
                                                                        "so far, yuan, not the basic deduction (default 0).")
    opening_tax: Money = strawberry.field(default=0, description="期初：本年已预扣个税（元）/ Opening: income tax withheld "
                                                                 "this year so far, yuan (default 0).")
    opening_reserve: Money = strawberry.field(default=0, description="期初：已计提未发放的绩效预留（元）/ Opening: "
                                                                     "performance reserve accrued and not yet paid, "
                                                                     "yuan (default 0).")
    tax_basic_deduction: TaxBasicDeduction | None = strawberry.field(
        default=strawberry.UNSET, description="累计减除费用规则（纳税年度 taxYear；不填为按月累计）/ Basic deduction rule of the tax "
                                  "year taxYear; MONTHLY when omitted.")
    bonus_tax_method: BonusTaxMethod | None = strawberry.field(
        default=strawberry.UNSET, description="年终奖计税方式（纳税年度 taxYear；不填按政策）/ How the year-end payout of taxYear is "
                                  "taxed; the policy's method when omitted.")
    tax_year: int | None = strawberry.field(default=strawberry.UNSET, description="上两项所属纳税年度（默认今年）/ The tax "
                                                                                  "year of the two fields above "
                                                                                  "(default: this year).")


@strawberry.input(description="修改工作者（只改给出的字段；null 只可清除注明可清除的字段）/ Changes to a worker: only "
                              "the fields given change; null clears only the fields that say so. " + _WORKER_INPUT_DOC)
class UpdateWorkerInput:
    id: strawberry.ID = strawberry.field(description="要修改的工作者 / Global id of the worker, e.g. `Worker:12`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    code: str | None = _unchanged("新工号（唯一）", "New unique worker code")
    name: str | None = _unchanged("姓名", "Name")
    community_id: strawberry.ID | None = _unchanged("调往社区（原社区的岗位于前一日结束，未开始的岗位空出）",
                                                    "Move to this community (its posts in the old one end the day before "
                                                    "— today — and those not begun yet are left vacant)")
    post: str | None = _unchanged("计薪岗位（任免岗位时自动更新）", "Paid post (also set by position changes)")
    service_start: dt.date | None = _unchanged("参加社区工作时间", "Date community work began")
    service_end: dt.date | None = _unchanged("离职日期（含）", "Last day of service (inclusive)", clearable=True)
    id_number: str | None = _unchanged("身份证号（重新得出出生日期、性别）", "Identity number (birth date and sex follow it)",
                                       clearable=True)
    phone: str | None = _unchanged("电话", "Phone", clearable=True)
    bank_name: str | None = _unchanged("开户行", "Bank", clearable=True)
    bank_account: str | None = _unchanged("银行账号", "Bank account number", clearable=True)
    prior_service_years: int | None = _unchanged("认定的此前工作年限", "Earlier qualifying service, whole years")
    incompetent_years_before: int | None = _unchanged("系统记录之前的不称职年数", "不称职 years before the recorded assessments")
    education: Education | None = _unchanged("学历", "Education")
    certificate: Certificate | None = _unchanged("职业资格证书", "Social-work certificate")
    certificate_date: dt.date | None = _unchanged("证书登记日期", "Date the certificate was registered", clearable=True)
    special_deduction_monthly: Money | None = _unchanged("专项附加扣除（元/月）", "Special deductions, yuan per month")
    previous_monthly_pay: Money | None = _unchanged("套改前月工资（元）", "Monthly pay before conversion, yuan", clearable=True)
    opening_through: Period | None = _unchanged("期初：原系统已发放至", "Opening: last month paid by the system used before",
                                                clearable=True)
    opening_months: int | None = _unchanged("期初：已计税月数", "Opening: months already taxed")
    opening_income: Money | None = _unchanged("期初：累计收入（元）", "Opening: income so far, yuan")
    opening_deductions: Money | None = _unchanged("期初：累计扣除（元）", "Opening: contributions and special deductions, yuan")
    opening_tax: Money | None = _unchanged("期初：已预扣税额（元）", "Opening: tax withheld so far, yuan")
    opening_reserve: Money | None = _unchanged("期初：未发绩效预留（元）", "Opening: performance reserve accrued, unpaid, yuan")
    tax_basic_deduction: TaxBasicDeduction | None = _unchanged("累计减除费用规则（纳税年度 taxYear）",
                                                               "Basic deduction rule of the tax year taxYear")
    bonus_tax_method: BonusTaxMethod | None = _unchanged("年终奖计税方式（纳税年度 taxYear），null 为按政策",
                                                         "How taxYear's year-end payout is taxed; null: the policy's method",
                                                         clearable=True)
    tax_year: int | None = _unchanged("上两项所属纳税年度（默认今年）", "The tax year of the two fields above (default: this year)")


@strawberry.input(description="离职 / A worker leaves: the last day of service.")
class EndWorkerServiceInput:
    id: strawberry.ID = strawberry.field(description="离职的工作者 / Global id of the worker who leaves.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    service_end: dt.date = strawberry.field(description="最后工作日（含）/ Last day of service (inclusive).")


@strawberry.input(description="一名工作者的考核结果 / One worker's assessment.")
class AssessmentEntry:
    worker_id: strawberry.ID = strawberry.field(description="工作者 / Global id of the worker, e.g. `Worker:12`.")
    result: AssessmentResult = strawberry.field(description="考核结果 / The result; replaces one already recorded "
                                                            "for the year.")


@strawberry.input(description="录入年度考核 / Record a year's assessments for several workers at once.")
class RecordAssessmentsInput:
    year: int = strawberry.field(description="考核年度（1990–2100）/ The year assessed (1990–2100).")
    entries: list[AssessmentEntry] = strawberry.field(description="各工作者的结果（至少一条，每人一次）/ One result per "
                                                                  "worker; at least one, no worker twice.")
