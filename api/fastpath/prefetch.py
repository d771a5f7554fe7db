"""Loading a page's related records with the page.

When a page cannot be rendered by the database (:mod:`.render`), its records
become GraphQL objects in the worker thread that read them.  The related
records the query selects on them — a payslip's worker, the worker's
community, its street — are then fetched there too, one statement per
relation and level (:meth:`View.fetch_by_ids`, limited to the caller's
scope), and attached to the objects; the nested fields resolve without
another trip to a thread (:func:`attached`), and the completion
(:mod:`.completion`) reads them directly.  Single objects and fields not
prefetched load through the request's data loaders instead.
"""

from __future__ import annotations

from typing import Any, Iterable

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.access.principal import Principal
from api.fastpath.views import ATTACHED, NodeType, node_of


def _flatten(selections: Iterable[Any]) -> list[SelectedField]:
    out: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            out += _flatten(selection.selections)
        elif isinstance(selection, SelectedField):
            out.append(selection)
    return out


def node_selections(info: Info) -> list[SelectedField]:
    """What the query selects on the nodes of the connection being resolved."""
    out: list[SelectedField] = []
    for field in info.selected_fields:
        for selection in _flatten(field.selections):
            if selection.name == "nodes":
                out += _flatten(selection.selections)
            elif selection.name == "edges":
                for edge in _flatten(selection.selections):
                    if edge.name == "node":
                        out += _flatten(edge.selections)
    return out


def prefetch(nodes: list[Any], declared: NodeType, selections: list[SelectedField], principal: Principal) -> None:
    """Attach the related records ``selections`` ask for to ``nodes`` (one
    statement per relation and level; runs in the worker thread).  A related
    record outside the principal's scope is attached as None."""
    for selection in selections:
        relation = declared.relation(selection.name)
        if relation is None or not nodes:
            continue
        ids = sorted({getattr(node, relation.key) for node in nodes if getattr(node, relation.key) is not None})
        target = node_of(relation.target)
        found = {pk: target.build(values) for pk, values in relation.target.fetch_by_ids(principal, ids).items()}
        for node in nodes:
            node.__dict__.setdefault(ATTACHED, {})[selection.name] = found.get(getattr(node, relation.key))
        prefetch(list(found.values()), target, _flatten(selection.selections), principal)


def attached(node: Any, field_name: str) -> tuple[bool, Any]:
    """``(True, record)`` when the field's record was prefetched onto the node."""
    store = node.__dict__.get(ATTACHED)
    if store is not None and field_name in store:
        return True, store[field_name]
    return False, None
