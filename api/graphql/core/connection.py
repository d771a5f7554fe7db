"""Cursor connections: ``first``/``after`` (or ``last``/``before``) pages with
``edges``, ``nodes``, ``pageInfo`` and ``totalCount``.

A list field asks the read layer for a :class:`~api.fastpath.pages.Listing`
(scoped, filtered, ordered) and hands it to :func:`paginate`, which reads the
page in a worker thread — rendered by the database when the selection allows
it (:mod:`api.fastpath.render`), otherwise as objects with their related
records prefetched (:mod:`api.fastpath.prefetch`).  ``totalCount`` is counted
only when the query asks for it.
"""

from __future__ import annotations

from typing import Annotated, Any, Awaitable, Callable, Generic, TypeVar

import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.fastpath.pages import Listing, Page, PageArgs
from api.fastpath.prefetch import node_selections, prefetch
from api.fastpath.render import rendering_for
from api.fastpath.views import node_of
from api.graphql.core.types import PageInfo

T = TypeVar("T")

#: The arguments every list field takes, described once.
First = Annotated[int | None, strawberry.argument(
    description="每页条数（1–100，默认 20）/ Page size: the first N items after `after` (1–100, default 20).")]
After = Annotated[str | None, strawberry.argument(
    description="从该游标之后开始（上一页的 pageInfo.endCursor）/ Continue after this cursor (the previous page's "
                "pageInfo.endCursor).")]
Last = Annotated[int | None, strawberry.argument(description="最后 N 条（1–100）/ The last N items before `before` (1–100).")]
Before = Annotated[str | None, strawberry.argument(description="到该游标之前为止 / End before this cursor.")]


@strawberry.type(description="列表中的一项及其游标 / An item of a list and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="游标 / Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="项目 / The item.")


@strawberry.type(description="分页列表 / A page of a list.")
class Connection(Generic[T]):
    _page_info: strawberry.Private[PageInfo]
    _nodes: strawberry.Private[list[T]]
    _cursor: strawberry.Private[Callable[[int], str]]  # the cursor of the page's i-th node
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    # Edges are built only when asked for: most clients read ``nodes`` and
    # ``pageInfo``, and encoding a cursor for every row is then wasted work.
    @classmethod
    def of(cls, nodes: Any, cursor: Callable[[int], str], has_next: bool, has_previous: bool,
           count: Callable[[], Awaitable[int]]) -> Connection[T]:
        """A page of ``nodes`` whose i-th cursor is ``cursor(i)`` (computed only when asked for)."""
        return cls(
            _page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=cursor(0) if len(nodes) else None,
                end_cursor=cursor(len(nodes) - 1) if len(nodes) else None,
            ),
            _nodes=nodes,
            _cursor=cursor,
            _count=count,
        )

    @strawberry.field(description="本页各项及游标 / The items of the page with their cursors.")
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=self._cursor(i), node=node) for i, node in enumerate(self._nodes)]

    @strawberry.field(description="分页信息 / Where the page is in the list.")
    def page_info(self) -> PageInfo:
        return self._page_info

    @strawberry.field(description="本页各项 / The items of the page (without cursors).")
    def nodes(self) -> list[T]:
        return self._nodes

    @strawberry.field(description="符合条件的总数 / How many items the whole list has (counted only when asked).")
    async def total_count(self) -> int:
        return await self._count()


def _connection(page: Page, nodes: Any, listing: Listing) -> Connection[Any]:
    async def count() -> int:
        return await run_db(listing.count)

    return Connection.of(nodes, page.cursor, page.has_next, page.has_previous, count)


async def paginate(listing: Listing, args: PageArgs, info: Info) -> Connection[Any]:
    """A page of ``listing`` as a connection of its view's GraphQL objects."""
    args.validate()
    declared = node_of(listing.view)
    principal = listing.principal
    rendering = rendering_for(info.operation, info.path, declared.view.type_name, listing.view.model, principal)
    selections = node_selections(info) if rendering is None else []

    def load() -> tuple[Page, Any]:
        if rendering is not None:
            return listing.read_rendered_page(args, rendering)
        page = listing.read_page(args)
        nodes = [declared.build(values) for values in page.rows]
        if selections:
            prefetch(nodes, declared, selections, principal)
        return page, nodes

    page, nodes = await run_db(load)
    return _connection(page, nodes, listing)
