"""Loading a page's related objects with the page.

Data loaders already keep lists free of N+1 queries, but each nested object
still costs an asynchronous resolver, a task and a second trip to a worker
thread.  For the objects a query selects on a list's nodes — a payslip's
worker, the worker's community, its street — :func:`prefetch` runs the same
one-query-per-level ``IN`` lookups in the worker thread that fetched the page
and attaches the objects to the nodes; the nested fields then resolve
synchronously (:func:`attached`), falling back to the data loader when
nothing was attached (single objects, fields not prefetched).

Relations are registered per GraphQL type name with :func:`relation`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import orjson
import peewee as pw
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.auth import Principal
from api.db.fetch import fetch_all, is_sqlite

_ATTACHED = "_prefetched"


@dataclass(frozen=True)
class Relation:
    #: Attribute of the parent node holding the related object's id.
    key: str
    #: Loads objects by id in the worker thread: ``fetch(principal, ids) -> {id: node}``.
    fetch: Callable[[Principal, list[int]], dict[int, Any]]
    #: GraphQL type name of the related objects (for relations further down).
    target: str


_RELATIONS: dict[str, dict[str, Relation]] = {}


def relation(type_name: str, field_name: str, key: str, target: str) -> Callable:
    """Register ``fetch`` as the loader of ``type_name.field_name``."""

    def register(fetch: Callable[[Principal, list[int]], dict[int, Any]]) -> Callable:
        _RELATIONS.setdefault(type_name, {})[field_name] = Relation(key, fetch, target)
        return fetch

    return register


def relation_by_id(type_name: str, field_name: str, key: str, target: str, model: str, node: str) -> None:
    """Register ``type_name.field_name`` as the ``target`` object whose id is in
    the attribute ``key``, read by :func:`fetch_values_by_id` from the table of
    ``model`` (a name in :mod:`api.db.models`) and built by ``node``'s
    ``from_values`` (``"module:Class"``).  Named, not imported, because the
    GraphQL types refer to each other."""

    def fetch(principal: Principal, ids: list[int]) -> dict[int, Any]:
        from api.db import models

        module, _, class_name = node.partition(":")
        node_type = getattr(importlib.import_module(module), class_name)
        return fetch_values_by_id(getattr(models, model), node_type.from_values)(principal, ids)

    relation(type_name, field_name, key=key, target=target)(fetch)


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


def prefetch(nodes: list[Any], type_name: str, selections: list[SelectedField], principal: Principal) -> None:
    """Attach the related objects ``selections`` ask for to ``nodes`` (one query
    per relation and level; runs in the worker thread)."""
    relations = _RELATIONS.get(type_name, {})
    for selection in selections:
        rel = relations.get(selection.name)
        if rel is None or not nodes:
            continue
        ids = sorted({getattr(node, rel.key) for node in nodes if getattr(node, rel.key) is not None})
        found = rel.fetch(principal, ids) if ids else {}
        for node in nodes:
            node.__dict__.setdefault(_ATTACHED, {})[selection.name] = found.get(getattr(node, rel.key))
        prefetch(list(found.values()), rel.target, _flatten(selection.selections), principal)


def attached(node: Any, field_name: str) -> tuple[bool, Any]:
    """``(True, object)`` when the field's object was prefetched onto the node."""
    store = node.__dict__.get(_ATTACHED)
    if store is not None and field_name in store:
        return True, store[field_name]
    return False, None


@functools.cache
def fetch_values_by_id(model: Any, to_node: Callable[[dict, Principal], Any]) -> Callable[[Principal, list[int]], dict[int, Any]]:
    """Like :func:`fetch_by_id`, from the driver's rows by field name: no model
    per row and no ORM statement building (a page's hundred workers are hot)."""
    fields = list(model._meta.sorted_fields)
    names = [f.name for f in fields]
    column_names = [f.column_name for f in fields]
    columns = ", ".join(f'"{name}"' for name in column_names)
    table = model._meta.table_name
    dates = [i for i, f in enumerate(fields) if type(f) is pw.DateField]
    times = [i for i, f in enumerate(fields) if type(f) is pw.DateTimeField]

    def fetch(principal: Principal, ids: list[int]) -> dict[int, Any]:
        database = model._meta.database
        if is_sqlite(database):
            # One parameter, not one per id: sqlite3 releases the GIL for every
            # bound parameter (see api.db.fetch).
            sql = f'SELECT {columns} FROM "{table}" WHERE "id" IN (SELECT value FROM json_each(?))'
            params: list[Any] = [orjson.dumps(ids).decode()]
        else:
            sql = f'SELECT {columns} FROM "{table}" WHERE "id" IN ({", ".join([database.param] * len(ids))})'
            params = ids
        rows = fetch_all(database, sql, params, column_names)
        out = {}
        for row in rows:
            values = dict(zip(names, row))
            # SQLite returns dates and times as ISO text; PostgreSQL as objects.
            for i in dates:
                if isinstance(row[i], str):
                    values[names[i]] = dt.date.fromisoformat(row[i])
            for i in times:
                if isinstance(row[i], str):
                    values[names[i]] = dt.datetime.fromisoformat(row[i])
            out[values["id"]] = to_node(values, principal)
        return out

    return fetch


def values_of(row: Any) -> dict[str, Any]:
    """A model instance's values by field name, every field present (a newly
    created instance holds only the fields that were set)."""
    data = row.__data__
    return {name: data.get(name) for name in row._meta.fields}
