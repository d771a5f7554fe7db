"""街道 Streets: type, filters, queries and mutations."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import peewee as pw
import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.errors import Forbidden
from api.db.models import Street as StreetRecord
from api.services import records
from api.graphql.core.connection import Connection, OrderKey, order_keys, paginate
from api.graphql.core.prefetch import values_of
from api.graphql.core.sqlrender import GLOBAL_ID, Column, sql_type
from api.graphql.core.ids import from_global_id, input_global_id, to_global_id
from api.graphql.core.loaders import by_id, register_loader
from api.graphql.core.mutations import provided, run_mutation
from api.graphql.core.types import OrderDirection, UserError

if TYPE_CHECKING:
    from api.graphql.communities import Community, CommunityOrder, CommunityWhere


@strawberry.type(description="街道 / A street office (街道办事处): the unit HR staff are scoped to; it has communities.")
class Street:
    id: strawberry.ID = strawberry.field(description="编号 / Global id, e.g. `Street:1`.")
    code: str = strawberry.field(description="街道代码 / The street's code, unique.")
    name: str = strawberry.field(description="名称 / Name, e.g. 颍川街道.")
    version: int = strawberry.field(description="版本号：更新时须提交 / Record version; updates must send it back.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: StreetRecord) -> Street:
        return cls.from_values(values_of(row))

    @classmethod
    def from_values(cls, v: dict, principal: object = None) -> Street:
        return cls(id=to_global_id("Street", v["id"]), code=v["code"], name=v["name"], version=v["version"], pk=v["id"])

    @strawberry.field(description="下辖社区 / The street's communities.")
    async def communities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Annotated[CommunityWhere, strawberry.lazy(".communities")] | None = None,
        order_by: list[Annotated[CommunityOrder, strawberry.lazy(".communities")]] | None = None,
    ) -> Connection[Annotated[Community, strawberry.lazy(".communities")]]:
        from api.graphql.communities import list_communities

        return await list_communities(info, first, after, last, before, where, order_by, street_pk=self.pk)


sql_type("Street", StreetRecord, columns={
    "id": Column(StreetRecord.id, GLOBAL_ID),
    "code": StreetRecord.code,
    "name": StreetRecord.name,
    "version": StreetRecord.version,
})


@register_loader("street")
def _street_loader(principal):
    return by_id(StreetRecord, Street.from_row)


@strawberry.input(description="街道筛选 / Filter streets.")
class StreetWhere:
    code: str | None = strawberry.field(default=None, description="代码等于 / Code equals.")
    name_contains: str | None = strawberry.field(default=None, description="名称包含 / Name contains.")


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


_ORDER_FIELDS = {"code": StreetRecord.code, "name": StreetRecord.name}


async def list_streets(info: Info, first, after, last, before, where: StreetWhere | None, order_by) -> Connection[Street]:
    principal = info.context.principal

    def build() -> pw.ModelSelect:
        query = StreetRecord.select()
        scope = principal.street_filter()
        if scope is not None:
            query = query.where(scope)
        if where:
            if where.code is not None:
                query = query.where(StreetRecord.code == where.code)
            if where.name_contains:
                query = query.where(StreetRecord.name.contains(where.name_contains))
        return query

    keys = order_keys(order_by, _ORDER_FIELDS, [OrderKey(StreetRecord.code)], StreetRecord.id)
    return await paginate(build, keys, Street.from_row, first, after, last, before)


async def get_street(info: Info, id: strawberry.ID | None, code: str | None) -> Street | None:
    principal = info.context.principal
    pk = from_global_id(id, "Street") if id is not None else None

    def load() -> StreetRecord | None:
        query = StreetRecord.select()
        query = query.where(StreetRecord.id == pk) if pk is not None else query.where(StreetRecord.code == code)
        return query.first()

    row = await run_db(load)
    if row is None:
        return None
    if principal.scoped:
        visible = await run_db(lambda: StreetRecord.select().where(principal.street_filter() & (StreetRecord.id == row.id)).exists())
        if not visible:
            raise Forbidden("street: this street is outside this token's scope")
    return Street.from_row(row)


@strawberry.type
class StreetQueries:
    @strawberry.field(description="街道列表 / Streets (HR tokens see their own).")
    async def streets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: StreetWhere | None = None,
        order_by: list[StreetOrder] | None = None,
    ) -> Connection[Street]:
        return await list_streets(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或代码取街道 / One street by id or code.")
    async def street(self, info: Info, id: strawberry.ID | None = None, code: str | None = None) -> Street | None:
        return await get_street(info, id, code)


@strawberry.input(description="新建街道 / A new street.")
class CreateStreetInput:
    code: str = strawberry.field(description="街道代码 / Unique code.")
    name: str = strawberry.field(description="名称 / Name.")


@strawberry.input(description="修改街道 / Changes to a street.")
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


@strawberry.type(description="街道变更结果 / Result of a street mutation.")
class StreetPayload:
    street: Street | None = strawberry.field(description="保存后的街道；有错误时为空 / The street as saved; null when there "
                                                         "are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type
class StreetMutations:
    @strawberry.mutation(description="新建街道（管理员）/ Create a street (ADMIN).")
    async def create_street(self, info: Info, input: CreateStreetInput) -> StreetPayload:
        row, errors = await run_mutation(records.create_street, info.context.principal, provided(input))
        return StreetPayload(street=Street.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="修改街道 / Update a street.")
    async def update_street(self, info: Info, input: UpdateStreetInput) -> StreetPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Street", "id")
            return records.update_street(principal, pk, input.version, provided(input, "id", "version"))

        row, errors = await run_mutation(update)
        return StreetPayload(street=Street.from_row(row) if row else None, errors=errors)
