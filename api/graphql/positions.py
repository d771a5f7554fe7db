"""岗位 Positions: a post of the policy in a community with a title, held or vacant."""

from __future__ import annotations

import datetime as dt
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
from api.graphql.core.mutations import provided, run_mutation
from api.graphql.core.prefetch import attached, relation_by_id
from api.graphql.core.types import UserError
from api.graphql.scoping import require_visible_community

if TYPE_CHECKING:
    from api.graphql.communities import Community
    from api.graphql.workers import Worker


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
    def from_row(cls, row: PositionRecord) -> Position:
        return cls(
            id=to_global_id("Position", row.id),
            post=row.post,
            title=row.title,
            start_date=row.start_date,
            end_date=row.end_date,
            version=row.version,
            pk=row.id,
            community_pk=row.community_id,
            worker_pk=row.worker_id,
        )

    @strawberry.field(description="所属社区 / The community.")
    def community(self, info: Info) -> Annotated[Community, strawberry.lazy(".communities")]:
        found, value = attached(self, "community")
        return value if found else info.context.loaders.community.load(self.community_pk)

    @strawberry.field(description="任职人（空缺时为空）/ Who holds it; null when vacant.")
    def worker(self, info: Info) -> Annotated[Worker, strawberry.lazy(".workers")] | None:
        if self.worker_pk is None:
            return None
        found, value = attached(self, "worker")
        return value if found else info.context.loaders.worker.load(self.worker_pk)


relation_by_id("Position", "community", key="community_pk", target="Community",
               model="Community", node="api.graphql.communities:Community")
relation_by_id("Position", "worker", key="worker_pk", target="Worker",
               model="Worker", node="api.graphql.workers:Worker")


@strawberry.input(description="岗位筛选 / Filter positions.")
class PositionWhere:
    community_id: strawberry.ID | None = strawberry.field(default=None, description="所属社区 / In this community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="所属街道 / In a community of this street.")
    post: str | None = strawberry.field(default=None, description="岗位类别，如 CHIEF / Of this policy post, e.g. CHIEF.")
    vacant: bool | None = strawberry.field(default=None, description="仅空缺 / Only vacant (true) or only held (false).")


async def list_positions(info: Info, first, after, last, before, where: PositionWhere | None) -> Connection[Position]:
    principal = info.context.principal
    community = from_global_id(where.community_id, "Community", "where.communityId") if where and where.community_id else None
    street = from_global_id(where.street_id, "Street", "where.streetId") if where and where.street_id else None

    def build() -> pw.ModelSelect:
        query = PositionRecord.select(PositionRecord).join(CommunityRecord, on=(PositionRecord.community == CommunityRecord.id))
        scope = principal.community_filter(CommunityRecord)
        if scope is not None:
            query = query.where(scope)
        if community is not None:
            query = query.where(PositionRecord.community == community)
        if street is not None:
            query = query.where(CommunityRecord.street == street)
        if where and where.post:
            query = query.where(PositionRecord.post == where.post.upper())
        if where and where.vacant is not None:
            query = query.where(PositionRecord.worker.is_null(where.vacant))
        return query

    keys = order_keys(None, {}, [OrderKey(PositionRecord.id)], PositionRecord.id)
    return await paginate(build, keys, Position.from_row, first, after, last, before, info=info, type_name="Position")


@strawberry.type
class PositionQueries:
    @strawberry.field(description="岗位列表 / Positions.")
    async def positions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: PositionWhere | None = None,
    ) -> Connection[Position]:
        return await list_positions(info, first, after, last, before, where)

    @strawberry.field(description="按编号取岗位 / One position by id.")
    async def position(self, info: Info, id: strawberry.ID) -> Position | None:
        principal = info.context.principal
        pk = from_global_id(id, "Position")
        row = await run_db(
            lambda: PositionRecord.select(PositionRecord, CommunityRecord.street).join(CommunityRecord)
            .where(PositionRecord.id == pk).first()
        )
        if row is None:
            return None
        require_visible_community(principal, row.community_id, row.community.street_id, "position")
        return Position.from_row(row)


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
    post: str | None = strawberry.field(default=strawberry.UNSET, description="新岗位类别（政策中的岗位）；不填则不变 / "
                                                                              "New policy post; unchanged when omitted.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="新职务名称；不填则不变 / New title; "
                                                                               "unchanged when omitted.")
    worker_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="新任职人（同社区），null 为空缺；不填则不变 / New holder (same community), null makes it vacant; "
        "unchanged when omitted.",
    )
    start_date: dt.date | None = strawberry.field(default=strawberry.UNSET, description="任职起始日期；不填则不变 / Held "
                                                                                        "from; unchanged when omitted.")
    end_date: dt.date | None = strawberry.field(default=strawberry.UNSET, description="任职截止日期（结束任职）；不填则不变 / "
                                                                                      "Held until (ends the position); "
                                                                                      "unchanged when omitted.")


@strawberry.type(description="岗位变更结果 / Result of a position mutation.")
class PositionPayload:
    position: Position | None = strawberry.field(description="保存后的岗位；有错误时为空 / The position as saved; null "
                                                             "when there are errors.")
    errors: list[UserError] = strawberry.field(description="输入错误；为空即成功 / Mistakes in the input; empty on "
                                                           "success, otherwise nothing was written.")


@strawberry.type
class PositionMutations:
    @strawberry.mutation(description="新建岗位 / Create a position.")
    async def create_position(self, info: Info, input: CreatePositionInput) -> PositionPayload:
        principal = info.context.principal

        def create():
            values = provided(input)
            values["community_id"] = input_global_id(input.community_id, "Community", "communityId")
            values["worker_id"] = input_global_id(input.worker_id, "Worker", "workerId")
            return records.create_position(principal, values)

        row, errors = await run_mutation(create)
        return PositionPayload(position=Position.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="修改岗位（任免、结束）/ Update a position: appoint, replace or end.")
    async def update_position(self, info: Info, input: UpdatePositionInput) -> PositionPayload:
        principal = info.context.principal

        def update():
            pk = input_global_id(input.id, "Position", "id")
            values = provided(input, "id", "version")
            if "worker_id" in values:
                values["worker_id"] = input_global_id(values["worker_id"], "Worker", "workerId")
            return records.update_position(principal, pk, input.version, values)

        row, errors = await run_mutation(update)
        return PositionPayload(position=Position.from_row(row) if row else None, errors=errors)
