"""社区工作者 Workers and their assessments: type, filters, queries, mutations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

import peewee as pw
import strawberry
from strawberry.types import Info

from payroll.periods import Period as PeriodValue

from api.auth import Principal
from api.db.threads import run_db
from api.errors import ErrorCode, UserErrors
from api.db.models import Assessment as AssessmentRecord
from api.db.models import Community as CommunityRecord
from api.db.models import Position as PositionRecord
from api.db.models import Worker as WorkerRecord
from api.services import records
from api.services.identity import mask
from api.graphql.core.connection import Connection, OrderKey, order_keys, paginate
from api.graphql.core.ids import from_global_id, input_global_id, to_global_id
from api.graphql.core.prefetch import attached, relation_by_id, values_of
from api.graphql.core.loaders import by_id, many_by, register_loader
from api.graphql.core.mutations import provided, run_mutation
from api.graphql.core.scalars import Money, Period
from api.graphql.core.sqlrender import GLOBAL_ID, MONEY, Column
from api.graphql.core.sqlrender import Relation as SqlRelation
from api.graphql.core.sqlrender import sql_type
from api.graphql.core.types import OrderDirection, UserError, build
from api.graphql.enums import AssessmentResult, Certificate, Education, Sex
from api.graphql.scoping import require_visible_community

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.payroll.types import Payslip, PayslipOrder
    from api.graphql.positions import Position
    from api.graphql.promotions import Promotion


@strawberry.type(description="年度考核 / A year's assessment (年度考核) of a worker.")
class Assessment:
    year: int = strawberry.field(description="年度 / Year.")
    result: AssessmentResult = strawberry.field(description="结果 / Result.")
    recorded_at: dt.datetime = strawberry.field(description="录入时间 / When it was recorded (UTC).")

    @classmethod
    def from_row(cls, row: AssessmentRecord) -> Assessment:
        return cls(year=row.year, result=AssessmentResult(row.result), recorded_at=row.recorded_at)


@strawberry.type(description="社区工作者 / A community worker (社区工作者) with every input of the salary model. "
                             "Identity number, phone and bank account are masked for VIEWER tokens.")
class Worker:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Worker:12`.")
    code: str = strawberry.field(description="工号 / Worker code (worker_id), unique.")
    name: str = strawberry.field(description="姓名 / Name.")
    id_number: str | None = strawberry.field(description="身份证号（可能脱敏）/ Identity number (masked for some roles).")
    birth_date: dt.date | None = strawberry.field(description="出生日期（由身份证号得出）/ Birth date, from the identity number.")
    sex: Sex | None = strawberry.field(description="性别（由身份证号得出）/ Sex, from the identity number.")
    phone: str | None = strawberry.field(description="电话（可能脱敏）/ Phone (masked for some roles).")
    bank_name: str | None = strawberry.field(description="开户行 / Bank.")
    bank_account: str | None = strawberry.field(description="银行账号（可能脱敏）/ Bank account (masked for some roles).")
    post: str = strawberry.field(description="计薪岗位（政策中的岗位，如 CHIEF）/ The post the worker is paid for: the highest "
                                             "post among the positions held (a key of the policy's posts).")
    service_start: dt.date = strawberry.field(description="参加社区工作时间 / Date community work began.")
    service_end: dt.date | None = strawberry.field(description="离职日期（含）/ Last day of service, if left.")
    prior_service_years: int = strawberry.field(description="认定的此前工作年限 / Earlier qualifying service credited, in years.")
    incompetent_years_before: int = strawberry.field(description="系统记录之前的不称职年数 / 不称职 years before the "
                                                                 "assessments recorded here.")
    education: Education = strawberry.field(description="学历 / Education.")
    certificate: Certificate = strawberry.field(description="职业资格证书 / Certificate.")
    certificate_date: dt.date | None = strawberry.field(description="证书登记日期 / Date the certificate was registered.")
    special_deduction_monthly: Money = strawberry.field(description="专项附加扣除（元/月）/ Special deduction declared, per month.")
    previous_monthly_pay: Money | None = strawberry.field(description="套改前月工资 / Monthly pay before conversion (套改).")
    opening_through: Period | None = strawberry.field(description="期初：原系统已发放至 / Last month paid by the system used "
                                                                  "before (opening balances).")
    opening_months: int = strawberry.field(description="期初：已计税月数 / Opening: months already taxed.")
    opening_income: Money = strawberry.field(description="期初：累计收入 / Opening: income so far.")
    opening_deductions: Money = strawberry.field(description="期初：累计扣除（不含基本减除）/ Opening: contributions and "
                                                             "special deductions so far.")
    opening_tax: Money = strawberry.field(description="期初：已预扣税额 / Opening: tax withheld so far.")
    opening_reserve: Money = strawberry.field(description="期初：未发绩效预留 / Opening: performance reserve accrued, unpaid.")
    version: int = strawberry.field(description="版本号 / Record version; updates must send it back.")
    updated_at: dt.datetime = strawberry.field(description="最后修改时间 / Last change (UTC).")
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: WorkerRecord, principal: Principal) -> Worker:
        return cls.from_values(values_of(row), principal)

    @classmethod
    def from_values(cls, v: dict, principal: Principal) -> Worker:
        """From a worker's column values by field name (a model's ``__data__`` or a
        ``.dicts()`` row, which skips building a model: lists of workers are hot)."""
        personal = principal.sees_personal_data
        return build(cls, dict(
            id=to_global_id("Worker", v["id"]),
            code=v["code"],
            name=v["name"],
            id_number=v["id_number"] if personal else mask(v["id_number"]),
            birth_date=v["birth_date"],
            sex=Sex(v["sex"]) if v["sex"] else None,
            phone=v["phone"] if personal else mask(v["phone"], 3, 4),
            bank_name=v["bank_name"],
            bank_account=v["bank_account"] if personal else mask(v["bank_account"]),
            post=v["post"],
            service_start=v["service_start"],
            service_end=v["service_end"],
            prior_service_years=v["prior_service_years"],
            incompetent_years_before=v["incompetent_years_before"],
            education=Education(v["education"]),
            certificate=Certificate(v["certificate"]),
            certificate_date=v["certificate_date"],
            special_deduction_monthly=v["special_deduction_monthly"],
            previous_monthly_pay=v["previous_monthly_pay"],
            opening_through=PeriodValue.parse(v["opening_through"]) if v["opening_through"] else None,
            opening_months=v["opening_months"],
            opening_income=v["opening_income"],
            opening_deductions=v["opening_deductions"],
            opening_tax=v["opening_tax"],
            opening_reserve=v["opening_reserve"],
            version=v["version"],
            updated_at=v["updated_at"],
            pk=v["id"],
            community_pk=v["community"],
        ))

    @strawberry.field(description="所属社区 / The community.")
    def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")]:
        found, value = attached(self, "community")
        return value if found else info.context.loaders.community.load(self.community_pk)

    @strawberry.field(description="年度考核（按年份）/ Assessments by year.")
    async def assessments(self, info: Info) -> list[Assessment]:
        return await info.context.loaders.assessments_by_worker.load(self.pk)

    @strawberry.field(description="担任的岗位 / Positions held (titles such as 党组织书记、居委会主任).")
    async def positions(self, info: Info) -> list[Annotated[Position, strawberry.lazy(".positions")]]:
        return await info.context.loaders.positions_by_worker.load(self.pk)

    @strawberry.field(description="下次晋级（按现行政策与已录入考核推算，不预测今后取得的证书）/ The next promotion: when "
                                  "the next grade comes and which, by the engine's rules, the published policy versions "
                                  "and the assessments recorded (certificates registered later are not predicted). "
                                  "Null at the post's highest grade or when the worker leaves first.")
    async def next_promotion(
        self,
        info: Info,
        on: Annotated[dt.date | None, strawberry.argument(description="从哪天起算（默认今天）/ Look ahead from the month "
                                                                      "of this day (default: today).")] = None,
    ) -> Annotated[Promotion, strawberry.lazy(".promotions")] | None:
        # The loader is registered by .promotions, imported with the Promotion type.
        return await info.context.loaders.next_promotion.load((self.pk, on or dt.date.today()))

    @strawberry.field(description="工资条 / The worker's payslips, newest first by default.")
    async def payslips(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: list[Annotated[PayslipOrder, strawberry.lazy(".payroll.types")]] | None = None,
    ) -> Connection[Annotated[Payslip, strawberry.lazy(".payroll.types")]]:
        from api.graphql.payroll.queries import list_payslips

        return await list_payslips(info, first, after, last, before, None, order_by, worker_pk=self.pk, newest_first=True)


# Identity number, phone and bank account (masked by role), dates and enums
# are converted in Python: a selection with them takes the ordinary path.
sql_type("Worker", WorkerRecord, columns={
    "id": Column(WorkerRecord.id, GLOBAL_ID),
    "code": WorkerRecord.code,
    "name": WorkerRecord.name,
    "bank_name": WorkerRecord.bank_name,
    "post": WorkerRecord.post,
    "prior_service_years": WorkerRecord.prior_service_years,
    "incompetent_years_before": WorkerRecord.incompetent_years_before,
    "special_deduction_monthly": Column(WorkerRecord.special_deduction_monthly, MONEY),
    "previous_monthly_pay": Column(WorkerRecord.previous_monthly_pay, MONEY),
    "opening_months": WorkerRecord.opening_months,
    "opening_income": Column(WorkerRecord.opening_income, MONEY),
    "opening_deductions": Column(WorkerRecord.opening_deductions, MONEY),
    "opening_tax": Column(WorkerRecord.opening_tax, MONEY),
    "opening_reserve": Column(WorkerRecord.opening_reserve, MONEY),
    "version": WorkerRecord.version,
}, relations={"community": SqlRelation(WorkerRecord.community, "Community")})
relation_by_id("Worker", "community", key="community_pk", target="Community",
               model="Community", node="api.graphql.communities:Community")


@register_loader("worker")
def _worker_loader(principal):
    return by_id(WorkerRecord, lambda row: Worker.from_row(row, principal))


@register_loader("assessments_by_worker")
def _assessments_loader(principal):
    return many_by(AssessmentRecord, AssessmentRecord.worker, Assessment.from_row, order=(AssessmentRecord.year,))


@register_loader("positions_by_worker")
def _positions_loader(principal):
    from api.graphql.positions import Position

    return many_by(PositionRecord, PositionRecord.worker, Position.from_row, order=(PositionRecord.id,))


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


_ORDER_FIELDS = {
    "code": WorkerRecord.code,
    "name": WorkerRecord.name,
    "service_start": WorkerRecord.service_start,
    "updated_at": WorkerRecord.updated_at,
}


async def list_workers(
    info: Info, first, after, last, before, where: WorkerWhere | None, order_by, community_pk: int | None = None
) -> Connection[Worker]:
    principal = info.context.principal
    community_filter = from_global_id(where.community_id, "Community", "where.communityId") if where and where.community_id else None
    street_filter = from_global_id(where.street_id, "Street", "where.streetId") if where and where.street_id else None

    def build() -> pw.ModelSelect:
        query = WorkerRecord.select(WorkerRecord).join(CommunityRecord, on=(WorkerRecord.community == CommunityRecord.id))
        scope = principal.community_filter(CommunityRecord)
        if scope is not None:
            query = query.where(scope)
        if community_pk is not None:
            query = query.where(WorkerRecord.community == community_pk)
        if where:
            if where.code is not None:
                query = query.where(WorkerRecord.code == where.code)
            if where.search:
                text = where.search.strip()
                condition = WorkerRecord.code.contains(text) | WorkerRecord.name.contains(text)
                if principal.sees_personal_data:
                    condition = condition | WorkerRecord.id_number.contains(text)
                query = query.where(condition)
            if community_filter is not None:
                query = query.where(WorkerRecord.community == community_filter)
            if street_filter is not None:
                query = query.where(CommunityRecord.street == street_filter)
            if where.post:
                query = query.where(WorkerRecord.post == where.post.upper())
            if where.education:
                query = query.where(WorkerRecord.education == where.education.value)
            if where.certificate:
                query = query.where(WorkerRecord.certificate == where.certificate.value)
            if where.active_on:
                day = where.active_on
                query = query.where(
                    (WorkerRecord.service_start <= day)
                    & (WorkerRecord.service_end.is_null() | (WorkerRecord.service_end >= day))
                )
        return query

    keys = order_keys(order_by, _ORDER_FIELDS, [OrderKey(WorkerRecord.code)], WorkerRecord.id)
    return await paginate(build, keys, lambda row: Worker.from_row(row, principal), first, after, last, before,
                          info=info, type_name="Worker")


@strawberry.type
class WorkerQueries:
    @strawberry.field(description="工作者列表 / Workers (HR tokens see their own streets and communities).")
    async def workers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: WorkerWhere | None = None,
        order_by: list[WorkerOrder] | None = None,
    ) -> Connection[Worker]:
        return await list_workers(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或工号取工作者 / One worker by id or code.")
    async def worker(self, info: Info, id: strawberry.ID | None = None, code: str | None = None) -> Worker | None:
        principal = info.context.principal
        pk = from_global_id(id, "Worker") if id is not None else None

        def load():
            query = WorkerRecord.select(WorkerRecord, CommunityRecord.street).join(CommunityRecord)
            query = query.where(WorkerRecord.id == pk) if pk is not None else query.where(WorkerRecord.code == code)
            return query.first()

        row = await run_db(load)
        if row is None:
            return None
        require_visible_community(principal, row.community_id, row.community.street_id, "worker")
        return Worker.from_row(row, principal)


# --- mutations -------------------------------------------------------------------------------

_WORKER_INPUT_DOC = "金额为元（字符串）/ Money in yuan as strings."


def _unchanged(zh: str, en: str):
    """An optional field of an update input: left as it is when omitted."""
    return strawberry.field(default=strawberry.UNSET, description=f"{zh}；不填则不变 / {en}; unchanged when omitted.")


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


@strawberry.input(description="修改工作者（只改给出的字段）/ Changes to a worker: only the fields given change. "
                              + _WORKER_INPUT_DOC)
class UpdateWorkerInput:
    id: strawberry.ID = strawberry.field(description="要修改的工作者 / Global id of the worker, e.g. `Worker:12`.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    code: str | None = _unchanged("新工号（唯一）", "New unique worker code")
    name: str | None = _unchanged("姓名", "Name")
    community_id: strawberry.ID | None = _unchanged("调往社区", "Move to this community")
    post: str | None = _unchanged("计薪岗位（任免岗位时自动更新）", "Paid post (also set by position changes)")
    service_start: dt.date | None = _unchanged("参加社区工作时间", "Date community work began")
    service_end: dt.date | None = _unchanged("离职日期（含），null 清除", "Last day of service (inclusive), null clears it")
    id_number: str | None = _unchanged("身份证号（重新得出出生日期、性别）", "Identity number (birth date and sex follow it)")
    phone: str | None = _unchanged("电话", "Phone")
    bank_name: str | None = _unchanged("开户行", "Bank")
    bank_account: str | None = _unchanged("银行账号", "Bank account number")
    prior_service_years: int | None = _unchanged("认定的此前工作年限", "Earlier qualifying service, whole years")
    incompetent_years_before: int | None = _unchanged("系统记录之前的不称职年数", "不称职 years before the recorded assessments")
    education: Education | None = _unchanged("学历", "Education")
    certificate: Certificate | None = _unchanged("职业资格证书", "Social-work certificate")
    certificate_date: dt.date | None = _unchanged("证书登记日期", "Date the certificate was registered")
    special_deduction_monthly: Money | None = _unchanged("专项附加扣除（元/月）", "Special deductions, yuan per month")
    previous_monthly_pay: Money | None = _unchanged("套改前月工资（元）", "Monthly pay before conversion, yuan")
    opening_through: Period | None = _unchanged("期初：原系统已发放至", "Opening: last month paid by the system used before")
    opening_months: int | None = _unchanged("期初：已计税月数", "Opening: months already taxed")
    opening_income: Money | None = _unchanged("期初：累计收入（元）", "Opening: income so far, yuan")
    opening_deductions: Money | None = _unchanged("期初：累计扣除（元）", "Opening: contributions and special deductions, yuan")
    opening_tax: Money | None = _unchanged("期初：已预扣税额（元）", "Opening: tax withheld so far, yuan")
    opening_reserve: Money | None = _unchanged("期初：未发绩效预留（元）", "Opening: performance reserve accrued, unpaid, yuan")


@strawberry.input(description="离职 / A worker leaves: the last day of service.")
class EndWorkerServiceInput:
    id: strawberry.ID = strawberry.field(description="离职的工作者 / Global id of the worker who leaves.")
    version: int = strawberry.field(description="读取时的版本号 / The version you read; a stale one is a CONFLICT.")
    service_end: dt.date = strawberry.field(description="最后工作日（含）/ Last day of service (inclusive).")


@strawberry.type(description="工作者变更结果 / Result of a worker mutation.")
class WorkerPayload:
    worker: Worker | None = strawberry.field(description="保存后的工作者；有错误时为空 / The worker as saved; null when "
                                                         "there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


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


@strawberry.type(description="考核录入结果 / Result of recording assessments.")
class RecordAssessmentsPayload:
    recorded: int = strawberry.field(description="录入条数 / How many were recorded.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was recorded.")


def _values(input_data, *exclude: str) -> dict:
    values = provided(input_data, *exclude)
    for key in ("education", "certificate"):
        if isinstance(values.get(key), enum.Enum):
            values[key] = values[key].value
    for key in ("opening_through",):
        if values.get(key) is not None:
            values[key] = str(values[key])
    if "community_id" in values:
        values["community_id"] = input_global_id(values["community_id"], "Community", "communityId")
    return values


@strawberry.type
class WorkerMutations:
    @strawberry.mutation(description="新建工作者 / Create a worker.")
    async def create_worker(self, info: Info, input: CreateWorkerInput) -> WorkerPayload:
        principal = info.context.principal
        row, errors = await run_mutation(lambda: records.create_worker(principal, _values(input)))
        return WorkerPayload(worker=Worker.from_row(row, principal) if row else None, errors=errors)

    @strawberry.mutation(description="修改工作者 / Update a worker.")
    async def update_worker(self, info: Info, input: UpdateWorkerInput) -> WorkerPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Worker", "id")
            return records.update_worker(principal, pk, input.version, _values(input, "id", "version"))

        row, errors = await run_mutation(update)
        return WorkerPayload(worker=Worker.from_row(row, principal) if row else None, errors=errors)

    @strawberry.mutation(description="离职：设置最后工作日（当月发放累计绩效）/ A worker leaves: set the last day of service "
                                     "(the accrued performance reserve is paid that month).")
    async def end_worker_service(self, info: Info, input: EndWorkerServiceInput) -> WorkerPayload:
        principal = info.context.principal

        def end():
            pk = input_global_id(input.id, "Worker", "id")
            return records.end_worker_service(principal, pk, input.version, input.service_end)

        row, errors = await run_mutation(end)
        return WorkerPayload(worker=Worker.from_row(row, principal) if row else None, errors=errors)

    @strawberry.mutation(description="录入年度考核 / Record the year's assessments (优秀、称职、基本称职、不称职).")
    async def record_assessments(self, info: Info, input: RecordAssessmentsInput) -> RecordAssessmentsPayload:
        principal = info.context.principal

        def record():
            entries = []
            for i, entry in enumerate(input.entries):
                pk = input_global_id(entry.worker_id, "Worker", f"entries[{i}].workerId")
                entries.append((pk, entry.result.value))
            if not entries:
                raise UserErrors.one("entries", ErrorCode.REQUIRED, "entries: give at least one worker")
            return records.record_assessments(principal, input.year, entries)

        saved, errors = await run_mutation(record)
        return RecordAssessmentsPayload(recorded=len(saved) if saved else 0, errors=errors)
