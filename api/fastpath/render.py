"""Pages whose nodes the database renders as JSON.

A page of 100 payslips with their worker and community used to cost about a
hundred microseconds of Python per row: an object per payslip, worker and
community (thirty-odd attributes each), then the completion reading a handful
of them back and formatting the money.  Nearly all of that work is for
attributes the query never asked for.

When everything a query selects on a connection's ``nodes`` is a column a
view declares (text, integer, money, global id) or a declared to-one relation
of such columns, the database produces the response objects itself:
``json_object`` (SQLite) or ``json_build_object`` (PostgreSQL) per row, the
related records joined on their primary key in the same statement.  The page
query keeps its scope, filters, order, keyset cursor and limit; only its
select list changes.

Each join is limited to what the caller may see, like every read: for a
principal with a scope the join condition includes the related view's scope
(``AND "n1"."id" IN (SELECT … WHERE <scope>)``), so a related record outside
it comes out as ``null`` — which is why such fields are nullable in the
schema.  A field is rendered only where the schema allows what the column
can hold (a nullable column or relation needs a nullable field); anything
else — a field not declared (masked personal data, enums, dates, computed
fields, lists), arguments, directives, fragments, ``edges`` — leaves the page
on the ordinary path.

Money is formatted in SQL exactly as :func:`payroll.money.format_fen`; the
tests compare both paths field by field on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import orjson
import peewee as pw
from graphql import FieldNode, OperationDefinitionNode

from api.access.principal import Principal
from api.db.fetch import is_sqlite
from api.fastpath.views import GLOBAL_ID, MONEY, Column, NodeType, node_of, node_type

#: Rendering can be switched off (the tests compare both paths).
ENABLED = True


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
    joins of their related records (with their parameters) and the
    expression of each node's JSON."""

    base_columns: list[pw.Field]
    joins: str
    join_params: list[Any]
    expression: str
    sqlite: bool

    def statement(self, inner_sql: str, inner_params: list[Any], keys: Sequence[tuple[str, bool]],
                  backwards: bool) -> tuple[str, list[Any]]:
        """The statement over ``inner_sql`` (which selects :attr:`base_columns`
        with the sort keys, ordered and limited) returning its rows' key values
        and node texts in the list's order.  ``keys``: (column, descending)."""
        key_list = ", ".join(f'"n0"."{name}"' for name, _ in keys)

        def order(reverse: bool) -> str:
            return ", ".join(f'"n0"."{name}" {"DESC" if descending != reverse else "ASC"}' for name, descending in keys)

        params = inner_params + self.join_params
        if self.sqlite:
            # One row for the whole page: sqlite3 releases the GIL once per row
            # stepped (see api.db.fetch).  The nodes are concatenated as text in
            # the subquery's order; each one's length tells where it ends.
            inner_keys = ", ".join(f'"{name}"' for name, _ in keys)
            return (f'SELECT group_concat("node", \',\'), json_group_array(json_array({inner_keys}, length("node"))) '
                    f'FROM (SELECT {key_list}, {self.expression} AS "node" FROM ({inner_sql}) AS "n0"{self.joins} '
                    f'ORDER BY {order(False)})'), params
        # Rows in the order read (reversed when reading backwards), as pages are read.
        return (f'SELECT {key_list}, ({self.expression})::text FROM ({inner_sql}) AS "n0"{self.joins} '
                f'ORDER BY {order(backwards)}'), params

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


def money_sql(expression: str, sqlite: bool) -> str:
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
        rendered = money_sql(reference, sqlite)
        return f"CASE WHEN {reference} IS NULL THEN NULL ELSE {rendered} END" if column.field.null else rendered
    return reference


class _Unsupported(Exception):
    """The selection needs the ordinary path."""


