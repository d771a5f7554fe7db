"""政策 Policies: stored documents, their dated versions, the grade table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import strawberry
import yaml
from strawberry.types import Info

from payroll.money import format_rate
from payroll.periods import Period as PeriodValue
from payroll.policy import Policy as PolicyValue
from payroll.policy import PolicyVersion as PolicyVersionValue

from api.auth import Role
from api.db.threads import run_db
from api.errors import BadRequest
from api.db.models import Policy as PolicyRecord
from api.services import policies as service
from api.graphql.core.ids import from_global_id, input_global_id, to_global_id
from api.graphql.core.mutations import run_mutation
from api.graphql.core.scalars import Decimal, Money, Period
from api.graphql.core.types import UserError


@strawberry.type(description="政策中的岗位 / A post of a policy version and its grade range.")
class PolicyPost:
    key: str = strawberry.field(description="岗位代码 / Post key, e.g. CHIEF.")
    title: str = strawberry.field(description="名称 / Title, e.g. 正职（书记、主任）.")
    min_grade: int = strawberry.field(description="起始等级 / Lowest grade.")
    max_grade: int = strawberry.field(description="最高等级 / Highest grade.")


@strawberry.type(description="等级工资 / One grade of the table: coefficient and monthly amounts.")
class GradeRow:
    grade: int = strawberry.field(description="等级 / Grade.")
    coefficient: Decimal = strawberry.field(description="系数 / Coefficient.")
    grade_pay: Money = strawberry.field(description="岗位等级工资（月）/ Grade pay per month.")
    basic_pay: Money = strawberry.field(description="每月发放的基本报酬 / Basic pay paid monthly.")
    performance_reserve: Money = strawberry.field(description="绩效预留（月）/ Performance reserve per month.")


@strawberry.type(description="岗位等级工资表中的一个岗位 / A post's rows of the grade table.")
class GradeTablePost:
    post: PolicyPost = strawberry.field(description="岗位及其等级范围 / The post and its grade range.")
    grades: list[GradeRow] = strawberry.field(description="该岗位各等级（从低到高）/ The post's grades, lowest first.")


@strawberry.type(description="岗位等级工资表（打印用）/ The post × grade pay table of a month, in yuan (the table HR "
                             "staff print).")
class GradeTable:
    period: Period = strawberry.field(description="月份 / The month the table is for.")
    effective_from: dt.date = strawberry.field(description="所用政策版本生效日期 / Effective date of the policy version "
                                                           "in force that month.")
    base_income_annual: Money = strawberry.field(description="上年度城镇居民人均可支配收入 / Base income (annual).")
    posts: list[GradeTablePost] = strawberry.field(description="各岗位（从正职起）/ The posts, highest first, with their "
                                                               "grades.")


def grade_table(version: PolicyVersionValue, period: PeriodValue) -> GradeTable:
    tables = version.tables
    rows = {
        grade: GradeRow(
            grade=grade,
            coefficient=format_rate(version.grades.coefficients[grade - 1]),
            grade_pay=int(tables.grade_pay[grade]),
            basic_pay=int(tables.basic_pay[grade]),
            performance_reserve=int(tables.performance_reserve[grade]),
        )
        for grade in range(1, version.grades.count + 1)
    }
    return GradeTable(
        period=period,
        effective_from=version.effective_from,
        base_income_annual=version.base_income_annual,
        posts=[
            GradeTablePost(
                post=PolicyPost(key=p.key, title=p.title, min_grade=p.min_grade, max_grade=p.max_grade),
                grades=[rows[g] for g in range(p.min_grade, p.max_grade + 1)],
            )
            for p in version.posts.values()
        ],
    )


@strawberry.type(description="政策版本 / A dated version of a policy.")
class PolicyVersion:
    effective_from: dt.date = strawberry.field(description="生效日期 / In force from this date.")
    source: str | None = strawberry.field(description="依据 / Source of the figures.")
    base_income_annual: Money = strawberry.field(description="上年度城镇居民人均可支配收入 / Base income (annual).")
    grade_count: int = strawberry.field(description="等级数 / Number of grades.")
    posts: list[PolicyPost] = strawberry.field(description="岗位及等级范围（从正职起）/ The posts and their grade ranges, "
                                                           "highest first.")
    withheld_share: Decimal = strawberry.field(description="绩效预留比例 / Share of grade pay held for assessment.")
    payout_months: list[int] = strawberry.field(description="绩效发放月份 / Payout months.")
    pk: strawberry.Private[tuple[int, int]]

    @classmethod
    def of(cls, policy_pk: int, version: PolicyVersionValue) -> PolicyVersion:
        return cls(
            effective_from=version.effective_from,
            source=version.source,
            base_income_annual=version.base_income_annual,
            grade_count=version.grades.count,
            posts=[PolicyPost(key=p.key, title=p.title, min_grade=p.min_grade, max_grade=p.max_grade)
                   for p in version.posts.values()],
            withheld_share=format_rate(version.performance.withheld_share),
            payout_months=list(version.performance.payout_months),
            pk=(policy_pk, version.index),
        )


@strawberry.type(description="政策文件 / A policy document with its dated versions.")
class Policy:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Policy:1`.")
    code: str = strawberry.field(description="文件代码 / The document's id.")
    title: str = strawberry.field(description="文件标题 / The document's title.")
    active: bool = strawberry.field(description="当前使用 / The policy payroll uses.")
    version: int = strawberry.field(description="记录版本号 / Record version.")
    versions: list[PolicyVersion] = strawberry.field(description="各版本（按生效日期）/ Versions by effective date.")
    document_json: strawberry.Private[str]

    @strawberry.field(description="政策文件（YAML）/ The whole document as YAML.")
    def document(self) -> str:
        return yaml.safe_dump(json.loads(self.document_json), allow_unicode=True, sort_keys=False)

    @classmethod
    def from_row(cls, row: PolicyRecord, value: PolicyValue) -> Policy:
        return cls(
            id=to_global_id("Policy", row.id),
            code=row.code,
            title=row.title,
            active=row.active,
            version=row.version,
            versions=[PolicyVersion.of(row.id, v) for v in value.versions],
            document_json=row.document,
        )


def _load(pk: int | None = None, code: str | None = None, active: bool = False):
    query = PolicyRecord.select()
    if pk is not None:
        query = query.where(PolicyRecord.id == pk)
    elif code is not None:
        query = query.where(PolicyRecord.code == code)
    elif active:
        query = query.where(PolicyRecord.active == True)  # noqa: E712
    row = query.first()
    return (row, service.policy_from_record(row)) if row else (None, None)


@strawberry.type
class PolicyQueries:
    @strawberry.field(description="政策文件列表 / Stored policy documents.")
    async def policies(self, info: Info) -> list[Policy]:
        info.context.principal  # authenticated

        def load():
            return [Policy.from_row(row, service.policy_from_record(row)) for row in PolicyRecord.select().order_by(PolicyRecord.code)]

        return await run_db(load)

    @strawberry.field(description="按编号或代码取政策；都不给时为当前政策 / One policy by id or code; the active one "
                                  "when neither is given.")
    async def policy(self, info: Info, id: strawberry.ID | None = None, code: str | None = None) -> Policy | None:
        info.context.principal
        pk = from_global_id(id, "Policy") if id is not None else None
        row, value = await run_db(_load, pk, code, pk is None and code is None)
        return Policy.from_row(row, value) if row else None

    @strawberry.field(description="岗位等级工资表 / The post × grade pay table of a month (default policy: the active one).")
    async def grade_table(
        self,
        info: Info,
        period: Annotated[Period, strawberry.argument(description="月份，决定所用政策版本 / The month; picks the policy "
                                                                  "version in force.")],
        policy_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="政策编号；不填为当前政策 / Global id of a policy; the active one when omitted."),
        ] = None,
    ) -> GradeTable:
        info.context.principal
        pk = from_global_id(policy_id, "Policy", "policyId") if policy_id is not None else None
        row, value = await run_db(_load, pk, None, pk is None)
        if row is None:
            raise BadRequest("no such policy" if pk is not None else "no policy is active")
        try:
            version = value.version_for(period)
        except LookupError as exc:
            raise BadRequest(str(exc)) from None
        return grade_table(version, period)


@strawberry.input(description="导入政策文件或发布新版本 / Import a policy document, or publish new versions of a stored "
                              "one (published versions never change).")
class ImportPolicyInput:
    document: str = strawberry.field(description="政策文件（YAML 或 JSON）/ The whole document, YAML or JSON.")
    activate: bool = strawberry.field(default=False, description="导入后设为当前政策 / Make it the active policy.")


@strawberry.input(description="设为当前政策 / Make a policy the active one.")
class ActivatePolicyInput:
    id: strawberry.ID = strawberry.field(description="要启用的政策 / Global id of the policy, e.g. `Policy:1`.")


@strawberry.type(description="政策变更结果 / Result of a policy mutation.")
class PolicyPayload:
    policy: Policy | None = strawberry.field(description="保存后的政策；有错误时为空 / The policy as saved; null when "
                                                         "there are errors.")
    errors: list[UserError] = strawberry.field(description="错误（政策文件的问题附路径）/ Mistakes; problems in the "
                                                           "document name their path. Nothing was written.")


@strawberry.type
class PolicyMutations:
    @strawberry.mutation(description="导入/发布政策（管理员）/ Import or publish a policy document (ADMIN). Every problem "
                                     "of the document is listed with its path.")
    async def import_policy(self, info: Info, input: ImportPolicyInput) -> PolicyPayload:
        principal = info.context.principal
        principal.require(Role.ADMIN, action="importing a policy")

        def store():
            row = service.store_policy(principal, input.document, input.activate)
            return Policy.from_row(row, service.policy_from_record(row))

        policy, errors = await run_mutation(store)
        return PolicyPayload(policy=policy, errors=errors)

    @strawberry.mutation(description="设为当前政策（管理员）/ Make a policy the active one (ADMIN).")
    async def activate_policy(self, info: Info, input: ActivatePolicyInput) -> PolicyPayload:
        principal = info.context.principal

        def activate():
            pk = input_global_id(input.id, "Policy", "id")
            row = service.activate_policy(principal, pk)
            return Policy.from_row(row, service.policy_from_record(row))

        policy, errors = await run_mutation(activate)
        return PolicyPayload(policy=policy, errors=errors)
