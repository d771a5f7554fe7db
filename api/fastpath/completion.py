"""Completing lists of plain objects with generated code.

graphql-core completes every field of every list item through the general
machinery — resolve info, resolver call, awaitable checks, type checks — at a
few microseconds a field.  A page of 100 payslips with their worker and
community is about a thousand fields, and that machinery cost four times as
much as fetching the rows.

Most of those fields need none of it: they are plain attributes (strawberry's
"basic" fields without resolvers) of objects the page already holds, or a
related record :mod:`.prefetch` attached to them.  For such selections this
execution context compiles, once per document (the parser cache keeps the same
AST nodes), a plan that reads the attributes and serializes the leaves
directly.  Anything else — arguments, directives, fragment spreads, lists
inside items, a resolver with logic, a missing related object, a null in a
non-null field, a value a serializer refuses — makes the list take
graphql-core's ordinary path, which then produces exactly what it always does
(including its errors).
"""

from __future__ import annotations

from typing import Any, Callable

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api.fastpath.render import RenderedNodes
from api.fastpath.views import ATTACHED, node_type

Plan = Callable[[Any], dict[str, Any]]
_MAX_PLANS = 2000


class _Fallback(Exception):
    """This list must take the ordinary path."""


def _selections(nodes: list[FieldNode], object_type: GraphQLObjectType) -> list[FieldNode] | None:
    """The field nodes selected on ``object_type`` by ``nodes``; None when
    something the fast path does not handle appears."""
    out: list[FieldNode] = []

    def walk(selection_set) -> bool:
        for selection in selection_set.selections:
            if selection.directives:
                return False
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != object_type.name:
                    return False
                if not walk(selection.selection_set):
                    return False
            else:  # fragment spreads
                return False
        return True

    for node in nodes:
        if node.selection_set is None or not walk(node.selection_set):
            return None
    return out


_PLAIN_SCALARS = {"String": str, "ID": str, "Boolean": bool}


def _leaf_expression(graphql_type: Any, value: str, namespace: dict[str, Any]) -> str | None:
    """Python source serializing ``value`` as ``graphql_type``; None when the
    type is not a leaf."""
    if not isinstance(graphql_type, (GraphQLScalarType, GraphQLEnumType)):
        return None
    name = f"serialize_{len(namespace)}"
    namespace[name] = graphql_type.serialize
    plain = _PLAIN_SCALARS.get(graphql_type.name) if isinstance(graphql_type, GraphQLScalarType) else None
    if plain is not None:
        # graphql-core returns these unchanged; skip the call.
        namespace[f"{name}_type"] = plain
        return f"({value} if {value}.__class__ is {name}_type else {name}({value}))"
    return f"{name}({value})"


def compile_plan(object_type: GraphQLObjectType, nodes: list[FieldNode]) -> Plan | None:
    """A function turning one object into its response dict, or None when the
    selection is not one the fast path handles.

    The function is generated Python source — one attribute read and one
    serializer call per field, no per-field closures — because at a thousand
    fields a page the per-field call overhead is what remains."""
    namespace: dict[str, Any] = {"_Fallback": _Fallback, "_ATTACHED": ATTACHED}
    lines: list[str] = []
    counter = [0]
    result = _compile_object(object_type, nodes, "source", lines, namespace, counter, indent="    ")
    if result is None:
        return None
    source = "def plan(source):\n" + "\n".join(lines) + f"\n    return {result}\n"
    exec(compile(source, f"<graphql plan {object_type.name}>", "exec"), namespace)  # noqa: S102 - generated from the schema, not from input
    return namespace["plan"]


