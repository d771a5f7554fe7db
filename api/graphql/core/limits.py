"""A query cost limit estimated from ``first``/``last``.

Depth, alias and token limits stop absurd documents; they do not stop
``workers(first: 100) { payslips(first: 100) { … } }``, which asks for ten
thousand payslips in one request.  This rule estimates how many objects a
query may return — every field counts one, and a list field's selection
counts ``first`` (or ``last``, or the default page size) times — and refuses
the query before it runs when the estimate is above the limit.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

from api.settings import MAX_PAGE_SIZE

#: Page size assumed when a list gives no first/last (the connections' default).
DEFAULT_PAGE = 20


def _page_size(field: FieldNode) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 0)
            if isinstance(argument.value, VariableNode):
                return MAX_PAGE_SIZE  # unknown until execution: assume the largest page
    return None


def _is_connection(field: FieldNode) -> bool:
    names = {a.name.value for a in field.arguments or ()}
    if names & {"first", "last", "after", "before"}:
        return True
    return field.selection_set is not None and any(
        isinstance(s, FieldNode) and s.name.value in ("edges", "nodes") for s in field.selection_set.selections
    )


def selection_cost(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str] = frozenset()) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = selection_cost(selection.selection_set, fragments, seen)
            if _is_connection(selection):
                size = _page_size(selection)
                inner *= DEFAULT_PAGE if size is None else size
            total += 1 + inner
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            total += selection_cost(fragments[name].selection_set, fragments, seen | {name})
    return total


def create_rule(max_cost: int) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    cost = selection_cost(definition.selection_set, fragments)
                    if cost > max_cost:
                        name = definition.name.value if definition.name else None
                        zh_name, en_name = (name, name) if name else ("该操作", "the operation")
                        context.report_error(
                            GraphQLError(
                                f"查询过大：{zh_name}{' ' if name else ''}可能返回约 {cost} 个对象，超过上限 {max_cost}；请减小每页条数"
                                f"（first/last）或减少嵌套列表 / query cost limit: {en_name} may return about {cost} "
                                f"objects, above the limit of {max_cost}; ask for smaller pages (first/last) or fewer "
                                "nested lists",
                                definition,
                                extensions={"code": "LIMIT_EXCEEDED"},
                            )
                        )

    return QueryCostRule
