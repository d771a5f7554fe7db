"""Per-request data loaders: nested objects are fetched one query per list
level (``WHERE id IN (…)``), never one per row.

Domains register a loader factory by name; :class:`Loaders` builds each on
first use in a request.  The batch functions run their query — and the
conversion of rows to GraphQL objects — in a worker thread.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Hashable, TypeVar

import peewee as pw
from strawberry.dataloader import DataLoader

from api.auth import Principal
from api.db.threads import run_db
from api.db.fetch import fetch_models

T = TypeVar("T")
_factories: dict[str, Callable[[Principal], DataLoader]] = {}


def register_loader(name: str) -> Callable[[Callable[[Principal], DataLoader]], Callable[[Principal], DataLoader]]:
    def decorate(factory: Callable[[Principal], DataLoader]) -> Callable[[Principal], DataLoader]:
        _factories[name] = factory
        return factory

    return decorate


class Loaders:
    def __init__(self, principal: Principal | None):
        self._principal = principal
        self._made: dict[str, DataLoader] = {}

    def __getattr__(self, name: str) -> DataLoader:
        if name.startswith("_"):
            raise AttributeError(name)
        loader = self._made.get(name)
        if loader is None:
            loader = self._made[name] = _factories[name](self._principal)
        return loader


def by_id(model: type[pw.Model], to_node: Callable[[pw.Model], T], query: Callable[[], pw.ModelSelect] | None = None) -> DataLoader[int, T | None]:
    """Objects by primary key, in one ``IN`` query per batch."""

    def fetch(keys: list[int]) -> list[T | None]:
        base = query() if query else model.select()
        found = {row.id: to_node(row) for row in fetch_models(base.where(model.id.in_(keys)))}
        return [found.get(key) for key in keys]

    async def load(keys: list[int]) -> list[T | None]:
        return await run_db(fetch, list(keys))

    return DataLoader(load_fn=load)


def many_by(
    model: type[pw.Model], field: pw.Field, to_node: Callable[[pw.Model], T], order: tuple[Any, ...] = (),
    extra: Callable[[pw.ModelSelect], pw.ModelSelect] | None = None,
) -> DataLoader[Hashable, list[T]]:
    """Lists of objects grouped by a foreign key, in one query per batch."""

    def fetch(keys: list[Hashable]) -> list[list[T]]:
        query = model.select().where(field.in_(keys)).order_by(*order)
        if extra:
            query = extra(query)
        grouped: dict[Hashable, list[T]] = defaultdict(list)
        for row in fetch_models(query):
            grouped[row.__data__[field.name]].append(to_node(row))
        return [grouped.get(key, []) for key in keys]

    async def load(keys: list[Hashable]) -> list[list[T]]:
        return await run_db(fetch, list(keys))

    return DataLoader(load_fn=load)
