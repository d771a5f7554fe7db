"""Payroll types: runs, payslips, explanations and quotes."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from payroll.engine import MonthResult
from payroll.explain import Explanation
from payroll.periods import Period as PeriodValue

from api.db.threads import run_db
from api.db.models import PayrollRun as RunRecord
from api.db.models import Payslip as PayslipRecord
from api.files.urls import run_file_paths
from api.services.payroll import explain_payslips
from api.graphql.core.connection import Connection
from api.graphql.core.ids import to_global_id
from api.graphql.core.loaders import by_id, register_loader
from api.graphql.core.prefetch import attached, relation_by_id, values_of
from api.graphql.core.scalars import Money, Period
from api.graphql.core.sqlrender import GLOBAL_ID, MONEY, Column
from api.graphql.core.sqlrender import Relation as SqlRelation
from api.graphql.core.sqlrender import sql_type
from api.graphql.core.types import OrderDirection, build

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.streets import Street
    from api.graphql.workers import Worker


@strawberry.type(description="所用政策数据 / A policy figure a line used: its path in the document and its value.")
class PolicyFigure:
    path: str = strawberry.field(description="文件中的路径 / Path in the policy document, e.g. "
                                             "`versions[1].base_income_annual`.")
    value: str = strawberry.field(description="数值 / Its value.")


@strawberry.type(description="金额说明：规则与数据 / How an amount was produced: the rule of the salary model and the "
                             "policy figures.")
class ExplanationLine:
    item: str = strawberry.field(description="项目（工资条列名）/ The item, a payslip column such as `grade_pay`.")
    label_zh: str = strawberry.field(description="中文名称 / Chinese name.")
    label_en: str = strawberry.field(description="英文名称 / English name.")
    rule: str = strawberry.field(description="规则条款 / Section of salary-model.md, e.g. §4.1.")
    formula: str = strawberry.field(description="公式 / The rule as a formula.")
    calculation: str = strawberry.field(description="计算过程 / The calculation with the numbers, e.g. "
                                                    "`40234.00 × 1.65 / 12 = 5532.175 → 5532.18`.")
    value: str = strawberry.field(description="结果 / The result.")
    figures: list[PolicyFigure] = strawberry.field(description="用到的政策数据 / Policy figures used.")


def explanation_lines(explanation: Explanation) -> list[ExplanationLine]:
    return [
        ExplanationLine(
            item=line.item,
            label_zh=line.label_zh,
            label_en=line.label_en,
            rule=line.rule,
            formula=line.formula,
            calculation=line.calculation,
            value=line.value,
            figures=[PolicyFigure(path=f.path, value=f.value) for f in line.figures],
        )
        for line in explanation.lines
    ]


_MONEY_FIELDS = (
    ("basic_pay", "基本报酬 / Basic pay (prorated)."),
    ("performance_pay", "绩效工资 / Performance pay (payout months and leavers)."),
    ("education_allowance", "学历津贴 / Education allowance."),
    ("certificate_allowance", "职业资格津贴 / Certificate allowance."),
    ("tenure_allowance", "任期（工龄）补贴 / Tenure allowance."),
    ("difference_allowance", "套改保留补差 / Conversion difference allowance."),
    ("gross", "应发工资 / Gross pay."),
    ("si_base", "社保缴费基数 / Social insurance base."),
    ("employee_pension", "个人养老保险 / Employee pension."),
    ("employee_medical", "个人医疗保险 / Employee medical insurance."),
    ("employee_unemployment", "个人失业保险 / Employee unemployment insurance."),
    ("housing_fund_employee", "个人住房公积金 / Employee housing fund."),
    ("income_tax", "个人所得税 / Income tax withheld (cumulative method)."),
    ("bonus_tax", "全年一次性奖金个税 / Annual bonus tax (taxed separately)."),
    ("net", "实发工资 / Net pay."),
    ("employer_pension", "单位养老保险 / Employer pension."),
    ("employer_medical", "单位医疗保险 / Employer medical insurance."),
    ("employer_unemployment", "单位失业保险 / Employer unemployment insurance."),
    ("employer_work_injury", "单位工伤保险 / Employer work injury insurance."),
    ("housing_fund_employer", "单位住房公积金 / Employer housing fund."),
    ("accident_insurance", "人身意外伤害保险 / Accident insurance (employer)."),
    ("employer_cost", "单位用人成本 / Employer cost."),
)


_MONEY_NAMES = tuple(name for name, _ in _MONEY_FIELDS)


@strawberry.interface(description="工资条各项 / The lines of a payslip (every column of the payslips CSV).")
class PayslipLines:
    period: Period = strawberry.field(description="月份 / Pay period.")
    post: str = strawberry.field(description="计薪岗位 / Post paid.")
    grade: int = strawberry.field(description="岗位等级 / Grade.")
    counted_years: int = strawberry.field(description="计算工龄 / Counted years of service.")
    days: int = strawberry.field(description="计薪天数 / Days paid this month.")
    basic_pay: Money = strawberry.field(description=_MONEY_FIELDS[0][1])
    performance_pay: Money = strawberry.field(description=_MONEY_FIELDS[1][1])
    education_allowance: Money = strawberry.field(description=_MONEY_FIELDS[2][1])
    certificate_allowance: Money = strawberry.field(description=_MONEY_FIELDS[3][1])
    tenure_allowance: Money = strawberry.field(description=_MONEY_FIELDS[4][1])
    difference_allowance: Money = strawberry.field(description=_MONEY_FIELDS[5][1])
    gross: Money = strawberry.field(description=_MONEY_FIELDS[6][1])
    si_base: Money = strawberry.field(description=_MONEY_FIELDS[7][1])
    employee_pension: Money = strawberry.field(description=_MONEY_FIELDS[8][1])
    employee_medical: Money = strawberry.field(description=_MONEY_FIELDS[9][1])
    employee_unemployment: Money = strawberry.field(description=_MONEY_FIELDS[10][1])
    housing_fund_employee: Money = strawberry.field(description=_MONEY_FIELDS[11][1])
    income_tax: Money = strawberry.field(description=_MONEY_FIELDS[12][1])
    bonus_tax: Money = strawberry.field(description=_MONEY_FIELDS[13][1])
    net: Money = strawberry.field(description=_MONEY_FIELDS[14][1])
    employer_pension: Money = strawberry.field(description=_MONEY_FIELDS[15][1])
    employer_medical: Money = strawberry.field(description=_MONEY_FIELDS[16][1])
    employer_unemployment: Money = strawberry.field(description=_MONEY_FIELDS[17][1])
    employer_work_injury: Money = strawberry.field(description=_MONEY_FIELDS[18][1])
    housing_fund_employer: Money = strawberry.field(description=_MONEY_FIELDS[19][1])
    accident_insurance: Money = strawberry.field(description=_MONEY_FIELDS[20][1])
    employer_cost: Money = strawberry.field(description=_MONEY_FIELDS[21][1])


def _lines_of(source) -> dict:
    names = ["post", "grade", "counted_years", "days", *(name for name, _ in _MONEY_FIELDS)]
    return {name: getattr(source, name) for name in names}


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


@strawberry.type(description="工资条 / A stored payslip: one worker's month in a payroll run.")
class Payslip(PayslipLines):
    id: strawberry.ID = strawberry.field(description="编号 / Global id.")
    pk: strawberry.Private[int]
    run_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: PayslipRecord) -> Payslip:
        return cls(
            id=to_global_id("Payslip", row.id),
            period=PeriodValue.parse(row.period),
            pk=row.id,
            run_pk=row.run_id,
            worker_pk=row.worker_id,
            community_pk=row.community_id,
            street_pk=row.street_id,
            **_lines_of(row),
        )

    @classmethod
    def from_tuple(cls, row: tuple) -> Payslip:
        """From a row of :data:`api.graphql.payroll.queries.PAYSLIP_FIELDS` (id, run,
        worker, community, street, period, post, grade, counted_years, days, money…)."""
        pk, run, worker, community, street, period, post, grade, counted, days = row[:10]
        values = dict(zip(_MONEY_NAMES, row[10:]))
        values.update(
            id=to_global_id("Payslip", pk),
            period=PeriodValue.parse(period),
            pk=pk,
            run_pk=run,
            worker_pk=worker,
            community_pk=community,
            street_pk=street,
            post=post,
            grade=grade,
            counted_years=counted,
            days=days,
        )
        return build(cls, values)

    @strawberry.field(description="工作者 / The worker.")
    def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy("..workers")]:
        found, worker = attached(self, "worker")
        return worker if found else info.context.loaders.worker.load(self.worker_pk)

    @strawberry.field(description="发放时所在社区 / The worker's community when the run was made.")
    def community(self, info: Info) -> Annotated[Community, strawberry.lazy("..communities")]:
        found, value = attached(self, "community")
        return value if found else info.context.loaders.community.load(self.community_pk)

    @strawberry.field(description="发放时所在街道 / The street when the run was made.")
    def street(self, info: Info) -> Annotated[Street, strawberry.lazy("..streets")]:
        found, value = attached(self, "street")
        return value if found else info.context.loaders.street.load(self.street_pk)

    @strawberry.field(description="所属发放批次 / The payroll run.")
    def payroll_run(self, info: Info) -> PayrollRun:
        found, value = attached(self, "payrollRun")
        return value if found else info.context.loaders.payroll_run.load(self.run_pk)

    @strawberry.field(description="逐项说明：规则与政策数据 / Each amount with the rule and the policy figures that "
                                  "produced it, recomputed from the payslip's own inputs.")
    async def explanation(self, info: Info) -> list[ExplanationLine]:
        return await info.context.loaders.payslip_explanation.load(self.pk)


sql_type("Payslip", PayslipRecord, columns={
    "id": Column(PayslipRecord.id, GLOBAL_ID),
    "period": PayslipRecord.period,
    "post": PayslipRecord.post,
    "grade": PayslipRecord.grade,
    "counted_years": PayslipRecord.counted_years,
    "days": PayslipRecord.days,
    **{name: Column(getattr(PayslipRecord, name), MONEY) for name in _MONEY_NAMES},
}, relations={
    "worker": SqlRelation(PayslipRecord.worker, "Worker"),
    "community": SqlRelation(PayslipRecord.community, "Community"),
    "street": SqlRelation(PayslipRecord.street, "Street"),
})
relation_by_id("Payslip", "worker", key="worker_pk", target="Worker", model="Worker", node="api.graphql.workers:Worker")
relation_by_id("Payslip", "community", key="community_pk", target="Community",
               model="Community", node="api.graphql.communities:Community")
relation_by_id("Payslip", "street", key="street_pk", target="Street", model="Street", node="api.graphql.streets:Street")
relation_by_id("Payslip", "payrollRun", key="run_pk", target="PayrollRun", model="PayrollRun",
               node="api.graphql.payroll.types:PayrollRun")


@register_loader("payslip_explanation")
def _explanation_loader(principal):
    from strawberry.dataloader import DataLoader

    def fetch(keys: list[int]) -> list[list[ExplanationLine]]:
        rows = list(PayslipRecord.select().where(PayslipRecord.id.in_(keys)))
        explained = explain_payslips(rows)
        return [explanation_lines(explained[k]) if k in explained else [] for k in keys]

    async def load(keys: list[int]) -> list[list[ExplanationLine]]:
        return await run_db(fetch, list(keys))

    return DataLoader(load_fn=load)


@strawberry.type(description="发放范围 / What a run covers: the whole city, a street or a community.")
class RunScope:
    type: ScopeType = strawberry.field(description="范围类型：全市、街道或社区 / City, street or community.")
    street_pk: strawberry.Private[int | None]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道（范围为街道或社区时）/ The street, for street and community scopes.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy("..streets")] | None:
        return None if self.street_pk is None else await info.context.loaders.street.load(self.street_pk)

    @strawberry.field(description="社区（范围为社区时）/ The community, for community scopes.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy("..communities")] | None:
        return None if self.community_pk is None else await info.context.loaders.community.load(self.community_pk)


@strawberry.type(description="文件下载地址（同样的令牌）/ Where to download the run's files (same authentication as "
                             "GraphQL).")
class RunExports:
    csv: str = strawberry.field(description="工资条数据 CSV（固定列）/ The payslips CSV (the fixed columns of the "
                                            "interface).")
    xlsx: str = strawberry.field(description="工资表 Excel（中文表头，社区、街道小计和总计）/ The payroll sheet as XLSX: "
                                             "Chinese headings, subtotals by community and street, total.")
    payslips_xlsx: str = strawberry.field(description="工资条 Excel（每人一条，打印裁剪）/ Payslips to print and cut: a "
                                                      "block per worker.")
    bank_csv: str = strawberry.field(description="银行代发文件 CSV：序号,工号,户名,开户银行,账号,实发金额（浏览者账号脱敏）/ "
                                                 "The bank payment file (accounts masked for VIEWER tokens).")
    bank_xlsx: str = strawberry.field(description="银行代发文件 Excel（账号为文本）/ The bank payment file as XLSX "
                                                  "(accounts stored as text).")
    contributions_csv: str = strawberry.field(description="社保和公积金缴费表 CSV（按社区、街道）/ Social insurance and "
                                                          "housing fund by item, community and street, as CSV.")
    contributions_xlsx: str = strawberry.field(description="社保和公积金缴费表 Excel（含按险种汇总）/ The same as XLSX, "
                                                           "with a sheet by item.")

    @classmethod
    def for_run(cls, run_id: int) -> RunExports:
        return cls(**run_file_paths(run_id))


@strawberry.type(description="工资发放批次 / A month's payroll run over a city, street or community. "
                             "DRAFT → APPROVED → PAID; approved and paid runs never change.")
class PayrollRun:
    id: strawberry.ID = strawberry.field(description="编号 / Global id.")
    period: Period = strawberry.field(description="月份 / Pay period.")
    scope: RunScope = strawberry.field(description="范围 / What the run covers.")
    status: PayrollRunStatus = strawberry.field(description="状态 / Status.")
    policy_effective_from: dt.date = strawberry.field(description="所用政策版本生效日期 / Effective date of the policy "
                                                                  "version used.")
    payslip_count: int = strawberry.field(description="工资条数 / Payslips.")
    gross: Money = strawberry.field(description="应发合计 / Total gross pay.")
    net: Money = strawberry.field(description="实发合计 / Total net pay.")
    income_tax: Money = strawberry.field(description="个税合计 / Total income tax.")
    employee_contributions: Money = strawberry.field(description="个人缴费合计 / Total employee contributions.")
    employer_cost: Money = strawberry.field(description="单位成本合计 / Total employer cost.")
    created_by: str = strawberry.field(description="创建人 / Created by.")
    created_at: dt.datetime = strawberry.field(description="创建时间（UTC）/ Created at (UTC).")
    approved_by: str | None = strawberry.field(description="审核人 / Approved by.")
    approved_at: dt.datetime | None = strawberry.field(description="审核时间 / Approved at.")
    paid_by: str | None = strawberry.field(description="发放确认人 / Marked paid by.")
    paid_at: dt.datetime | None = strawberry.field(description="发放时间 / Marked paid at.")
    exports: RunExports = strawberry.field(description="下载 / Downloads.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: RunRecord) -> PayrollRun:
        return cls.from_values(values_of(row))

    @classmethod
    def from_values(cls, v: dict, principal: object = None) -> PayrollRun:
        """From column values by field name (a model's ``__data__`` or a raw row)."""
        pk = v["id"]
        return cls(
            id=to_global_id("PayrollRun", pk),
            period=PeriodValue.parse(v["period"]),
            scope=RunScope(type=ScopeType(v["scope_type"]), street_pk=v["street"], community_pk=v["community"]),
            status=PayrollRunStatus(v["status"]),
            policy_effective_from=v["policy_effective_from"],
            payslip_count=v["payslip_count"],
            gross=v["gross"],
            net=v["net"],
            income_tax=v["income_tax"],
            employee_contributions=v["employee_contributions"],
            employer_cost=v["employer_cost"],
            created_by=v["created_by"],
            created_at=v["created_at"],
            approved_by=v["approved_by"],
            approved_at=v["approved_at"],
            paid_by=v["paid_by"],
            paid_at=v["paid_at"],
            exports=RunExports.for_run(pk),
            pk=pk,
        )

    @strawberry.field(description="本批次工资条 / The run's payslips.")
    async def payslips(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: PayslipWhere | None = None,
        order_by: list[PayslipOrder] | None = None,
    ) -> Connection[Payslip]:
        from api.graphql.payroll.queries import list_payslips

        return await list_payslips(info, first, after, last, before, where, order_by, run_pk=self.pk)


@register_loader("payroll_run")
def _run_loader(principal):
    return by_id(RunRecord, PayrollRun.from_row)


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


@strawberry.type(description="工资试算（不保存）/ A salary quote: one real or hypothetical worker's month with the "
                             "explanation of every line. Nothing is written.")
class SalaryQuote(PayslipLines):
    explanation: list[ExplanationLine] = strawberry.field(description="逐项说明 / How each amount was produced.")
    policy_effective_from: dt.date = strawberry.field(description="所用政策版本 / Policy version used.")
    worker_pk: strawberry.Private[int | None]

    @strawberry.field(description="工作者（试算真实工作者时）/ The worker, when quoting a real one.")
    async def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy("..workers")] | None:
        return None if self.worker_pk is None else await info.context.loaders.worker.load(self.worker_pk)

    @classmethod
    def of(cls, result: MonthResult, explanation: Explanation, worker_pk: int | None, post_keys) -> SalaryQuote:
        values = {name: int(result.column(name)[0]) for name in ("grade", "counted_years", "days", *(n for n, _ in _MONEY_FIELDS))}
        return cls(
            period=result.period,
            post=post_keys[int(result.post[0])],
            explanation=explanation_lines(explanation),
            policy_effective_from=result.version.effective_from,
            worker_pk=worker_pk,
            **values,
        )
