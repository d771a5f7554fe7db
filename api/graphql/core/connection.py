"""Cursor connections with keyset pagination.

Lists are ``first``/``after`` (or ``last``/``before``) connections with
``edges``, ``nodes``, ``pageInfo`` and ``totalCount``.  Cursors encode the
values of the sort columns plus the id of the last row, so the next page is a
``WHERE (sort…, id) > (…)`` on an index, not an OFFSET that gets slower page
after page and skips rows when others are inserted.  ``totalCount`` is
counted only when the query asks for it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, Sequence, TypeVar

import peewee as pw
import strawberry
from strawberry.types import Info

from api.db.threads import run_db
from api.db.fetch import fetch_all, fetch_models
from api.db.sqlcache import statement
from api.errors import BadRequest
from api.settings import MAX_PAGE_SIZE
from api.graphql.core.prefetch import node_selections, prefetch
from api.graphql.core.sqlrender import RenderedNodes, Rendering, rendering_for
from api.graphql.core.types import OrderDirection, PageInfo

T = TypeVar("T")


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
    @strawberry.field(description="本页各项及游标 / The items of the page with their cursors.")
    def edges(self) -> list[Edge[T]]:
        return [Edge(cursor=self._cursor(i), node=node) for i, node in enumerate(self._nodes)]

    @classmethod
    def of(
        cls,
        nodes: list[T],
        cursor: Callable[[int], str],
        has_next: bool,
        has_previous: bool,
        count: Callable[[], Awaitable[int]],
    ) -> Connection[T]:
        """A page of ``nodes`` whose i-th cursor is ``cursor(i)`` (computed only when asked for)."""
        return cls(
            _page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=has_previous,
                start_cursor=cursor(0) if nodes else None,
                end_cursor=cursor(len(nodes) - 1) if nodes else None,
            ),
            _nodes=nodes,
            _cursor=cursor,
            _count=count,
        )

    @strawberry.field(description="分页信息 / Where the page is in the list.")
    def page_info(self) -> PageInfo:
        return self._page_info

    @strawberry.field(description="本页各项 / The items of the page (without cursors).")
    def nodes(self) -> list[T]:
        return self._nodes

    @strawberry.field(description="符合条件的总数 / How many items the whole list has (counted only when asked).")
    async def total_count(self) -> int:
        return await self._count()


@dataclass(frozen=True)
class OrderKey:
    """A sort column: the model field and whether it sorts descending."""

    field: pw.Field
    descending: bool = False


def order_keys(
    order_by: Sequence[Any] | None,
    fields: dict[str, pw.Field],
    default: Sequence[OrderKey],
    id_field: pw.Field,
) -> list[OrderKey]:
    """Sort keys from an ``orderBy`` list, always ending with the id (unique)."""
    keys: list[OrderKey] = []
    for item in order_by or ():
        keys.append(OrderKey(fields[item.field.value], item.direction == OrderDirection.DESC))
    if not keys:
        keys = list(default)
    if not any(k.field is id_field for k in keys):
        keys.append(OrderKey(id_field, keys[-1].descending if keys else False))
    return keys


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, keys: list[OrderKey], argument: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(f"{argument}: {cursor!r} is not a cursor of this list") from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise BadRequest(f"{argument}: the cursor belongs to another list or ordering")
    out = []
    for key, value in zip(keys, values):
        if isinstance(key.field, pw.DateTimeField) and isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(key.field, pw.DateField) and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        out.append(value)
    return out


def _after(keys: list[OrderKey], values: list[Any], reverse: bool) -> pw.Expression:
    """Rows strictly after ``values`` in the order of ``keys`` (before it when reversed)."""
    condition = None
    for i, key in enumerate(keys):
        descending = key.descending != reverse
        step = key.field < values[i] if descending else key.field > values[i]
        for previous, value in zip(keys[:i], values[:i]):
            step = (previous.field == value) & step
        condition = step if condition is None else condition | step
    return condition


def _value(row: pw.Model, field: pw.Field) -> Any:
    return row.__data__.get(field.name)


@dataclass
class Page:
    rows: list[Any]
    keys: list[list[Any]]  # the sort-key values of each row, for its cursor
    has_next: bool
    has_previous: bool

    def cursor(self, index: int) -> str:
        return _encode(self.keys[index])


def validate_page_size(first: int | None, last: int | None) -> None:
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
            raise BadRequest(f"{name}: {value} is outside the page size limit of 1 to {MAX_PAGE_SIZE}")
    if first is not None and last is not None:
        raise BadRequest("give first or last, not both")


@dataclass(frozen=True)
class PageArgs:
    """A page asked for: ``first``/``after`` forwards or ``last``/``before`` backwards."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def restrict(self, query: pw.ModelSelect, keys: list[OrderKey]) -> tuple[pw.ModelSelect, int, bool]:
        """``query`` restricted to the page and its next row: (query, page size, backwards)."""
        validate_page_size(self.first, self.last)
        backwards = self.last is not None
        size = self.last if backwards else (self.first or 20)
        if self.after:
            query = query.where(_after(keys, _decode(self.after, keys, "after"), reverse=False))
        if self.before:
            query = query.where(_after(keys, _decode(self.before, keys, "before"), reverse=True))
        ordering = []
        for key in keys:
            descending = key.descending != backwards
            ordering.append(key.field.desc() if descending else key.field.asc())
        return query.order_by(*ordering).limit(size + 1), size, backwards

    def page(self, rows: list[Any], key_values: list[list[Any]], more: bool) -> Page:
        backwards = self.last is not None
        return Page(
            rows=rows,
            keys=key_values,
            has_next=more if not backwards else bool(self.before),
            has_previous=more if backwards else bool(self.after),
        )


