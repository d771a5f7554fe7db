"""社区 Communities: type, filters, queries and mutations."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import peewee as pw
import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.db.models import Community as CommunityRecord
from api.db.models import Position as PositionRecord
from api.services import records
from api.graphql.core.connection import Connection, OrderKey, order_keys, paginate
from api.graphql.core.ids import from_global_id, input_global_id, to_global_id
from api.graphql.core.prefetch import attached, relation_by_id, values_of
from api.graphql.core.sqlrender import GLOBAL_ID, Column
from api.graphql.core.sqlrender import Relation as SqlRelation
from api.graphql.core.sqlrender import sql_type
from api.graphql.core.loaders import by_id, many_by, register_loader
from api.graphql.core.mutations import provided, run_mutation
from api.graphql.core.types import OrderDirection, UserError, build
from api.graphql.scoping import require_visible_community

if TYPE_CHECKING:
    from api.graphql.positions import Position
    from api.graphql.streets import Street
    from api.graphql.workers import Worker, WorkerOrder, WorkerWhere


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
    def from_row(cls, row: CommunityRecord) -> Community:
        return cls.from_values(values_of(row))

    @classmethod
    def from_values(cls, v: dict, principal: object = None) -> Community:
        """From column values by field name (a model's ``__data__`` or a raw row)."""
        return build(cls, dict(
            id=to_global_id("Community", v["id"]),
            code=v["code"],
            name=v["name"],
            households=v["households"],
            population=v["population"],
            version=v["version"],
            pk=v["id"],
            street_pk=v["street"],
        ))

    @strawberry.field(description="所属街道 / The street.")
    def street(self, info: Info) -> Annotated[Street, strawberry.lazy(".streets")]:
        found, value = attached(self, "street")
        return value if found else info.context.loaders.street.load(self.street_pk)

    @strawberry.field(description="社区工作者 / The community's workers.")
    async def workers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Annotated[WorkerWhere, strawberry.lazy(".workers")] | None = None,
        order_by: list[Annotated[WorkerOrder, strawberry.lazy(".workers")]] | None = None,
    ) -> Connection[Annotated[Worker, strawberry.lazy(".workers")]]:
        from api.graphql.workers import list_workers

        return await list_workers(info, first, after, last, before, where, order_by, community_pk=self.pk)

    @strawberry.field(description="岗位（含空缺）/ The community's positions, held or vacant.")
    async def positions(self, info: Info) -> list[Annotated[Position, strawberry.lazy(".positions")]]:
        return await info.context.loaders.positions_by_community.load(self.pk)


sql_type("Community", CommunityRecord, columns={
    "id": Column(CommunityRecord.id, GLOBAL_ID),
    "code": CommunityRecord.code,
    "name": CommunityRecord.name,
    "households": CommunityRecord.households,
    "population": CommunityRecord.population,
    "version": CommunityRecord.version,
}, relations={"street": SqlRelation(CommunityRecord.street, "Street")})
relation_by_id("Community", "street", key="street_pk", target="Street",
               model="Street", node="api.graphql.streets:Street")


@register_loader("community")
def _community_loader(principal):
    return by_id(CommunityRecord, Community.from_row)


@register_loader("positions_by_community")
def _positions_loader(principal):
    from api.graphql.positions import Position

    return many_by(PositionRecord, PositionRecord.community, Position.from_row, order=(PositionRecord.id,))


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


_ORDER_FIELDS = {
    "code": CommunityRecord.code,
    "name": CommunityRecord.name,
    "households": CommunityRecord.households,
    "population": CommunityRecord.population,
}


async def list_communities(
    info: Info, first, after, last, before, where: CommunityWhere | None, order_by, street_pk: int | None = None
) -> Connection[Community]:
    principal = info.context.principal
    street_filter = from_global_id(where.street_id, "Street", "where.streetId") if where and where.street_id else None

    def build() -> pw.ModelSelect:
        query = CommunityRecord.select()
        scope = principal.community_filter(CommunityRecord)
        if scope is not None:
            query = query.where(scope)
        if street_pk is not None:
            query = query.where(CommunityRecord.street == street_pk)
        if where:
            if where.code is not None:
                query = query.where(CommunityRecord.code == where.code)
            if where.name_contains:
                query = query.where(CommunityRecord.name.contains(where.name_contains))
            if street_filter is not None:
                query = query.where(CommunityRecord.street == street_filter)
        return query

    keys = order_keys(order_by, _ORDER_FIELDS, [OrderKey(CommunityRecord.code)], CommunityRecord.id)
    return await paginate(build, keys, Community.from_row, first, after, last, before, info=info, type_name="Community")


@strawberry.type
class CommunityQueries:
    @strawberry.field(description="社区列表 / Communities (HR tokens see their own).")
    async def communities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: CommunityWhere | None = None,
        order_by: list[CommunityOrder] | None = None,
    ) -> Connection[Community]:
        return await list_communities(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或代码取社区 / One community by id or code.")
    async def community(self, info: Info, id: strawberry.ID | None = None, code: str | None = None) -> Community | None:
        principal = info.context.principal
        pk = from_global_id(id, "Community") if id is not None else None

        def load():
            query = CommunityRecord.select()
            query = query.where(CommunityRecord.id == pk) if pk is not None else query.where(CommunityRecord.code == code)
            return query.first()

        row = await run_db(load)
        if row is None:
            return None
        require_visible_community(principal, row.id, row.street_id, "community")
        return Community.from_row(row)


@strawberry.input(description="新建社区 / A new community.")
class CreateCommunityInput:
    code: str = strawberry.field(description="社区代码 / Unique code.")
    name: str = strawberry.field(description="名称 / Name.")
    street_id: strawberry.ID = strawberry.field(description="所属街道 / The street.")
    households: int = strawberry.field(default=0, description="户数 / Households.")
    population: int = strawberry.field(default=0, description="常住人口 / Residents.")


@strawberry.input(description="修改社区 / Changes to a community.")
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


@strawberry.type(description="社区变更结果 / Result of a community mutation.")
class CommunityPayload:
    community: Community | None = strawberry.field(description="保存后的社区；有错误时为空 / The community as saved; null "
                                                               "when there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type
class CommunityMutations:
    @strawberry.mutation(description="新建社区 / Create a community.")
    async def create_community(self, info: Info, input: CreateCommunityInput) -> CommunityPayload:
        principal = info.context.principal

        def create():
            values = provided(input)
            values["street_id"] = input_global_id(input.street_id, "Street", "streetId")
            return records.create_community(principal, values)

        row, errors = await run_mutation(create)
        return CommunityPayload(community=Community.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="修改社区 / Update a community.")
    async def update_community(self, info: Info, input: UpdateCommunityInput) -> CommunityPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Community", "id")
            values = provided(input, "id", "version")
            if "street_id" in values:
                values["street_id"] = input_global_id(values["street_id"], "Street", "streetId")
            return records.update_community(principal, pk, input.version, values)

        row, errors = await run_mutation(update)
        return CommunityPayload(community=Community.from_row(row) if row else None, errors=errors)
