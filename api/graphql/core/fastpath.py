"""A fast path for completing lists of plain objects.

graphql-core completes every field of every list item through the general
machinery — resolve info, resolver call, awaitable checks, type checks — at a
few microseconds a field.  A page of 100 payslips with their worker and
community is about a thousand fields, and that machinery cost four times as
much as fetching the rows.

Most of those fields need none of it: they are plain attributes (strawberry's
"basic" fields without resolvers) of objects the page already holds, or a
related object :mod:`.prefetch` attached to them.  For such selections this
execution context compiles, once per document (the parser cache keeps the same
AST nodes), a plan that reads the attributes and serializes the leaves
directly.  Anything else — arguments, directives, fragment spreads, lists
inside items, a resolver with logic, a missing related object, a null in a
non-null field, any exception — makes the list take graphql-core's ordinary
path, which then produces exactly what it always does (including errors).
"""

from __future__ import annotations

from typing import Any, Callable

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from .prefetch import _RELATIONS, attached

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


def _leaf(graphql_type: Any, non_null: bool) -> Callable[[Any], Any] | None:
    if isinstance(graphql_type, (GraphQLScalarType, GraphQLEnumType)):
        serialize = graphql_type.serialize

        def complete(value: Any) -> Any:
            if value is None:
                if non_null:
                    raise _Fallback
                return None
            return serialize(value)

        return complete
    return None


def compile_plan(object_type: GraphQLObjectType, nodes: list[FieldNode]) -> Plan | None:
    """A function turning one object into its response dict, or None when the
    selection is not one the fast path handles."""
    selected = _selections(nodes, object_type)
    if selected is None:
        return None
    # Group by response key, keeping the first appearance's order.
    groups: dict[str, list[FieldNode]] = {}
    for node in selected:
        groups.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
    relations = _RELATIONS.get(object_type.name, {})
    steps: list[tuple[str, Callable[[Any], Any]]] = []
    for key, group in groups.items():
        name = group[0].name.value
        if any(n.name.value != name or n.arguments for n in group):
            return None
        if name == "__typename":
            type_name = object_type.name
            steps.append((key, lambda source, type_name=type_name: type_name))
            continue
        field = object_type.fields.get(name)
        if field is None:
            return None
        resolver = field.resolve
        if resolver is not None and getattr(resolver, "__name__", "") == "_get_basic_result":
            def get(source: Any, resolver=resolver) -> Any:
                return resolver(source)
        elif name in relations:
            def get(source: Any, name=name) -> Any:
                found, value = attached(source, name)
                if not found:
                    raise _Fallback
                return value
        else:
            return None
        field_type = field.type
        non_null = isinstance(field_type, GraphQLNonNull)
        if non_null:
            field_type = field_type.of_type
        leaf = _leaf(field_type, non_null)
        if leaf is not None:
            steps.append((key, lambda source, get=get, leaf=leaf: leaf(get(source))))
            continue
        if isinstance(field_type, GraphQLObjectType):
            sub_plan = compile_plan(field_type, group)
            if sub_plan is None:
                return None

            def nested(source: Any, get=get, sub_plan=sub_plan, non_null=non_null) -> Any:
                value = get(source)
                if value is None:
                    if non_null:
                        raise _Fallback
                    return None
                return sub_plan(value)

            steps.append((key, nested))
            continue
        return None  # lists and abstract types inside items

    def plan(source: Any) -> dict[str, Any]:
        return {key: step(source) for key, step in steps}

    return plan


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

    def complete_iterable_value(self, item_type, field_details_list, info, path, items, position_context):
        if isinstance(items, list) and self.get_stream_usage(field_details_list, path) is None:
            plan = self._plan_for(item_type, field_details_list)
            if plan is not None:
                non_null = isinstance(item_type, GraphQLNonNull)
                try:
                    return [
                        plan(item) if item is not None else _none_item(non_null)
                        for item in items
                    ]
                except _Fallback:
                    pass
                except Exception:  # noqa: BLE001 - the ordinary path reports it properly
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)


def _none_item(non_null: bool) -> None:
    if non_null:
        raise _Fallback
    return None
