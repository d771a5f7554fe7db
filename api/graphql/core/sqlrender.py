"""Rendering a page's nodes in SQL.

A page of 100 payslips with their worker and community used to cost about a
hundred microseconds of Python per row: a model-shaped object per payslip,
worker and community (thirty-odd attributes each, dates and enums converted),
then the fast path (:mod:`.fastpath`) reading a handful of them back and
formatting the money.  Nearly all of that work is for attributes the query
never asked for.

When everything a query selects on a connection's ``nodes`` is a plain column
(text, integer, money, global id) of the node's table or of a table one
foreign key away, the database can produce the response objects itself:
``json_object`` (SQLite) or ``json_build_object`` (PostgreSQL) per row, the
related objects joined on their primary key — the same one lookup per
relation the prefetch does, inside the same statement.  The page
query keeps its filters, scope, order, keyset cursor and limit; only its
select list changes.  Python then handles a list of ready dictionaries.

What is rendered is declared per GraphQL type with :func:`sql_type`: which
fields are which columns, formatted how, and which fields are relations.
Anything else in the selection — a field not declared (masked personal data,
enums, dates, computed fields, lists), arguments, directives, fragments,
``edges`` — leaves the page on the ordinary path, which builds the objects and
resolves them as before.  Non-null fields are declared only on NOT NULL
columns, and relations only on NOT NULL foreign keys (the referenced rows are
never deleted: RESTRICT), so a rendered page cannot hold a null where the
schema promises a value.

Money is formatted in SQL exactly as :func:`payroll.money.format_fen`: the
sign, the whole yuan, two digits of fen; tests compare both paths field by
field on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import orjson
import peewee as pw
from graphql import FieldNode, GraphQLNonNull, GraphQLObjectType
from strawberry.utils.str_converters import to_camel_case

from api.db.fetch import is_sqlite

#: Rendering can be switched off (the tests compare both paths).
ENABLED = True

PLAIN, MONEY, GLOBAL_ID = "plain", "money", "global_id"


@dataclass(frozen=True)
class Column:
    """A field read from a column of the node's table."""

    field: pw.Field
    kind: str = PLAIN


@dataclass(frozen=True)
class Relation:
    """A field holding the object of another declared type, by foreign key."""

    foreign_key: pw.ForeignKeyField
    target: str


@dataclass(frozen=True)
class SqlType:
    model: type[pw.Model]
    columns: dict[str, Column]
    relations: dict[str, Relation]


_TYPES: dict[str, SqlType] = {}


def sql_type(type_name: str, model: type[pw.Model], columns: dict[str, Column | pw.Field],
             relations: dict[str, Relation] | None = None) -> None:
    """Declare how the GraphQL type ``type_name`` renders from ``model``'s table.

    ``columns`` maps the type's Python field names to columns (a bare peewee
    field is a plain value); ``relations`` maps field names to related
    declared types.  Names are camel-cased as the schema does."""
    _TYPES[type_name] = SqlType(
        model=model,
        columns={to_camel_case(name): value if isinstance(value, Column) else Column(value)
                 for name, value in columns.items()},
        relations={to_camel_case(name): value for name, value in (relations or {}).items()},
    )


class RenderedNodes:
    """A page's nodes as the JSON text of their array (completed as it is)."""

    __slots__ = ("text", "count")

    def __init__(self, text: str, count: int):
        self.text = text
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self):  # noqa: ANN204 - any other reader gets the objects
        return iter(orjson.loads(self.text))

    def completed(self, context: Any) -> Any:
        """The list's completed value: the text itself where the response is
        written by orjson (HTTP), the decoded objects for anyone else."""
        if getattr(context, "json_fragments", False):
            return orjson.Fragment(self.text)
        return orjson.loads(self.text)