@dataclass
class _Builder:
    principal: Principal
    sqlite: bool
    base_columns: dict[str, pw.Field]
    joins: list[str]
    join_params: list[Any]
    aliases: int = 0

    def object_sql(self, declared: NodeType, selection_set: Any, alias: str, base: bool) -> str:
        """The JSON object expression of ``selection_set`` on the row ``alias``
        of ``declared``'s table (``base``: the page's own rows, whose columns
        the inner statement must select)."""
        if selection_set is None:
            raise _Unsupported
        view = declared.view
        pairs: dict[str, tuple[str, str]] = {}  # response key -> (field name, expression)
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
                raise _Unsupported
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            if name == "__typename":
                expression = f"'{view.type_name}'"
            else:
                python_name, nullable = declared.fields.get(name, (None, False))
                if python_name in view.columns:
                    column = view.columns[python_name]
                    if selection.selection_set is not None or (column.field.null and not nullable):
                        raise _Unsupported
                    if base:
                        self.base_columns[column.field.column_name] = column.field
                    expression = _column_sql(column, alias, view.type_name, self.sqlite)
                elif python_name in view.relations:
                    expression = self.relation_sql(view.relations[python_name], nullable, selection, alias, base)
                else:
                    raise _Unsupported
            if key in pairs:
                # The same key twice is fine only for the same plain field.
                if pairs[key] != (name, expression) or selection.selection_set is not None:
                    raise _Unsupported
                continue
            pairs[key] = (name, expression)
        if not pairs or len(pairs) > 50:  # PostgreSQL functions take at most 100 arguments
            raise _Unsupported
        items = ", ".join(f"'{key}', {expression}" for key, (_, expression) in pairs.items())
        return f"json_object({items})" if self.sqlite else f"json_build_object({items})"

    def relation_sql(self, relation: Any, nullable: bool, selection: FieldNode, alias: str, base: bool) -> str:
        target = relation.target
        scope = target.scope(self.principal)
        if (relation.foreign_key.null or scope is not None) and not nullable:
            raise _Unsupported  # a missing record would need a null where the schema promises one
        self.aliases += 1
        inner = f"n{self.aliases}"
        if base:
            self.base_columns[relation.foreign_key.column_name] = relation.foreign_key
        table = target.model._meta.table_name
        key = target.model._meta.primary_key.column_name
        # A join, not a sub-select: SQLite would return the object as text and
        # json() would parse it again.
        join = (f' LEFT JOIN "{table}" AS "{inner}" '
                f'ON "{inner}"."{key}" = "{alias}"."{relation.foreign_key.column_name}"')
        if scope is not None:
            scope_sql, scope_params = target.model.select(target.model.id).where(scope).sql()
            join += f' AND "{inner}"."{key}" IN ({scope_sql})'
            self.join_params += scope_params
        self.joins.append(join)
        expression = self.object_sql(node_of(target), selection.selection_set, inner, False)
        if relation.foreign_key.null or scope is not None:
            return f'CASE WHEN "{inner}"."{key}" IS NULL THEN NULL ELSE {expression} END'
        return expression


def _path_keys(path: Any) -> tuple[str, ...]:
    """The response keys from the operation's root to ``path`` (list indices left out)."""
    keys = []
    while path is not None:
        if isinstance(path.key, str):
            keys.append(path.key)
        path = path.prev
    return tuple(reversed(keys))


def _connection_node(operation: OperationDefinitionNode, path: Any) -> FieldNode | None:
    """The field node of the connection at ``path`` in ``operation`` (None when
    a fragment is on the way or the key is selected more than once)."""
    selection_set = operation.selection_set
    found: FieldNode | None = None
    for key in _path_keys(path):
        if selection_set is None or any(not isinstance(s, FieldNode) for s in selection_set.selections):
            return None
        matches = [s for s in selection_set.selections if (s.alias.value if s.alias else s.name.value) == key]
        if len(matches) != 1:
            return None
        found = matches[0]
        selection_set = found.selection_set
    return found


#: (operation, path, type, dialect, scope) -> (the operation, its rendering or None)
_CACHE: dict[tuple, tuple[OperationDefinitionNode, Rendering | None]] = {}
_MAX_CACHED = 2000


def rendering_for(operation: OperationDefinitionNode, path: Any, type_name: str, model: type[pw.Model],
                  principal: Principal) -> Rendering | None:
    """The rendering of the connection at ``path`` (of ``type_name`` nodes read
    from ``model``), or None when its selection must take the ordinary path."""
    declared = node_type(type_name)
    if not ENABLED or declared is None or declared.view.model is not model:
        return None
    sqlite = is_sqlite(model._meta.database)
    # The rendering holds the scope's parameters (a WORKER's worker id among
    # them): it is shared only by principals who see the same rows.
    key = (id(operation), _path_keys(path), type_name, sqlite, principal.scope_key)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is operation:
        return cached[1]
    rendering = _build(operation, path, declared, sqlite, principal)
    if len(_CACHE) > _MAX_CACHED:
        _CACHE.clear()
    _CACHE[key] = (operation, rendering)
    return rendering


def _build(operation: OperationDefinitionNode, path: Any, declared: NodeType, sqlite: bool,
           principal: Principal) -> Rendering | None:
    connection = _connection_node(operation, path)
    if connection is None or connection.selection_set is None:
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
    builder = _Builder(principal, sqlite, {}, [], [])
    try:
        expression = builder.object_sql(declared, nodes[0].selection_set, "n0", True)
    except _Unsupported:
        return None
    return Rendering(list(builder.base_columns.values()), "".join(builder.joins), builder.join_params, expression,
                     sqlite)
