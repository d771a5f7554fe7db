"""One declaration per kind of record: how it is read and shown.

A :class:`View` names a record's table, the columns its GraphQL type shows
(and how the database renders each: plain, money or global id), its to-one
relations to other views, the scope condition of :mod:`api.access.scopes`
and the masking of :mod:`api.access.masking`.  The read layer defines one
view per record (:mod:`api.reads`); a GraphQL type declares the view it
shows with :func:`node`, and everything in :mod:`api.fastpath` works from
that one declaration: rendering, prefetching, completing and loading by id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson
import peewee as pw
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.utils.str_converters import to_camel_case

from api.access.principal import Principal
from api.db.fetch import fetch_all, is_sqlite

PLAIN, MONEY, GLOBAL_ID = "plain", "money", "global_id"
#: The attribute of a GraphQL object under which related objects are attached.
ATTACHED = "attached_relations"


@dataclass(frozen=True)
class Column:
    """A field shown from a column of the record's table."""

    field: pw.Field
    kind: str = PLAIN


@dataclass(frozen=True)
class Relation:
    """A field holding the related record of another view, by foreign key."""

    foreign_key: pw.ForeignKeyField
    target: View

    @property
    def key(self) -> str:
        """The attribute of a node holding the related record's id (``community_pk``)."""
        return f"{self.foreign_key.name}_pk"


Presenter = Callable[[dict[str, Any], Principal], dict[str, Any]]


@dataclass(eq=False)
class View:
    """How one kind of record is read and shown."""

    #: The GraphQL type name, also the prefix of global ids (``Worker:12``).
    type_name: str
    model: type[pw.Model]
    #: The condition of the rows a principal may see (None: all).
    scope: Callable[[Principal], pw.Expression | None]
    #: Fields (Python names) the database may render, by column.
    columns: dict[str, Column | pw.Field] = field(default_factory=dict)
    #: To-one relations (Python field names) to other views.
    relations: dict[str, Relation] = field(default_factory=dict)
    #: Masks the values a principal may not see (None: nothing to mask).
    present: Presenter | None = None
    #: The columns read for a record's values (None: every column of the table).
    fields: tuple[pw.Field, ...] | None = None

    def __post_init__(self) -> None:
        self.columns = {name: c if isinstance(c, Column) else Column(c) for name, c in self.columns.items()}
        fields = list(self.fields or self.model._meta.sorted_fields)
        self.fields = tuple(fields)
        self.field_names = [f.name for f in fields]
        self.column_names = [f.column_name for f in fields]
        self._dates = [i for i, f in enumerate(fields) if type(f) is pw.DateField]
        self._times = [i for i, f in enumerate(fields) if type(f) is pw.DateTimeField]

    def __repr__(self) -> str:
        return f"View({self.type_name})"

    def values(self, row: Any, principal: Principal) -> dict[str, Any]:
        """A driver row of every column (in :attr:`column_names` order) as values
        by field name, presented for ``principal``.  SQLite returns dates and
        times as ISO text, PostgreSQL as objects."""
        values = dict(zip(self.field_names, row))
        for i in self._dates:
            if isinstance(row[i], str):
                values[self.field_names[i]] = dt.date.fromisoformat(row[i])
        for i in self._times:
            if isinstance(row[i], str):
                values[self.field_names[i]] = dt.datetime.fromisoformat(row[i])
        return self.present(values, principal) if self.present is not None else values

    def fetch_by_ids(self, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The visible records among ``ids``, by id (one statement; runs in a
        worker thread).  Built from the driver's rows: a page's hundred workers
        are hot, and a model object per row costs more than the query."""
        if not ids:
            return {}
        database = self.model._meta.database
        columns = ", ".join(f'"{name}"' for name in self.column_names)
        table = self.model._meta.table_name
        if is_sqlite(database):
            # One parameter, not one per id: sqlite3 releases the GIL for every
            # bound parameter (see api.db.fetch).
            sql = f'SELECT {columns} FROM "{table}" WHERE "id" IN (SELECT value FROM json_each(?))'
            params: list[Any] = [orjson.dumps(ids).decode()]
        else:
            sql = f'SELECT {columns} FROM "{table}" WHERE "id" IN ({", ".join([database.param] * len(ids))})'
            params = list(ids)
        condition = self.scope(principal)
        if condition is not None:
            scope_sql, scope_params = self.model.select(self.model.id).where(condition).sql()
            sql += f' AND "id" IN ({scope_sql})'
            params += scope_params
        out = {}
        for row in fetch_all(database, sql, params, self.column_names):
            values = self.values(row, principal)
            out[values["id"]] = values
        return out


    def fetch_where(self, principal: Principal, condition: pw.Expression,
                    order_by: tuple[pw.Field, ...] = ()) -> list[dict[str, Any]]:
        """The visible records matching ``condition``, in ``order_by`` (then id)."""
        query = self.model.select(*self.fields).where(condition)
        scope = self.scope(principal)
        if scope is not None:
            query = query.where(scope)
        sql, params = query.order_by(*order_by, self.model.id).sql()
        return [self.values(row, principal) for row in fetch_all(self.model._meta.database, sql, params,
                                                                   self.column_names)]


@dataclass(frozen=True)
class NodeType:
    """A GraphQL object type shown from a view."""

    view: View
    cls: type
    #: GraphQL field name → (Python name, nullable) of the type's fields.
    fields: dict[str, tuple[str, bool]]

    def build(self, values: dict[str, Any]) -> Any:
        return self.cls.from_values(values)

    def relation(self, graphql_name: str) -> Relation | None:
        entry = self.fields.get(graphql_name)
        return self.view.relations.get(entry[0]) if entry else None


_BY_NAME: dict[str, NodeType] = {}
_BY_VIEW: dict[View, NodeType] = {}


def node(view: View) -> Callable[[type], type]:
    """Declare that a strawberry type (applied below this decorator, with a
    ``from_values(values)`` class method) shows ``view``'s records."""

    def register(cls: type) -> type:
        definition = get_object_definition(cls, strict=True)
        fields = {
            f.graphql_name or to_camel_case(f.python_name): (f.python_name, _nullable(f.type))
            for f in definition.fields
        }
        declared = NodeType(view, cls, fields)
        _BY_NAME[definition.name] = declared
        _BY_VIEW[view] = declared
        return cls

    return register


def _nullable(annotation: Any) -> bool:
    return isinstance(annotation, StrawberryOptional)


def node_type(type_name: str) -> NodeType | None:
    """The declaration of the GraphQL object type named ``type_name``."""
    return _BY_NAME.get(type_name)


def node_of(view: View) -> NodeType:
    return _BY_VIEW[view]