@dataclass
class Rendering:
    """How a page is rendered: the base table's columns the nodes need, the
    joins of their related objects, and the expression of each node's JSON."""

    base_columns: list[pw.Field]
    joins: str
    expression: str
    sqlite: bool

    def statement(self, inner_sql: str, keys: Sequence[tuple[str, bool]], backwards: bool) -> str:
        """The statement over ``inner_sql`` (which selects :attr:`base_columns`
        with the sort keys, ordered and limited) returning its rows' key values
        and node texts in the list's order.

        ``keys``: (column name, descending) of the list's order."""
        key_list = ", ".join(f'"n0"."{name}"' for name, _ in keys)

        def order(reverse: bool) -> str:
            return ", ".join(f'"n0"."{name}" {"DESC" if descending != reverse else "ASC"}' for name, descending in keys)

        forward = order(False)
        if self.sqlite:
            # One row for the whole page: sqlite3 releases the GIL once per row
            # stepped (see api.db.fetch).  The nodes are concatenated as text in
            # the subquery's order; each one's length tells where it ends.
            inner_keys = ", ".join(f'"{name}"' for name, _ in keys)
            return (f'SELECT group_concat("node", \',\'), json_group_array(json_array({inner_keys}, length("node"))) '
                    f'FROM (SELECT {key_list}, {self.expression} AS "node" FROM ({inner_sql}) AS "n0"{self.joins} '
                    f'ORDER BY {forward})')
        # Rows in the order read (reversed when reading backwards), as fetch_page reads them.
        return (f'SELECT {key_list}, ({self.expression})::text FROM ({inner_sql}) AS "n0"{self.joins} '
                f'ORDER BY {order(backwards)}')

    def read(self, database: pw.Database, statement: str, params: Sequence[Any], size: int,
             backwards: bool) -> tuple[list[list[Any]], RenderedNodes, bool]:
        """(the key values of the page's rows, its nodes, whether more rows
        follow in the direction read) — the statement reads ``size + 1`` rows."""
        if self.sqlite:
            text, keys_json = database.execute_sql(statement, params).fetchone()
            rows = orjson.loads(keys_json)  # [key…, length of the node's text]
            text = text or ""
            more = len(rows) > size
            if more:  # drop the extra row (the first one when reading backwards)
                extra = rows[0][-1] if backwards else rows[-1][-1]
                text = text[extra + 1:] if backwards else text[:-(extra + 1)]
                rows = rows[1:] if backwards else rows[:-1]
            return [row[:-1] for row in rows], RenderedNodes(f"[{text}]", len(rows)), more
        fetched = database.execute_sql(statement, params).fetchall()
        more = len(fetched) > size
        fetched = fetched[:size]
        if backwards:
            fetched.reverse()
        nodes = RenderedNodes("[" + ",".join(row[-1] for row in fetched) + "]", len(fetched))
        return [list(row[:-1]) for row in fetched], nodes, more


def _money(expression: str, sqlite: bool) -> str:
    # format_fen: "-" for negatives, whole yuan, "." and two digits of fen.
    sign = f"CASE WHEN {expression} < 0 THEN '-' ELSE '' END"
    if sqlite:
        return f"printf('%s%d.%02d', {sign}, abs({expression}) / 100, abs({expression}) % 100)"
    # mod(), not %: psycopg2 reads % as a parameter marker.
    return f"concat({sign}, abs({expression}) / 100, '.', lpad(mod(abs({expression}), 100)::text, 2, '0'))"


def _column_sql(column: Column, alias: str, type_name: str, sqlite: bool) -> str:
    reference = f'"{alias}"."{column.field.column_name}"'
    if column.kind == GLOBAL_ID:
        return f"'{type_name}:' || {reference}" if sqlite else f"concat('{type_name}:', {reference})"
    if column.kind == MONEY:
        rendered = _money(reference, sqlite)
        if column.field.null:
            return f"CASE WHEN {reference} IS NULL THEN NULL ELSE {rendered} END"
        return rendered
    return reference


class _Unsupported(Exception):
    """The selection needs the ordinary path."""


