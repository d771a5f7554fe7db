"""Per-request data loaders: the records behind nested fields, one statement
per list level (``WHERE id IN (…)``), never one per row — and, like every read,
limited to the caller's scope.

A loader is made on first use in a request for a *batch function* of the read
layer — ``fn(principal, keys) -> [result per key]`` — so there is no registry
of names: a field asks for the function it needs.  To-one relations use the
related view's :meth:`~api.fastpath.views.View.fetch_by_ids` through
:func:`related`, which first looks for a record prefetched with the page.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Sequence

from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from api.access.principal import Principal
from api.db.threads import run_db
from api.fastpath.prefetch import attached
from api.fastpath.views import View, node_of, node_type

Batch = Callable[[Principal, Sequence[Hashable]], Sequence[Any]]


class Loaders:
    def __init__(self, principal: Principal | None):
        self._principal = principal
        self._made: dict[Any, DataLoader] = {}

    def of(self, batch: Batch) -> DataLoader:
        """The request's loader of ``batch`` (made on first use)."""
        loader = self._made.get(batch)
        if loader is None:
            principal = self._principal

            async def load(keys: list[Hashable]) -> Sequence[Any]:
                return await run_db(batch, principal, list(keys))

            loader = self._made[batch] = DataLoader(load_fn=load)
        return loader

    def by_id(self, view: View) -> DataLoader:
        """The request's loader of ``view``'s GraphQL objects by id (None outside the scope)."""
        loader = self._made.get(view)
        if loader is None:
            principal = self._principal
            declared = node_of(view)

            def fetch(keys: list[int]) -> list[Any]:
                found = view.fetch_by_ids(principal, keys)
                return [declared.build(found[key]) if key in found else None for key in keys]

            async def load(keys: list[int]) -> list[Any]:
                return await run_db(fetch, list(keys))

            loader = self._made[view] = DataLoader(load_fn=load)
        return loader


def related(node: Any, info: Info) -> Any:
    """The record of the to-one relation field being resolved on ``node``: the
    one prefetched with the page, or a load by id (an awaitable) — None when
    outside the caller's scope."""
    name = info.field_name
    found, value = attached(node, name)
    if found:
        return value
    declared = node_type(get_object_definition(type(node), strict=True).name)
    relation = declared.relation(name)
    pk = getattr(node, relation.key)
    if pk is None:
        return None
    return info.context.loaders.by_id(relation.target).load(pk)
