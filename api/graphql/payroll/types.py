"""Payroll types: runs, payslips, their explanations, quotes and totals.

Payslips and runs show views of :mod:`api.reads.payroll`; a payslip's worker,
community, street and run are shown only while the caller may see them (a
street's old payslip after its worker moved away shows no worker — its
amounts and period stay with the street that paid it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from payroll.engine import MonthResult
from payroll.explain import LABELS, Explanation
from payroll.periods import Period as PeriodValue

from api.fastpath.pages import PageArgs
from api.fastpath.views import node
from api.files.urls import run_file_paths
from api.graphql.core.connection import After, Before, Connection, First, Last, paginate
from api.graphql.core.ids import optional_global_id, to_global_id
from api.graphql.core.loaders import related
from api.graphql.core.scalars import Money, Period
from api.graphql.core.types import OrderBy, UserError, Where, build, ordering
from api.graphql.payroll.enums import PayrollRunStatus, ScopeType
from api.graphql.payroll.inputs import PayslipOrder, PayslipWhere
from api.reads import payroll as reads
from api.reads.records import COMMUNITY, JURISDICTION, STREET, WORKER

if TYPE_CHECKING:
    from api.graphql.records.types import Community, Jurisdiction, Street, Worker

RECORD_TYPES = "api.graphql.records.types"
#: The money lines of a payslip, in the order of the payslips CSV.
MONEY_LINES = reads.PAYSLIP_MONEY


def _line(name: str) -> Any:
    zh, en = LABELS[name]
    return strawberry.field(description=f"{zh} / {en}.")


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


@strawberry.interface(description="工资条各项 / The lines of a payslip (every column of the payslips CSV).")
class PayslipLines:
    period: Period = strawberry.field(description="月份 / Pay period.")
    post: str = strawberry.field(description="计薪岗位 / Post paid.")
    grade: int = _line("grade")
    counted_years: int = _line("counted_years")
    days: int = _line("days")
    basic_pay: Money = _line("basic_pay")
    performance_pay: Money = _line("performance_pay")
    education_allowance: Money = _line("education_allowance")
    certificate_allowance: Money = _line("certificate_allowance")
    tenure_allowance: Money = _line("tenure_allowance")
    fixed_allowances: Money = _line("fixed_allowances")
    difference_allowance: Money = _line("difference_allowance")
    back_pay: Money = _line("back_pay")
    gross: Money = _line("gross")
    si_base: Money = _line("si_base")
    employee_pension: Money = _line("employee_pension")
    employee_medical: Money = _line("employee_medical")
    employee_unemployment: Money = _line("employee_unemployment")
    housing_fund_employee: Money = _line("housing_fund_employee")
    income_tax: Money = _line("income_tax")
    bonus_tax: Money = _line("bonus_tax")
    net: Money = _line("net")
    employer_pension: Money = _line("employer_pension")
    employer_medical: Money = _line("employer_medical")
    employer_unemployment: Money = _line("employer_unemployment")
    employer_work_injury: Money = _line("employer_work_injury")
    housing_fund_employer: Money = _line("housing_fund_employer")
    accident_insurance: Money = _line("accident_insurance")
    employer_cost: Money = _line("employer_cost")


@node(reads.PAYSLIP)
@strawberry.type(description="工资条 / A stored payslip: one worker's month in a payroll run.")
class Payslip(PayslipLines):
    id: strawberry.ID = strawberry.field(description="编号 / Global id.")
    pk: strawberry.Private[int]
    run_pk: strawberry.Private[int]
    worker_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @classmethod
    def from_values(cls, v: dict[str, Any]) -> Payslip:
        values = {name: v[name] for name in ("post", "grade", "counted_years", "days", *MONEY_LINES)}
        values.update(id=to_global_id("Payslip", v["id"]), period=PeriodValue.parse(v["period"]), pk=v["id"],
                      run_pk=v["run"], worker_pk=v["worker"], community_pk=v["community"], street_pk=v["street"])
        return build(cls, values)

    @strawberry.field(description="工作者（不在令牌范围内时为空）/ The worker; null when outside the token's scope (e.g. "
                                  "moved to another street).")
    def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(RECORD_TYPES)] | None:
        return related(self, info)

    @strawberry.field(description="发放时所在社区（不在令牌范围内时为空）/ The worker's community when the run was made; "
                                  "null when outside the token's scope.")
    def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return related(self, info)

    @strawberry.field(description="发放时所在街道（不在令牌范围内时为空）/ The street when the run was made; null when "
                                  "outside the token's scope.")
    def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)] | None:
        return related(self, info)

    @strawberry.field(description="所属发放批次（全市批次对限定范围的令牌为空）/ The payroll run; null when the run is not "
                                  "wholly inside the token's scope (a city-wide run for a street's HR token).")
    def payroll_run(self, info: Info) -> PayrollRun | None:
        return related(self, info)

    @strawberry.field(description="逐项说明：规则与政策数据 / Each amount with the rule and the policy figures that "
                                  "produced it, from the payslip's own inputs.")
    async def explanation(self, info: Info) -> list[ExplanationLine]:
        explained = await info.context.loaders.of(reads.explanations).load(self.pk)
        return explanation_lines(explained) if explained is not None else []


@strawberry.type(description="发放范围 / What a run covers: a whole jurisdiction (the city), a street or a community.")
class RunScope:
    type: ScopeType = strawberry.field(description="范围类型：全辖区（全市）、街道或社区 / A whole jurisdiction (the city), "
                                                   "a street or a community.")
    street_pk: strawberry.Private[int | None]
    community_pk: strawberry.Private[int | None]
    jurisdiction_pk: strawberry.Private[int]

    @strawberry.field(description="按其政策发放的辖区（不在令牌范围内时为空）/ The jurisdiction whose policy pays the run; "
                                  "null when outside the token's scope.")
    async def jurisdiction(self, info: Info) -> Annotated[Jurisdiction, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(JURISDICTION).load(self.jurisdiction_pk)

    @strawberry.field(description="街道（范围为街道或社区时）/ The street, for street and community scopes.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)] | None:
        return None if self.street_pk is None else await info.context.loaders.by_id(STREET).load(self.street_pk)

    @strawberry.field(description="社区（范围为社区时）/ The community, for community scopes.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return (None if self.community_pk is None
                else await info.context.loaders.by_id(COMMUNITY).load(self.community_pk))


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


@node(reads.RUN)
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
    def from_values(cls, v: dict[str, Any]) -> PayrollRun:
        pk = v["id"]
        return build(cls, dict(
            id=to_global_id("PayrollRun", pk),
            period=PeriodValue.parse(v["period"]),
            scope=RunScope(type=ScopeType(v["scope_type"]), street_pk=v["street"], community_pk=v["community"],
                           jurisdiction_pk=v["jurisdiction"]),
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
        ))

    @strawberry.field(description="本批次工资条（令牌范围内）/ The run's payslips inside the token's scope.")
    async def payslips(self, info: Info, first: First = None, after: After = None, last: Last = None,
                       before: Before = None, where: Where[PayslipWhere] = None,
                       order_by: OrderBy[PayslipOrder] = None) -> Connection[Payslip]:
        return await payslip_connection(info, PageArgs(first, after, last, before), where, order_by, run_pk=self.pk)


async def payslip_connection(info: Info, page: PageArgs, where: PayslipWhere | None, order_by: Any,
                             period: PeriodValue | None = None, run_pk: int | None = None) -> Connection[Payslip]:
    """Payslips as a connection (a month's, or a run's), filtered by ``where``."""
    listing = reads.payslips(
        info.context.principal,
        period=period,
        within_run=run_pk,
        run_pk=optional_global_id(where and where.payroll_run_id, "PayrollRun", "where.payrollRunId"),
        worker_pk=optional_global_id(where and where.worker_id, "Worker", "where.workerId"),
        street_pk=optional_global_id(where and where.street_id, "Street", "where.streetId"),
        community_pk=optional_global_id(where and where.community_id, "Community", "where.communityId"),
        post=where.post if where else None,
        status=where.status.value if where and where.status else None,
        order=ordering(order_by),
    )
    return await paginate(listing, page, info)


@strawberry.type(description="工资试算（不保存）/ A salary quote: one real or hypothetical worker's month with the "
                             "explanation of every line. Nothing is written.")
class SalaryQuote(PayslipLines):
    explanation: list[ExplanationLine] = strawberry.field(description="逐项说明 / How each amount was produced.")
    policy_effective_from: dt.date = strawberry.field(description="所用政策版本 / Policy version used.")
    worker_pk: strawberry.Private[int | None]

    @strawberry.field(description="工作者（试算真实工作者时）/ The worker, when quoting a real one.")
    async def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(RECORD_TYPES)] | None:
        return None if self.worker_pk is None else await info.context.loaders.by_id(WORKER).load(self.worker_pk)

    @classmethod
    def of(cls, result: MonthResult, explanation: Explanation, worker_pk: int | None, post_keys) -> SalaryQuote:
        values = {name: int(result.column(name)[0]) for name in ("grade", "counted_years", "days", *MONEY_LINES)}
        return cls(
            period=result.period,
            post=post_keys[int(result.post[0])],
            explanation=explanation_lines(explanation),
            policy_effective_from=result.version.effective_from,
            worker_pk=worker_pk,
            **values,
        )


@strawberry.type(description="工资汇总行 / Payroll totals of a month for a street or community (all runs).")
class PayrollTotal:
    payslip_count: int = strawberry.field(description="工资条数 / Payslips.")
    gross: Money = strawberry.field(description="应发合计 / Gross pay.")
    net: Money = strawberry.field(description="实发合计 / Net pay.")
    income_tax: Money = strawberry.field(description="个税合计 / Income and bonus tax.")
    employer_cost: Money = strawberry.field(description="单位成本合计 / Employer cost.")
    street_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(STREET).load(self.street_pk)

    @strawberry.field(description="社区（按社区汇总时）/ The community, when grouped by community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return (None if self.community_pk is None
                else await info.context.loaders.by_id(COMMUNITY).load(self.community_pk))


@strawberry.type(description="发放批次变更结果 / Result of a payroll run mutation.")
class PayrollRunPayload:
    payroll_run: PayrollRun | None = strawberry.field(description="处理后的批次（删除时为删除前的批次）；有错误时为空 / The "
                                                                  "run afterwards (for a delete, as it was); null when "
                                                                  "there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type(description="补发（补扣）的一个月：当时所发与现按规则应发 / One corrected month: what was paid for it and "
                             "what the rules give now (gross before back pay).")
class BackPayMonthLine:
    period: Period = strawberry.field(description="所更正的月份 / The month corrected.")
    paid: Money = strawberry.field(description="当时应发（不含补发）/ Paid then (gross less its own back pay).")
    now: Money = strawberry.field(description="现按规则应发 / What the rules give now.")
    difference: Money = strawberry.field(description="差额（正数补发，负数补扣）/ The difference: positive is paid back, "
                                                     "negative taken back.")


@strawberry.type(description="一名工作者的补发（补扣）/ One worker's back pay in the next run.")
class BackPayWorker:
    code: str = strawberry.field(description="工号 / Worker code.")
    name: str = strawberry.field(description="姓名 / Name.")
    back_pay: Money = strawberry.field(description="补发（补扣）合计 / Back pay (negative: taken back).")
    months: list[BackPayMonthLine] = strawberry.field(description="逐月差额 / Month by month.")
    worker_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @strawberry.field(description="工作者 / The worker.")
    async def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(WORKER).load(self.worker_pk)

    @strawberry.field(description="社区 / The worker's community.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(COMMUNITY).load(self.community_pk)


@strawberry.type(description="街道或社区的补发（补扣）合计 / Back pay of a street or community.")
class BackPayGroup:
    workers: int = strawberry.field(description="涉及人数 / Workers with back pay.")
    paid_back: Money = strawberry.field(description="补发合计 / Paid back (positive amounts).")
    taken_back: Money = strawberry.field(description="补扣合计（负数）/ Taken back (negative amounts).")
    total: Money = strawberry.field(description="净额 / Net.")
    street_pk: strawberry.Private[int]
    community_pk: strawberry.Private[int | None]

    @strawberry.field(description="街道 / The street.")
    async def street(self, info: Info) -> Annotated[Street, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(STREET).load(self.street_pk)

    @strawberry.field(description="社区（按社区汇总时）/ The community, for a community's row.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(RECORD_TYPES)] | None:
        return (None if self.community_pk is None
                else await info.context.loaders.by_id(COMMUNITY).load(self.community_pk))


@strawberry.type(description="下次生成工资时的补发（补扣）预览：谁、多少、哪几个月 / Before the run is created: who will be "
                             "paid back or have money taken back (§13), how much and for which months.")
class BackPayPreview:
    period: Period = strawberry.field(description="将生成的月份 / The month the run is for.")
    policy_effective_from: dt.date = strawberry.field(description="该月适用的政策版本 / The version in force that month.")
    workers: list[BackPayWorker] = strawberry.field(description="涉及的工作者（按街道、社区、工号）/ The workers with "
                                                                "back pay, by street, community and code.")
    streets: list[BackPayGroup] = strawberry.field(description="按街道 / By street.")
    communities: list[BackPayGroup] = strawberry.field(description="按社区 / By community.")

    @classmethod
    def of(cls, preview: Any) -> BackPayPreview:
        def group(g: Any) -> BackPayGroup:
            return BackPayGroup(workers=g.workers, paid_back=g.paid_back, taken_back=g.taken_back, total=g.total,
                                street_pk=g.street_id, community_pk=g.community_id)

        return cls(
            period=preview.period,
            policy_effective_from=preview.policy_effective_from,
            workers=[BackPayWorker(code=w.code, name=w.name, back_pay=w.amount, worker_pk=w.worker_id,
                                   community_pk=w.community_id,
                                   months=[BackPayMonthLine(period=m.period, paid=m.old, now=m.new,
                                                            difference=m.difference) for m in w.months])
                     for w in preview.workers],
            streets=[group(g) for g in preview.streets],
            communities=[group(g) for g in preview.communities],
        )