def _object_sql(
    type_name: str,
    graphql_type: GraphQLObjectType,
    selection_set: Any,
    alias: str,
    sqlite: bool,
    aliases: list[int],
    base_columns: dict[str, pw.Field] | None,
    joins: list[str],
) -> str:
    """The JSON object expression of ``selection_set`` on the row ``alias`` of
    ``type_name``'s table.  ``base_columns`` collects the columns read from
    the page's own rows (None inside related objects, whose tables are read
    directly)."""
    spec = _TYPES.get(type_name)
    if spec is None or selection_set is None:
        raise _Unsupported
    pairs: dict[str, tuple[str, str]] = {}  # response key -> (field name, expression)
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
            raise _Unsupported
        name = selection.name.value
        key = selection.alias.value if selection.alias else name
        if name == "__typename":
            expression = f"'{type_name}'"
        elif name in spec.columns:
            if selection.selection_set is not None:
                raise _Unsupported
            column = spec.columns[name]
            graphql_field = graphql_type.fields.get(name)
            if graphql_field is None or (isinstance(graphql_field.type, GraphQLNonNull) and column.field.null):
                raise _Unsupported
            if base_columns is not None:
                base_columns[column.field.column_name] = column.field
            expression = _column_sql(column, alias, type_name, sqlite)
        elif name in spec.relations:
            relation = spec.relations[name]
            graphql_field = graphql_type.fields.get(name)
            target_type = graphql_field.type if graphql_field is not None else None
            if isinstance(target_type, GraphQLNonNull):
                target_type = target_type.of_type
            if not isinstance(target_type, GraphQLObjectType) or target_type.name != relation.target:
                raise _Unsupported
            target = _TYPES.get(relation.target)
            if target is None:
                raise _Unsupported
            if relation.foreign_key.null:
                raise _Unsupported  # a missing object would need a null, not an object of nulls
            aliases[0] += 1
            inner_alias = f"n{aliases[0]}"
            if base_columns is not None:
                base_columns[relation.foreign_key.column_name] = relation.foreign_key
            table = target.model._meta.table_name
            primary_key = target.model._meta.primary_key.column_name
            # A join, not a sub-select: SQLite would return the object as text
            # and json() would parse it again.  The key is NOT NULL and the row
            # cannot be deleted (RESTRICT), so every row finds its object.
            joins.append(f' LEFT JOIN "{table}" AS "{inner_alias}" '
                         f'ON "{inner_alias}"."{primary_key}" = "{alias}"."{relation.foreign_key.column_name}"')
            expression = _object_sql(relation.target, target_type, selection.selection_set, inner_alias, sqlite,
                                     aliases, None, joins)
        else:
            raise _Unsupported
        if key in pairs:
            # The same key twice is fine only for the same plain field.
            if pairs[key] != (name, expression) or selection.selection_set is not None:
                raise _Unsupported
            continue
        pairs[key] = (name, expression)
    if not pairs:
        raise _Unsupported
    if len(pairs) > 50:  # PostgreSQL functions take at most 100 arguments
        raise _Unsupported
    items = ", ".join(f"'{key}', {expression}" for key, (_, expression) in pairs.items())
    return f"json_object({items})" if sqlite else f"json_build_object({items})"


#: (id of the ``nodes`` field node, type, dialect) -> (the node, its rendering or None)
_CACHE: dict[tuple[int, str, bool], tuple[FieldNode, Rendering | None]] = {}
_MAX_CACHED = 2000


def rendering_for(info: Any, type_name: str, model: type[pw.Model]) -> Rendering | None:
    """The rendering of the connection field being resolved, or None when its
    selection must take the ordinary path."""
    if not ENABLED or type_name not in _TYPES or _TYPES[type_name].model is not model:
        return None
    raw = info._raw_info
    if len(raw.field_nodes) != 1:
        return None
    connection = raw.field_nodes[0]
    if connection.selection_set is None:
        return None
    nodes: list[FieldNode] = []
    for selection in connection.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None  # fragments and directives: the ordinary path decides
        if selection.name.value == "edges":
            return None  # edges carry the node objects too
        if selection.name.value == "nodes":
            nodes.append(selection)
    if len(nodes) != 1 or nodes[0].arguments:
        return None
    node = nodes[0]
    sqlite = is_sqlite(model._meta.database)
    key = (id(node), type_name, sqlite)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    node_type = raw.schema.get_type(type_name)
    rendering: Rendering | None = None
    if isinstance(node_type, GraphQLObjectType):
        base_columns: dict[str, pw.Field] = {}
        joins: list[str] = []
        try:
            expression = _object_sql(type_name, node_type, node.selection_set, "n0", sqlite, [0], base_columns, joins)
        except _Unsupported:
            pass
        else:
            rendering = Rendering(list(base_columns.values()), "".join(joins), expression, sqlite)
    if len(_CACHE) > _MAX_CACHED:
        _CACHE.clear()
    _CACHE[key] = (node, rendering)
    return rendering