def fetch_page(
    query: pw.ModelSelect,
    keys: list[OrderKey],
    args: PageArgs,
    raw_columns: Sequence[pw.Field] | None = None,
) -> Page:
    """One page of ``query`` in the order of ``keys`` (runs in a worker thread).

    With ``raw_columns`` (the columns ``query`` selects, in order) rows are the
    driver's tuples, without building a model per row — several times cheaper
    for wide rows; the sort keys must be among the columns."""
    query, size, backwards = args.restrict(query, keys)
    if raw_columns is not None:
        sql, params = statement(query)
        rows = fetch_all(query.model._meta.database, sql, params, [c.column_name for c in raw_columns])
        positions = [next(i for i, c in enumerate(raw_columns) if c is key.field) for key in keys]
    else:
        rows = fetch_models(query)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if raw_columns is not None:
        key_values = [[row[i] for i in positions] for row in rows]
    else:
        key_values = [[_value(row, key.field) for key in keys] for row in rows]
    return args.page(rows, key_values, more)


def fetch_rendered_page(
    query: pw.ModelSelect,
    keys: list[OrderKey],
    args: PageArgs,
    rendering: Rendering,
) -> tuple[Page, RenderedNodes]:
    """Like :func:`fetch_page`, the nodes rendered by the database (see :mod:`.sqlrender`)."""
    # The key columns first, then what the nodes read; each once.
    columns = {key.field.column_name: key.field for key in keys}
    for column in rendering.base_columns:
        columns.setdefault(column.column_name, column)
    query, size, backwards = args.restrict(query.select(*columns.values()), keys)
    sql, params = statement(query)
    page_sql = rendering.statement(sql, [(key.field.column_name, key.descending) for key in keys], backwards)
    key_values, nodes, more = rendering.read(query.model._meta.database, page_sql, params, size, backwards)
    return args.page([], key_values, more), nodes


def make_connection(page: Page, nodes: list[T], count_query: pw.ModelSelect) -> Connection[T]:
    async def count() -> int:
        return await run_db(lambda: count_query.order_by().count())

    return Connection.of(nodes, page.cursor, page.has_next, page.has_previous, count)


def _keys_of(keys: list[OrderKey], model: type[pw.Model]) -> bool:
    """Whether every sort key is a column of ``model``'s own table."""
    return all(key.field.model is model for key in keys)


async def paginate(
    build_query: Callable[[], pw.ModelSelect],
    keys: list[OrderKey],
    to_node: Callable[[pw.Model], T],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    info: Info | None = None,
    type_name: str | None = None,
    raw_columns: Sequence[pw.Field] | None = None,
) -> Connection[T]:
    """Fetch a page in a worker thread and shape it as a connection.

    ``build_query`` returns the filtered (and scope-restricted) query;
    ``to_node`` turns a row into its GraphQL object (also in the thread, so no
    lazy database access ever happens on the event loop).  With ``info`` and
    the nodes' ``type_name``, the related objects the query selects on the
    nodes are loaded in the same thread (see :mod:`.prefetch`).
    """
    validate_page_size(first, last)
    rendering = None
    if info is not None and type_name and _keys_of(keys, keys[-1].field.model):
        # The id is always the last key, a column of the listed model.
        rendering = rendering_for(info, type_name, keys[-1].field.model)
    selections = node_selections(info) if info is not None and type_name and rendering is None else []
    args = PageArgs(first, after, last, before)
    principal = info.context.principal if selections else None

    def load() -> tuple[Page, list[T], pw.ModelSelect]:
        query = build_query()
        if rendering is not None:
            page, rendered = fetch_rendered_page(query, keys, args, rendering)
            return page, rendered, query
        page = fetch_page(query, keys, args, raw_columns)
        nodes = [to_node(row) for row in page.rows]
        if selections:
            prefetch(nodes, type_name, selections, principal)
        return page, nodes, query

    page, nodes, query = await run_db(load)
    return make_connection(page, nodes, query)
