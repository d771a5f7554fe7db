"""Policy types: documents, their dated versions and the grade table."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated

import strawberry
import yaml
from strawberry.types import Info

from payroll.money import format_rate
from payroll.periods import Period as PeriodValue
from payroll.policy import GradeTableRow, grade_table_rows
from payroll.policy import PolicyVersion as PolicyVersionValue

from api.graphql.core.ids import to_global_id
from api.graphql.core.scalars import Decimal, Money, Period
from api.graphql.core.types import UserError
from api.reads.policies import StoredPolicy
from api.reads.records import JURISDICTION

if TYPE_CHECKING:
    from api.graphql.records.types import Jurisdiction

RECORD_TYPES = "api.graphql.records.types"


@strawberry.type(description="政策中的岗位 / A post of a policy version and its grade range.")
class PolicyPost:
    key: str = strawberry.field(description="岗位代码 / Post key, e.g. CHIEF.")
    title: str = strawberry.field(description="名称 / Title, e.g. 正职（书记、主任）.")
    min_grade: int = strawberry.field(description="起始等级 / Lowest grade.")
    max_grade: int = strawberry.field(description="最高等级 / Highest grade.")


@strawberry.type(description="等级工资 / One grade of the table: coefficient and monthly amounts.")
class GradeRow:
    grade: int = strawberry.field(description="等级 / Grade.")
    coefficient: Decimal | None = strawberry.field(description="系数（固定金额表为空）/ Coefficient; null for a table of "
                                                               "fixed amounts (grades.amounts).")
    grade_pay: Money = strawberry.field(description="岗位等级工资（月）/ Grade pay per month.")
    post_pay: Money = strawberry.field(description="岗位工资（月，按岗位固定）/ Post pay per month (fixed for the post).")
    basic_pay: Money = strawberry.field(description="每月发放的基本报酬 / Basic pay paid monthly.")
    performance_reserve: Money = strawberry.field(description="绩效预留（月，含固定奖励绩效）/ Performance reserve per month, "
                                                              "fixed reserve included.")

    @classmethod
    def of(cls, row: GradeTableRow) -> GradeRow:
        return cls(grade=row.grade, coefficient=None if row.coefficient is None else format_rate(row.coefficient),
                   grade_pay=row.grade_pay, post_pay=row.post_pay, basic_pay=row.basic_pay,
                   performance_reserve=row.performance_reserve)


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
    rows = {(row.post, row.grade): row for row in grade_table_rows(version)}
    return GradeTable(
        period=period,
        effective_from=version.effective_from,
        base_income_annual=version.base_income_annual,
        posts=[
            GradeTablePost(
                post=PolicyPost(key=p.key, title=p.title, min_grade=p.min_grade, max_grade=p.max_grade),
                grades=[GradeRow.of(rows[(p.key, g)]) for g in range(p.min_grade, p.max_grade + 1)],
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
    jurisdiction_pk: strawberry.Private[int]

    @strawberry.field(description="发布政策的辖区（不在令牌范围内时为空）/ The jurisdiction that publishes it; null when "
                                  "outside the token's scope.")
    async def jurisdiction(self, info: Info) -> Annotated[Jurisdiction, strawberry.lazy(RECORD_TYPES)] | None:
        return await info.context.loaders.by_id(JURISDICTION).load(self.jurisdiction_pk)

    @strawberry.field(description="政策文件（YAML）/ The whole document as YAML.")
    def document(self) -> str:
        return yaml.safe_dump(json.loads(self.document_json), allow_unicode=True, sort_keys=False)

    @classmethod
    def of(cls, stored: StoredPolicy) -> Policy:
        return cls(
            id=to_global_id("Policy", stored.id),
            code=stored.code,
            title=stored.title,
            active=stored.active,
            version=stored.version,
            versions=[PolicyVersion.of(stored.id, v) for v in stored.policy.versions],
            document_json=stored.document,
            jurisdiction_pk=stored.jurisdiction_id,
        )


@strawberry.type(description="政策变更结果 / Result of a policy mutation.")
class PolicyPayload:
    policy: Policy | None = strawberry.field(description="保存后的政策；有错误时为空 / The policy as saved; null when "
                                                         "there are errors.")
    corrects_paid_months: int = strawberry.field(
        default=0, description="将被更正的已发放月份数：其适用的政策版本已变，下次生成工资时补发（补扣）差额（§13）/ How many "
                               "paid months now fall under another policy version than they were paid with: the next "
                               "payroll run pays (or takes back) the differences (§13).")
    errors: list[UserError] = strawberry.field(description="错误（政策文件的问题附路径）/ Mistakes; problems in the "
                                                           "document name their path. Nothing was written.")
