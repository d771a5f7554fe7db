"""The records as GraphQL types: streets, communities, positions, workers and
assessments.

Each type shows one view of :mod:`api.reads.records` (``@node``) and is built
from the view's values by ``from_values`` — its one constructor.  Nested
fields read through the same layer, limited to the caller's scope: a related
record the caller may not see is null, a nested list leaves it out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from payroll.periods import Period as PeriodValue

from api.db.threads import run_db
from api.fastpath.views import node
from api.files.urls import workers_file_path
from api.graphql.core.connection import After, Before, Connection, First, Last
from api.graphql.core.enums import AssessmentResult, BonusTaxMethod, Certificate, Education, Sex, TaxBasicDeduction
from api.graphql.core.ids import to_global_id
from api.graphql.core.loaders import related
from api.graphql.core.scalars import Money, Period
from api.graphql.core.types import OrderBy, UserError, Where, build
from api.graphql.records import lists
from api.graphql.records.inputs import (
    CommunityOrder,
    CommunityWhere,
    JurisdictionLevel,
    StreetOrder,
    StreetWhere,
    WorkerOrder,
    WorkerWhere,
)
from api.reads import records as reads
from api.reads.promotions import next_promotions

if TYPE_CHECKING:
    from api.graphql.payroll.inputs import PayslipOrder
    from api.graphql.payroll.types import Payslip
    from api.graphql.policies.types import Policy

PAYROLL_TYPES = "api.graphql.payroll.types"
TaxYear = Annotated[int | None, strawberry.argument(description="纳税年度（默认今年）/ The tax year (default: this year).")]
PAYROLL_INPUTS = "api.graphql.payroll.inputs"


POLICY_TYPES = "api.graphql.policies.types"


@node(reads.JURISDICTION)
@strawberry.type(description="辖区 / A jurisdiction (行政区划): a city (市), county (县) or district (区). It owns streets and "
                             "publishes its own policies; one without an active policy of its own is paid under its "
                             "nearest ancestor's.")
class Jurisdiction:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Jurisdiction:1`.")
    code: str = strawberry.field(description="行政区划代码 / Administrative division code (six digits).")
    name: str = strawberry.field(description="名称，如 三门峡市 / Name, e.g. 三门峡市.")
    level: JurisdictionLevel = strawberry.field(description="级别 / Level.")
    population: int | None = strawberry.field(description="城镇常住人口（未填为空）/ Urban resident population as "
                                                          "recorded; null when not recorded.")
    version: int = strawberry.field(description="版本号：更新时须提交 / Record version; updates must send it back.")
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Jurisdiction:
        return build(cls, dict(id=to_global_id("Jurisdiction", v["id"]), code=v["code"], name=v["name"],
                               level=JurisdictionLevel(v["level"]), population=v["population"], version=v["version"],
                               pk=v["id"], parent_pk=v["parent"]))

    @strawberry.field(description="上级辖区（无上级或不在令牌范围内时为空）/ The jurisdiction above; null at the top or "
                                  "when outside the token's scope.")
    def parent(self, info: Info) -> Jurisdiction | None:
        return related(self, info)

    @strawberry.field(description="下级辖区 / The jurisdictions directly below (the token's scope applies).")
    async def children(self, info: Info) -> list[Jurisdiction]:
        rows = await info.context.loaders.of(reads.children_of_jurisdictions).load(self.pk)
        return [Jurisdiction.from_values(v) for v in rows]

    @strawberry.field(description="所辖街道 / The jurisdiction's own streets.")
    async def streets(self, info: Info, first: First = None, after: After = None, last: Last = None,
                      before: Before = None, where: Where[StreetWhere] = None,
                      order_by: OrderBy[StreetOrder] = None) -> Connection[Street]:
        return await lists.streets(info, first, after, last, before, where, order_by, jurisdiction_pk=self.pk)

    @strawberry.field(description="适用的政策：本辖区启用的政策，没有则为最近上级的 / The policy its streets are paid under: "
                                  "its own active policy, else its nearest ancestor's.")
    async def policy_in_force(self, info: Info) -> Annotated[Policy, strawberry.lazy(POLICY_TYPES)] | None:
        from api.graphql.policies.types import Policy
        from api.reads.policies import policy

        stored = await run_db(policy, info.context.principal, jurisdiction_pk=self.pk)
        return Policy.of(stored) if stored is not None else None


@node(reads.STREET)
@strawberry.type(description="街道 / A street office (街道办事处) of a jurisdiction: the unit HR staff are scoped to; it "
                             "has communities.")
class Street:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Street:1`.")
    code: str = strawberry.field(description="街道代码 / The street's code, unique.")
    name: str = strawberry.field(description="名称 / Name, e.g. 颍川街道.")
    version: int = strawberry.field(description="版本号：更新时须提交 / Record version; updates must send it back.")
    pk: strawberry.Private[int]
    jurisdiction_pk: strawberry.Private[int]

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Street:
        return build(cls, dict(id=to_global_id("Street", v["id"]), code=v["code"], name=v["name"],
                               version=v["version"], pk=v["id"], jurisdiction_pk=v["jurisdiction"]))

    @strawberry.field(description="所属辖区（不在令牌范围内时为空）/ The jurisdiction; null when outside the token's scope.")
    def jurisdiction(self, info: Info) -> Jurisdiction | None:
        return related(self, info)

    @strawberry.field(description="下辖社区 / The street's communities.")
    async def communities(self, info: Info, first: First = None, after: After = None, last: Last = None,
                          before: Before = None, where: Where[CommunityWhere] = None,
                          order_by: OrderBy[CommunityOrder] = None) -> Connection[Community]:
        return await lists.communities(info, first, after, last, before, where, order_by, street_pk=self.pk)

    @strawberry.field(description="工作者名册（.xlsx；把结尾换成 .csv 得 CSV）：编辑后可再导入，带“版本”列 / Where to download "
                                  "the street's workers file (工作者名册, .xlsx; the same path ending .csv gives CSV) "
                                  "with the import's headings and a 版本 (version) column, to edit and import again.")
    def workers_file(self) -> str:
        return workers_file_path("xlsx", street_id=self.id)


@node(reads.COMMUNITY)
@strawberry.type(description="社区 / A community (社区) of a street, with its households and residents.")
class Community:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Community:3`.")
    code: str = strawberry.field(description="社区代码 / Unique code.")
    name: str = strawberry.field(description="名称 / Name, e.g. 红星社区.")
    households: int = strawberry.field(description="户数 / Households.")
    population: int = strawberry.field(description="常住人口 / Residents.")
    version: int = strawberry.field(description="版本号 / Record version; updates must send it back.")
    pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Community:
        return build(cls, dict(id=to_global_id("Community", v["id"]), code=v["code"], name=v["name"],
                               households=v["households"], population=v["population"], version=v["version"],
                               pk=v["id"], street_pk=v["street"]))

    @strawberry.field(description="所属街道（不在令牌范围内时为空）/ The street; null when outside the token's scope.")
    def street(self, info: Info) -> Street | None:
        return related(self, info)

    @strawberry.field(description="社区工作者 / The community's workers.")
    async def workers(self, info: Info, first: First = None, after: After = None, last: Last = None,
                      before: Before = None, where: Where[WorkerWhere] = None,
                      order_by: OrderBy[WorkerOrder] = None) -> Connection[Worker]:
        return await lists.workers(info, first, after, last, before, where, order_by, community_pk=self.pk)

    @strawberry.field(description="工作者名册（.xlsx；把结尾换成 .csv 得 CSV）：编辑后可再导入，带“版本”列 / Where to download "
                                  "the community's workers file (工作者名册, .xlsx; the same path ending .csv gives CSV) "
                                  "with the import's headings and a 版本 (version) column, to edit and import again.")
    def workers_file(self) -> str:
        return workers_file_path("xlsx", community_id=self.id)

    @strawberry.field(description="岗位（含空缺）/ The community's positions, held or vacant.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await info.context.loaders.of(reads.positions_of_communities).load(self.pk)
        return [Position.from_values(v) for v in rows]


@node(reads.POSITION)
@strawberry.type(description="岗位 / A position: a post of the policy in a community with a title (党组织书记、居委会主任、"
                             "副主任、网格员 …). One person may hold several (交叉任职/“一肩挑”) and is paid once, for the "
                             "highest post.")
class Position:
    id: strawberry.ID = strawberry.field(description="编号 / Global id.")
    post: str = strawberry.field(description="岗位类别（政策中的岗位）/ The policy post, e.g. CHIEF.")
    title: str = strawberry.field(description="职务名称 / Title, e.g. 居委会主任.")
    start_date: dt.date | None = strawberry.field(description="任职起始 / Held from.")
    end_date: dt.date | None = strawberry.field(description="任职截止 / Held until.")
    version: int = strawberry.field(description="版本号 / Record version.")
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int | None]

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Position:
        return build(cls, dict(id=to_global_id("Position", v["id"]), post=v["post"], title=v["title"],
                               start_date=v["start_date"], end_date=v["end_date"], version=v["version"], pk=v["id"],
                               community_pk=v["community"], worker_pk=v["worker"]))

    @strawberry.field(description="所属社区（不在令牌范围内时为空）/ The community; null when outside the token's scope.")
    def community(self, info: Info) -> Community | None:
        return related(self, info)

    @strawberry.field(description="任职人（空缺或不在令牌范围内时为空）/ Who holds it; null when vacant or outside the "
                                  "token's scope.")
    def worker(self, info: Info) -> Worker | None:
        return related(self, info)


@strawberry.type(description="年度考核 / A year's assessment (年度考核) of a worker.")
class Assessment:
    year: int = strawberry.field(description="年度 / Year.")
    result: AssessmentResult = strawberry.field(description="结果 / Result.")
    recorded_at: dt.datetime = strawberry.field(description="录入时间 / When it was recorded (UTC).")

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Assessment:
        return cls(year=v["year"], result=AssessmentResult(v["result"]), recorded_at=v["recorded_at"])


@strawberry.type(description="下次晋级：何时升到哪一级 / A worker's next promotion: when the next grade comes, and which.")
class Promotion:
    date: dt.date = strawberry.field(description="晋级生效日（该月起按新等级计薪）/ First day of the first month paid at "
                                                 "the new grade.")
    period: Period = strawberry.field(description="晋级月份 / The month of the new grade.")
    grade: int = strawberry.field(description="新等级 / The new grade.")
    current_grade: int = strawberry.field(description="当前等级（所查日期当月）/ The grade in the month of the day asked "
                                                      "about.")


@node(reads.WORKER)
@strawberry.type(description="社区工作者 / A community worker (社区工作者) with every input of the salary model. "
                             "Identity number, phone and bank account are masked for VIEWER tokens, and what is derived "
                             "from the identity number (birth date, sex) is then null.")
class Worker:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Worker:12`.")
    code: str = strawberry.field(description="工号 / Worker code (worker_id), unique.")
    name: str = strawberry.field(description="姓名 / Name.")
    id_number: str | None = strawberry.field(description="身份证号（可能脱敏）/ Identity number (masked for some roles).")
    birth_date: dt.date | None = strawberry.field(description="出生日期（由身份证号得出；脱敏时为空）/ Birth date, from the "
                                                              "identity number; null when that is masked.")
    sex: Sex | None = strawberry.field(description="性别（由身份证号得出；脱敏时为空）/ Sex, from the identity number; null "
                                                   "when that is masked.")
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
    def from_values(cls, v: dict[str, Any]) -> Worker:
        """From a worker's values by field name, as the read layer presents
        them for the caller (masked where it may not see them)."""
        return build(cls, dict(
            id=to_global_id("Worker", v["id"]),
            code=v["code"],
            name=v["name"],
            id_number=v["id_number"],
            birth_date=v["birth_date"],
            sex=Sex(v["sex"]) if v["sex"] else None,
            phone=v["phone"],
            bank_name=v["bank_name"],
            bank_account=v["bank_account"],
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

    @strawberry.field(description="所属社区（不在令牌范围内时为空）/ The community; null when outside the token's scope.")
    def community(self, info: Info) -> Community | None:
        return related(self, info)

    @strawberry.field(description="累计减除费用规则（该年度；未设置为按月累计）/ The basic deduction rule of the tax year "
                                  "(MONTHLY unless set).")
    async def tax_basic_deduction(self, info: Info, year: TaxYear = None) -> TaxBasicDeduction:
        found = await info.context.loaders.of(reads.tax_choices).load((self.pk, year or dt.date.today().year))
        return TaxBasicDeduction(found["tax_basic_deduction"] if found else "MONTHLY")

    @strawberry.field(description="年终奖计税方式（该年度；为空时按政策）/ How the year-end payout of the tax year is taxed; "
                                  "null: the policy's method.")
    async def bonus_tax_method(self, info: Info, year: TaxYear = None) -> BonusTaxMethod | None:
        found = await info.context.loaders.of(reads.tax_choices).load((self.pk, year or dt.date.today().year))
        return BonusTaxMethod(found["bonus_tax_method"]) if found and found["bonus_tax_method"] else None

    @strawberry.field(description="年度考核（按年份）/ Assessments by year.")
    async def assessments(self, info: Info) -> list[Assessment]:
        rows = await info.context.loaders.of(reads.assessments_of_workers).load(self.pk)
        return [Assessment.from_values(v) for v in rows]

    @strawberry.field(description="担任的岗位（令牌范围内）/ Positions held (titles such as 党组织书记、居委会主任), inside the "
                                  "token's scope.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await info.context.loaders.of(reads.positions_of_workers).load(self.pk)
        return [Position.from_values(v) for v in rows]

    @strawberry.field(description="下次晋级（按现行政策与已录入考核推算，不预测今后取得的证书）/ The next promotion: when "
                                  "the next grade comes and which, by the engine's rules, the published policy versions "
                                  "and the assessments recorded (certificates registered later are not predicted). "
                                  "Null at the post's highest grade or when the worker leaves first.")
    async def next_promotion(
        self,
        info: Info,
        on: Annotated[dt.date | None, strawberry.argument(description="从哪天起算（默认今天）/ Look ahead from the month "
                                                                      "of this day (default: today).")] = None,
    ) -> Promotion | None:
        found = await info.context.loaders.of(next_promotions).load((self.pk, on or dt.date.today()))
        return None if found is None else Promotion(date=found.date, period=found.period, grade=found.grade,
                                                    current_grade=found.current_grade)

    @strawberry.field(description="工资条（令牌范围内，默认最新在前）/ The worker's payslips inside the token's scope, newest "
                                  "first by default.")
    async def payslips(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        order_by: OrderBy[Annotated[PayslipOrder, strawberry.lazy(PAYROLL_INPUTS)]] = None,
    ) -> Connection[Annotated[Payslip, strawberry.lazy(PAYROLL_TYPES)]]:
        return await lists.worker_payslips(info, first, after, last, before, order_by, worker_pk=self.pk)


@strawberry.type(description="辖区变更结果 / Result of a jurisdiction mutation.")
class JurisdictionPayload:
    jurisdiction: Jurisdiction | None = strawberry.field(description="保存后的辖区；有错误时为空 / The jurisdiction as "
                                                                     "saved; null when there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="街道变更结果 / Result of a street mutation.")
class StreetPayload:
    street: Street | None = strawberry.field(description="保存后的街道；有错误时为空 / The street as saved; null when there "
                                                         "are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="社区变更结果 / Result of a community mutation.")
class CommunityPayload:
    community: Community | None = strawberry.field(description="保存后的社区；有错误时为空 / The community as saved; null "
                                                               "when there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="岗位变更结果 / Result of a position mutation.")
class PositionPayload:
    position: Position | None = strawberry.field(description="保存后的岗位；有错误时为空 / The position as saved; null "
                                                             "when there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="工作者变更结果 / Result of a worker mutation.")
class WorkerPayload:
    worker: Worker | None = strawberry.field(description="保存后的工作者；有错误时为空 / The worker as saved; null when "
                                                         "there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="考核录入结果 / Result of recording assessments.")
class RecordAssessmentsPayload:
    recorded: int = strawberry.field(description="录入条数 / How many were recorded.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was recorded.")