def _compile_object(
    object_type: GraphQLObjectType,
    nodes: list[FieldNode],
    source: str,
    lines: list[str],
    namespace: dict[str, Any],
    counter: list[int],
    indent: str,
) -> str | None:
    """Append statements computing ``object_type``'s selected fields of the
    object in variable ``source``; return the dict expression of the result."""
    selected = _selections(nodes, object_type)
    if selected is None:
        return None
    # Group by response key, keeping the first appearance's order.
    groups: dict[str, list[FieldNode]] = {}
    for node in selected:
        groups.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
    declared = node_type(object_type.name)
    items: list[str] = []
    for key, group in groups.items():
        name = group[0].name.value
        if any(n.name.value != name or n.arguments for n in group):
            return None
        if name == "__typename":
            items.append(f"{key!r}: {object_type.name!r}")
            continue
        field = object_type.fields.get(name)
        if field is None:
            return None
        counter[0] += 1
        value = f"v{counter[0]}"
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        resolver = field.resolve
        if (
            resolver is not None
            and getattr(resolver, "_is_default", False)
            and definition is not None
            and definition.default_resolver is getattr
            and definition.python_name.isidentifier()
        ):
            lines.append(f"{indent}{value} = {source}.{definition.python_name}")
        elif declared is not None and declared.relation(name) is not None:
            store = f"store{counter[0]}"
            lines.append(f"{indent}{store} = {source}.__dict__.get(_ATTACHED)")
            lines.append(f"{indent}if {store} is None or {name!r} not in {store}: raise _Fallback")
            lines.append(f"{indent}{value} = {store}[{name!r}]")
        else:
            return None
        field_type = field.type
        non_null = isinstance(field_type, GraphQLNonNull)
        if non_null:
            field_type = field_type.of_type
        leaf = _leaf_expression(field_type, value, namespace)
        if leaf is not None:
            if non_null:
                lines.append(f"{indent}if {value} is None: raise _Fallback")
                items.append(f"{key!r}: {leaf}")
            else:
                items.append(f"{key!r}: (None if {value} is None else {leaf})")
            continue
        if isinstance(field_type, GraphQLObjectType):
            nested_lines: list[str] = []
            nested = _compile_object(field_type, group, value, nested_lines, namespace, counter, indent + "    ")
            if nested is None:
                return None
            result = f"r{counter[0]}"
            counter[0] += 1
            lines.append(f"{indent}if {value} is None:")
            lines.append(f"{indent}    {'raise _Fallback' if non_null else result + ' = None'}")
            lines.append(f"{indent}else:")
            lines.extend(nested_lines)
            lines.append(f"{indent}    {result} = {nested}")
            items.append(f"{key!r}: {result}")
            continue
        return None  # lists and abstract types inside items
    return "{" + ", ".join(items) + "}"


class FastListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    _plans: dict[tuple, Plan | None] = {}

    def _plan_for(self, item_type: Any, field_details_list: Any) -> Plan | None:
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        if not isinstance(item_type, GraphQLObjectType):
            return None
        if any(details.defer_usage is not None for details in field_details_list):
            return None
        key = (item_type.name, tuple(id(details.node) for details in field_details_list))
        plans = FastListExecutionContext._plans
        if key not in plans:
            if len(plans) > _MAX_PLANS:
                plans.clear()
            plans[key] = compile_plan(item_type, [details.node for details in field_details_list])
        return plans[key]

    def build_response(self, data):  # noqa: ANN001, ANN201 - graphql-core's signature
        # The last step of an execution.  graphql-core keeps bound methods of
        # the execution context on itself (async_helpers), a reference cycle
        # that made everything a request touched — context, request, variables,
        # collected fields, some seventy objects — wait for the cyclic garbage
        # collector, whose runs then took 50–70 ms every two seconds under
        # load.  Breaking the cycle here lets reference counting free them.
        # Incremental results (@defer, @stream; not enabled here) would still
        # need the context after this, so only a complete result lets go.
        result = super().build_response(data)
        if isinstance(result, ExecutionResult):
            self.async_helpers = None
        return result

    def complete_iterable_value(self, item_type, field_details_list, info, path, items, position_context):
        if type(items) is RenderedNodes:
            # The objects the database rendered for exactly this selection.
            return items.completed(self.context_value)
        if isinstance(items, list) and self.get_stream_usage(field_details_list, path) is None:
            plan = self._plan_for(item_type, field_details_list)
            if plan is not None:
                non_null = isinstance(item_type, GraphQLNonNull)
                try:
                    return [
                        plan(item) if item is not None else _none_item(non_null)
                        for item in items
                    ]
                except (_Fallback, GraphQLError, TypeError, ValueError):
                    # A serializer refusing a value: the ordinary path reports it
                    # with the field's path.
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)


def _none_item(non_null: bool) -> None:
    if non_null:
        raise _Fallback
    return None
