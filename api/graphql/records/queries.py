"""Queries of the records: lists and single records.  A record outside the
caller's scope is not found, exactly like one that does not exist (null)."""

from __future__ import annotations

from typing import Annotated, Any, Callable, TypeVar

import strawberry
from strawberry.types import Info

from api.access.permissions import Permission
from api.db.threads import run_db
from api.graphql.core.connection import After, Before, Connection, First, Last
from api.graphql.core.ids import from_global_id, optional_global_id
from api.graphql.core.permissions import needs
from api.graphql.core.types import Code, Id, OptionalId, OrderBy, Where
from api.graphql.records import lists
from api.graphql.records.inputs import (
    CommunityOrder,
    CommunityWhere,
    PositionWhere,
    StreetOrder,
    StreetWhere,
    WorkerOrder,
    WorkerWhere,
)
from api.graphql.records.types import Community, Jurisdiction, Position, Street, Worker
from api.reads import records as reads

T = TypeVar("T")

READ = [needs(Permission.READ)]
#: Fields a WORKER token may ask too: its scope is its own record and payslips.
READ_OR_OWN = [needs(Permission.READ, Permission.READ_OWN_PAYSLIPS)]



async def _by_id_or_code(info: Info, read: Callable[..., Any], node: type[T], id: strawberry.ID | None,
                         code: str | None) -> T | None:
    """One record by its global id (of ``node``'s type) or its code, through ``read``; None outside the caller's scope."""
    pk = from_global_id(id, node.__name__) if id is not None else None
    found = await run_db(read, info.context.principal, pk=pk, code=code)
    return node.from_values(found) if found else None

@strawberry.type
class RecordQueries:
    @strawberry.field(description="辖区（市、县、区；令牌限定辖区时只见本辖区及其下级）/ Jurisdictions (cities, counties, "
                                  "districts) by code; a token limited to jurisdictions sees its own and those below.",
                      permission_classes=READ)
    async def jurisdictions(
        self, info: Info,
        parent_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="只列此辖区的下级 / Only those directly below this one.")] = None,
        top: Annotated[bool, strawberry.argument(
            description="只列没有上级的 / Only those without a jurisdiction above.")] = False,
    ) -> list[Jurisdiction]:
        parent = optional_global_id(parent_id, "Jurisdiction", "parentId")
        rows = await run_db(reads.jurisdictions, info.context.principal, parent_pk=parent, top=top)
        return [Jurisdiction.from_values(v) for v in rows]

    @strawberry.field(description="按编号或行政区划代码取辖区 / One jurisdiction by id or code.", permission_classes=READ)
    async def jurisdiction(self, info: Info, id: OptionalId = None, code: Code = None) -> Jurisdiction | None:
        return await _by_id_or_code(info, reads.jurisdiction, Jurisdiction, id, code)

    @strawberry.field(description="街道列表（人事令牌只见本范围）/ Streets (HR tokens see their own).",
                      permission_classes=READ)
    async def streets(self, info: Info, first: First = None, after: After = None, last: Last = None,
                      before: Before = None, where: Where[StreetWhere] = None,
                      order_by: OrderBy[StreetOrder] = None) -> Connection[Street]:
        return await lists.streets(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或代码取街道 / One street by id or code.", permission_classes=READ)
    async def street(self, info: Info, id: OptionalId = None, code: Code = None) -> Street | None:
        return await _by_id_or_code(info, reads.street, Street, id, code)

    @strawberry.field(description="社区列表（人事令牌只见本范围）/ Communities (HR tokens see their own).",
                      permission_classes=READ)
    async def communities(self, info: Info, first: First = None, after: After = None, last: Last = None,
                          before: Before = None, where: Where[CommunityWhere] = None,
                          order_by: OrderBy[CommunityOrder] = None) -> Connection[Community]:
        return await lists.communities(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或代码取社区 / One community by id or code.", permission_classes=READ)
    async def community(self, info: Info, id: OptionalId = None, code: Code = None) -> Community | None:
        return await _by_id_or_code(info, reads.community, Community, id, code)

    @strawberry.field(description="工作者列表（人事令牌只见本范围）/ Workers (HR tokens see their own streets and "
                                  "communities).", permission_classes=READ)
    async def workers(self, info: Info, first: First = None, after: After = None, last: Last = None,
                      before: Before = None, where: Where[WorkerWhere] = None,
                      order_by: OrderBy[WorkerOrder] = None) -> Connection[Worker]:
        return await lists.workers(info, first, after, last, before, where, order_by)

    @strawberry.field(description="按编号或工号取工作者（工作者本人令牌只见本人）/ One worker by id or code (a WORKER token "
                                  "sees only its own).", permission_classes=READ_OR_OWN)
    async def worker(self, info: Info, id: OptionalId = None, code: Code = None) -> Worker | None:
        return await _by_id_or_code(info, reads.worker, Worker, id, code)

    @strawberry.field(description="岗位列表 / Positions.", permission_classes=READ)
    async def positions(self, info: Info, first: First = None, after: After = None, last: Last = None,
                        before: Before = None, where: Where[PositionWhere] = None) -> Connection[Position]:
        return await lists.positions(info, first, after, last, before, where)

    @strawberry.field(description="按编号取岗位 / One position by id.", permission_classes=READ)
    async def position(self, info: Info, id: Id) -> Position | None:
        found = await run_db(reads.position, info.context.principal, from_global_id(id, "Position"))
        return Position.from_values(found) if found else None
