"""What every domain of the read layer shares: orderings, checked filter
values and single records by condition."""

from __future__ import annotations

from typing import Any, Sequence

import peewee as pw

from api.access.principal import Principal
from api.errors import BadRequest
from api.fastpath.pages import OrderKey
from api.fastpath.views import View

#: The longest text a filter accepts (a name, a code, a search term).
MAX_FILTER_LENGTH = 100

#: A requested ordering: (field name, descending).
Ordering = Sequence[tuple[str, bool]]


def order_keys(order: Ordering, fields: dict[str, pw.Field], default: Sequence[OrderKey], id_field: pw.Field
               ) -> list[OrderKey]:
    """Sort keys from a requested ordering, always ending with the id (unique)."""
    keys = [OrderKey(fields[name], descending) for name, descending in order] or list(default)
    if not any(k.field is id_field for k in keys):
        keys.append(OrderKey(id_field, keys[-1].descending if keys else False))
    return keys


def filter_text(value: str | None, argument: str, maximum: int = MAX_FILTER_LENGTH) -> str | None:
    """A text filter, trimmed; refused when longer than ``maximum`` characters
    (a long ``LIKE`` pattern costs the database time for nothing)."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > maximum:
        raise BadRequest(f"{argument}：筛选文字最长 {maximum} 字，收到 {len(value)} 字 / {argument}: a filter takes at "
                         f"most {maximum} characters, got {len(value)}")
    return value


def one(view: View, principal: Principal, condition: pw.Expression) -> dict[str, Any] | None:
    """The visible record matching ``condition`` (a unique key), or None —
    the same for a record that does not exist and one outside the scope."""
    model = view.model
    query = model.select(model.id).where(condition)
    scope = view.scope(principal)
    if scope is not None:
        query = query.where(scope)
    row = query.tuples().first()
    return None if row is None else view.fetch_by_ids(principal, [row[0]]).get(row[0])


def grouped(rows: Sequence[dict[str, Any]], key: str, keys: Sequence[Any]) -> list[list[dict[str, Any]]]:
    """``rows`` grouped by the value of ``key``, one list per entry of ``keys``."""
    groups: dict[Any, list[dict[str, Any]]] = {k: [] for k in keys}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return [groups[k] for k in keys]
